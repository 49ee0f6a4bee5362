#!/usr/bin/env python3
"""Follows pocd's alert stream over mutual TLS and measures, for each overdue alert on an
acknowledgement that fell due at or after --due-from (ms since epoch), how long after its
deadline the alert reached this subscriber: deadline -> timer -> durable escalation event
-> SSE. Prints one line of figures when --seconds have passed.

  sse_lateness.py --url https://127.0.0.1:8443 --cert C --key K --ca CA --due-from MS --seconds S
"""
import argparse, json, socket, ssl, time, urllib.parse

p = argparse.ArgumentParser()
for a in ("--url", "--cert", "--key", "--ca"):
    p.add_argument(a, required=True)
p.add_argument("--due-from", type=int, required=True)
p.add_argument("--seconds", type=float, required=True)
args = p.parse_args()

u = urllib.parse.urlparse(args.url)
ctx = ssl.create_default_context(cafile=args.ca)
ctx.load_cert_chain(args.cert, args.key)
sock = ctx.wrap_socket(socket.create_connection((u.hostname, u.port)), server_hostname=u.hostname)
sock.sendall(f"GET /v1/alerts/stream HTTP/1.1\r\nHost: {u.hostname}\r\nAccept: text/event-stream\r\n\r\n".encode())
sock.settimeout(1.0)
late, buf, end = [], b"", time.time() + args.seconds
while time.time() < end:
    try:
        chunk = sock.recv(65536)
    except socket.timeout:
        continue
    if not chunk:
        break
    now_ms = time.time() * 1000
    buf += chunk
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        if not line.startswith(b"data: "):
            continue
        try:
            a = json.loads(line[6:])
        except ValueError:
            continue
        if a.get("kind") != "overdue" or a.get("deadline") != "acknowledge" or a.get("level") != 1:
            continue
        due = a["due_at"]
        t = time.mktime(time.strptime(due[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        due_ms = t * 1000 + (int(due[20:23]) if len(due) > 20 else 0)
        if due_ms >= args.due_from:
            late.append(now_ms - due_ms)
late.sort()
pct = lambda q: late[min(len(late) - 1, int(len(late) * q))] if late else float("nan")
print(f"alerts={len(late)} p50_ms={pct(0.5):.1f} p99_ms={pct(0.99):.1f} max_ms={(late[-1] if late else float('nan')):.1f}")
