#!/usr/bin/env python3
"""Load and checking client for Scripts/reliability/crash.sh (mutual TLS, keep-alive threads).

  crash_client.py load  --url https://127.0.0.1:PORT --cert C --key K --ca CA --body FILE
                        --ids IDS --ready READY [--connections 8] [--stats STATS]
      POSTs the body to /v1/requests from N keep-alive connections until SIGTERM. The id of
      every 201 answer is appended to IDS with one write(2) on an O_APPEND descriptor as soon
      as the complete answer has been read (no user-space buffer: a line is in the file, or
      the answer was not complete). READY is created when every connection is open, i.e. when
      the load starts. On SIGTERM the threads stop and a JSON summary goes to STATS.

  crash_client.py get   --url ... --cert C --key K --ca CA --ids IDS [--connections 8]
      GETs /v1/requests/{id} for every id in IDS; prints one JSON line
      {"checked": N, "ok": N, "missing": [...], "errors": [...]}; exit 1 unless every id is 200
      with the same id in the body.
"""
import argparse
import http.client
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse


def tls_context(a):
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=a.ca)
    ctx.load_cert_chain(a.cert, a.key)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def connect(a, ctx, timeout=10):
    u = urllib.parse.urlsplit(a.url)
    c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=timeout)
    c.connect()
    return c


def load(a):
    ctx = tls_context(a)
    body = open(a.body, "rb").read()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    fd = os.open(a.ids, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    lock = threading.Lock()
    stats = {"sent": 0, "created": 0, "status": {}, "errors": {}, "error_samples": []}
    opened = threading.Barrier(a.connections + 1)

    def note_error(e):
        kind = type(e).__name__
        with lock:
            stats["errors"][kind] = stats["errors"].get(kind, 0) + 1
            if len(stats["error_samples"]) < 5:
                stats["error_samples"].append(f"{kind}: {e}")

    def worker():
        conn = None
        try:
            conn = connect(a, ctx)
        except Exception as e:  # counted; the barrier must still be passed
            note_error(e)
        try:
            opened.wait(30)
        except threading.BrokenBarrierError:
            pass
        while not stop.is_set():
            try:
                if conn is None:
                    conn = connect(a, ctx)
                with lock:
                    stats["sent"] += 1
                conn.request("POST", "/v1/requests", body=body, headers=headers)
                r = conn.getresponse()
                data = r.read()
                if r.status == 201:
                    rid = json.loads(data)["id"]
                    os.write(fd, (rid + "\n").encode())  # one append per complete 201 answer
                    with lock:
                        stats["created"] += 1
                with lock:
                    stats["status"][str(r.status)] = stats["status"].get(str(r.status), 0) + 1
                    if r.status != 201 and len(stats["error_samples"]) < 5:
                        stats["error_samples"].append(f"HTTP {r.status}: {data[:200]!r}")
                if r.will_close:
                    conn.close()
                    conn = None
            except Exception as e:  # the daemon was killed: reset, EOF, refused
                note_error(e)
                if conn is not None:
                    conn.close()
                conn = None
                stop.wait(0.05)
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(a.connections)]
    for t in threads:
        t.start()
    try:
        opened.wait(30)
    except threading.BrokenBarrierError:
        pass
    started = time.monotonic()
    open(a.ready, "w").write(f"{time.time():.6f}\n")
    while not stop.is_set():
        stop.wait(0.1)
    for t in threads:
        t.join(15)
    stats["seconds"] = round(time.monotonic() - started, 3)
    stats["alive_threads"] = sum(t.is_alive() for t in threads)
    os.close(fd)
    out = json.dumps(stats, sort_keys=True)
    if a.stats:
        open(a.stats, "w").write(out + "\n")
    else:
        print(out)


def get(a):
    ctx = tls_context(a)
    ids = [line.strip() for line in open(a.ids) if line.strip()]
    lock = threading.Lock()
    result = {"checked": 0, "ok": 0, "missing": [], "errors": []}
    nxt = iter(ids)

    def worker():
        conn = None
        while True:
            with lock:
                rid = next(nxt, None)
            if rid is None:
                break
            for attempt in range(3):
                try:
                    if conn is None:
                        conn = connect(a, ctx, timeout=30)
                    conn.request("GET", f"/v1/requests/{rid}", headers={"Accept": "application/json"})
                    r = conn.getresponse()
                    data = r.read()
                    with lock:
                        result["checked"] += 1
                        if r.status == 200 and json.loads(data).get("id") == rid:
                            result["ok"] += 1
                        else:
                            result["missing"].append(f"{rid}: HTTP {r.status} {data[:160]!r}")
                    break
                except Exception as e:
                    if conn is not None:
                        conn.close()
                    conn = None
                    if attempt == 2:
                        with lock:
                            result["checked"] += 1
                            result["errors"].append(f"{rid}: {type(e).__name__}: {e}")
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result["missing_count"] = len(result["missing"])
    result["missing"] = result["missing"][:20]
    result["errors"] = result["errors"][:20]
    print(json.dumps(result))
    sys.exit(0 if result["ok"] == len(ids) else 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["load", "get"])
    p.add_argument("--url", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--body")
    p.add_argument("--ids", required=True)
    p.add_argument("--ready")
    p.add_argument("--stats")
    p.add_argument("--connections", type=int, default=8)
    a = p.parse_args()
    if a.mode == "load":
        if not a.body or not a.ready:
            p.error("load needs --body and --ready")
        load(a)
    else:
        get(a)


if __name__ == "__main__":
    main()
