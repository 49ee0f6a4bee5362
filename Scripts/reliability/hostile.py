#!/usr/bin/env python3
"""Hostile clients against a running pocd, for Scripts/reliability/hostile.sh.

  hostile.py run --url https://127.0.0.1:PORT --pki DIR --pid PID --log LOG --loadgen BIN
                 --body urgent.json --emergency-body emergency.json --out rows.json
                 [--attacks a,b,...] [--rate 50] [--connections 2000]
  hostile.py table rows.json          the markdown table of a run
  hostile.py details rows.json        notes per attack (extra figures, the daemon's log lines, grouped)

For each attack, with nothing else running against the daemon:
  * the well-behaved client: Scripts/bench/loadgen.c in open loop (--rate R, 4 keep-alive
    mutual-TLS connections) POSTing a new urgent preservation request, from 1 s before the
    attack until 1 s after it (latency p50/p99/max from the moment each request was due,
    errors and non-201 answers);
  * a newcomer probe: every 0.5 s a new mutual-TLS connection GETs /healthz (does the
    daemon still accept new clients?);
  * pocd's open descriptors (sampled every 0.1 s: before, peak) and CPU time;
  * the attack itself, recording what the daemon answered and after how long;
  * afterwards, the time for pocd's descriptors to return to the baseline (at most 40 s),
    and the daemon's log lines written meanwhile (grouped, addresses and numbers blanked).
"""
import argparse
import collections
import json
import os
import random
import re
import selectors
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
          40: "handshake_failure", 42: "bad_certificate", 45: "certificate_expired", 46: "certificate_unknown",
          47: "illegal_parameter", 48: "unknown_ca", 50: "decode_error", 51: "decrypt_error",
          70: "protocol_version", 80: "internal_error", 109: "missing_extension", 116: "certificate_required"}


# ------------------------------------------------------------------ helpers

class Env:
    def __init__(self, a):
        u = urllib.parse.urlsplit(a.url)
        self.host, self.port, self.url = u.hostname, u.port, a.url
        self.pki, self.pid, self.log, self.a = a.pki, a.pid, a.log, a
        self.good = self.ctx("officer.vn.alice")
        self.supervisor = self.ctx("supervisor.de.eva")
        self.nocert = self.ctx(None)
        self.foreign = self.ctx("foreign")
        self.expired = self.ctx("expired")

    def ctx(self, name):
        c = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=f"{self.pki}/ca.crt")
        if name:
            c.load_cert_chain(f"{self.pki}/{name}.crt", f"{self.pki}/{name}.key")
        return c

    def tls(self, ctx, timeout=15, rcvbuf=None):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as curl and loadgen: no Nagle delay
        s.settimeout(timeout)
        s.connect((self.host, self.port))
        return ctx.wrap_socket(s, server_hostname=self.host)

    def raw(self, timeout=15):
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def fds(self):
        try:
            return len(os.listdir(f"/proc/{self.pid}/fd"))
        except FileNotFoundError:
            return -1

    def cpu(self):
        f = open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

    def alive(self):
        return os.path.exists(f"/proc/{self.pid}") and open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"

    def metrics(self):
        """contactpoint_sse_subscribers and the sum of contactpoint_escalations_total."""
        try:
            s = self.tls(self.supervisor, timeout=5)
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = read_all(s, 5)
            s.close()
        except Exception:
            return None
        text = data.decode(errors="replace")
        sub = re.search(r"^contactpoint_sse_subscribers (\S+)", text, re.M)
        esc = sum(float(m) for m in re.findall(r"^contactpoint_escalations_total\{[^}]*\} (\S+)", text, re.M))
        return {"sse": float(sub.group(1)) if sub else None, "escalations": esc}


def read_all(s, timeout):
    s.settimeout(timeout)
    out = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            d = s.recv(65536)
        except (socket.timeout, ssl.SSLError, OSError):
            break
        if not d:
            break
        out += d
    return out


def ssl_reason(e):
    r = getattr(e, "reason", None) or ""
    m = re.search(r"ALERT_(\w+)", r)
    if m:
        return "TLS alert " + m.group(1).lower()
    if isinstance(e, ssl.SSLZeroReturnError):
        return "close_notify"
    if isinstance(e, ConnectionResetError):
        return "reset (RST)"
    if isinstance(e, BrokenPipeError):
        return "EPIPE (connection closed)"
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "no answer (timeout)"
    if isinstance(e, ssl.SSLEOFError) or "EOF" in str(e):
        return "EOF without close_notify"
    return f"{type(e).__name__}: {r or e}"


def describe_bytes(b, how_closed):
    """What came back on a raw (non-TLS) socket."""
    if not b:
        return how_closed
    if b[0] == 0x15 and len(b) >= 7:
        return f"TLS alert {ALERTS.get(b[6], b[6])} (record {b[:7].hex()}), then {how_closed}"
    if b.startswith(b"HTTP/"):
        return b.split(b"\r\n", 1)[0].decode(errors="replace") + f", then {how_closed}"
    return f"{len(b)} bytes {b[:12].hex()}…, then {how_closed}"


def read_until_closed(s, timeout):
    """Returns (bytes, 'closed (EOF)' | 'reset (RST)' | 'still open', seconds)."""
    t0 = time.monotonic()
    s.settimeout(0.5)
    out = b""
    while time.monotonic() - t0 < timeout:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return out, "reset (RST)", time.monotonic() - t0
        except OSError as e:
            return out, f"error {e}", time.monotonic() - t0
        if not d:
            return out, "closed (EOF)", time.monotonic() - t0
        out += d
    return out, "still open", time.monotonic() - t0


def status_of(data):
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    return line if line.startswith("HTTP/") else None


class Outcomes:
    """outcome text -> list of seconds."""
    def __init__(self):
        self.lock = threading.Lock()
        self.d = collections.OrderedDict()
        self.attempts = 0
        self.notes = []

    def add(self, outcome, seconds):
        with self.lock:
            self.d.setdefault(outcome, []).append(seconds)

    def attempt(self):
        with self.lock:
            self.attempts += 1

    def summary(self):
        parts = []
        for k, v in sorted(self.d.items(), key=lambda kv: -len(kv[1])):
            v = sorted(v)
            med = v[len(v) // 2]
            parts.append({"outcome": k, "count": len(v), "p50_s": round(med, 3), "max_s": round(v[-1], 3),
                          "min_s": round(v[0], 3)})
        return parts


def parallel(n, fn, *args):
    ts = [threading.Thread(target=fn, args=args, daemon=True) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


# ------------------------------------------------------------------ attacks
# Each takes (env, out: Outcomes, end: monotonic deadline) and returns extra notes (dict).

REQ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def flood_bad_certificate(ctx_name):
    def attack(env, out, end):
        ctx = getattr(env, ctx_name)

        def one():
            while time.monotonic() < end:
                out.attempt()
                t0 = time.monotonic()
                try:
                    s = env.tls(ctx, timeout=15)
                except Exception as e:  # refused during the handshake
                    out.add(ssl_reason(e) + " (during the handshake)", time.monotonic() - t0)
                    time.sleep(0.04)
                    continue
                try:
                    s.sendall(REQ)
                    d = s.recv(65536)
                    out.add(("HTTP answer: " + (status_of(d) or repr(d[:40]))) if d else "closed (EOF, no alert)",
                            time.monotonic() - t0)
                except Exception as e:
                    out.add(ssl_reason(e) + " (at the first read)", time.monotonic() - t0)
                finally:
                    s.close()
                time.sleep(0.04)  # ~25 attempts/s per attacker
        parallel(4, one)
        return {}
    return attack


def flood_raw(payload_fn):
    def attack(env, out, end):
        def one():
            while time.monotonic() < end:
                out.attempt()
                t0 = time.monotonic()
                s = env.raw()
                try:
                    s.sendall(payload_fn())
                    b, how, _ = read_until_closed(s, 15)
                except (BrokenPipeError, ConnectionResetError) as e:
                    b, how = b"", ssl_reason(e)
                out.add(describe_bytes(b, how), time.monotonic() - t0)
                s.close()
                time.sleep(0.04)
        parallel(4, one)
        return {}
    return attack


def plain_http():
    return REQ


def garbage():
    b = bytes(random.getrandbits(8) for _ in range(2048))
    return bytes([0x47 if b[0] == 0x16 else b[0]]) + b[1:]  # never a handshake record type


def slowloris(env, out, end, conns=20):
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 60 + b"\r\n\r\n"

    def one():
        out.attempt()
        try:
            s = env.tls(env.good)
        except Exception as e:
            out.add("handshake failed: " + ssl_reason(e), 0)
            return
        s.settimeout(1.0)
        t0 = time.monotonic()
        sent = 0
        while time.monotonic() < end + 30:
            if sent < len(request):
                try:
                    s.sendall(request[sent:sent + 1])
                    sent += 1
                except Exception as e:
                    out.add(f"{ssl_reason(e)} while sending byte {sent + 1}", time.monotonic() - t0)
                    return
            try:
                d = s.recv(65536)  # waits up to 1 s: the pacing
            except socket.timeout:
                continue
            except Exception as e:
                out.add(f"{ssl_reason(e)} after {sent} bytes", time.monotonic() - t0)
                return
            t = time.monotonic() - t0
            if not d:
                out.add(f"closed (close_notify/EOF) without an answer after {sent} bytes", t)
            else:
                rest, how, _ = read_until_closed(s, 10)
                out.add(f"{status_of(d) or repr(d[:30])} after {sent} of {len(request)} bytes, then {how}", t)
            s.close()
            return
        out.add(f"no answer after {sent} bytes", time.monotonic() - t0)
    parallel(conns, one)
    return {"connections": conns, "pace": "1 byte/s"}


def huge_header(env, out, end):
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: "
    body = head + b"a" * (1 << 20) + b"\r\n\r\n"
    sent_before = []

    def one():
        while time.monotonic() < end:
            out.attempt()
            s = env.tls(env.good)
            t0 = time.monotonic()
            sent, answer = 0, None
            s.setblocking(False)
            sel = selectors.DefaultSelector()
            sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
            while answer is None and time.monotonic() - t0 < 20:
                for key, ev in sel.select(1):
                    if ev & selectors.EVENT_READ:
                        try:
                            d = s.recv(65536)
                            answer = d or b""
                        except ssl.SSLWantReadError:
                            pass
                        except Exception as e:
                            answer = ssl_reason(e).encode()
                    elif ev & selectors.EVENT_WRITE and sent < len(body):
                        try:
                            sent += s.send(body[sent:sent + 16384])
                        except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                            pass
                        except Exception as e:
                            answer = ssl_reason(e).encode()
                    if sent >= len(body):
                        sel.modify(s, selectors.EVENT_READ)
            t = time.monotonic() - t0
            sel.close()
            s.setblocking(True)
            if answer is None:
                out.add("no answer within 20 s", t)
            else:
                rest, how, _ = read_until_closed(s, 5) if answer.startswith(b"HTTP/") else (b"", "", 0)
                out.add((status_of(answer) or answer.decode(errors="replace")[:60]) + (f", then {how}" if how else ""), t)
                sent_before.append(sent)
            s.close()
    parallel(2, one)
    sent_before.sort()
    return {"sent_p50": sent_before[len(sent_before) // 2] if sent_before else None,
            "sent_max": sent_before[-1] if sent_before else None, "header_size": len(body)}


def big_body(content_length, rate_bps, conns, label):
    """Announces content_length, then streams the body at rate_bps, and goes on streaming after
    any answer and after the server's close_notify/FIN, until a write fails (the server has
    really stopped reading) or 40 s after the window."""
    def attack(env, out, end):
        endings = []

        def one():
            out.attempt()
            s = env.tls(env.good)
            s.settimeout(0.25)
            s.sendall(b"POST /v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      + f"Content-Length: {content_length}\r\n\r\n".encode())
            t0 = time.monotonic()
            chunk = b"a" * max(1, rate_bps // 4)
            sent, answer_t, answer_sent, eof_t = 0, None, 0, None
            while time.monotonic() < end + 40:
                if eof_t is None:
                    try:
                        d = s.recv(65536)
                        if d and answer_t is None:
                            answer_t = time.monotonic() - t0
                            answer_sent = sent
                            out.add(f"{status_of(d) or repr(d[:30])} after {sent:,} body bytes", answer_t)
                        elif not d:
                            eof_t = time.monotonic() - t0
                        continue
                    except socket.timeout:
                        pass
                    except Exception as e:
                        endings.append({"how": f"{ssl_reason(e)} at a read ({type(e).__name__}: {str(e)[:50]})", "t": time.monotonic() - t0, "answer_t": answer_t,
                                        "eof_t": eof_t, "after_answer": sent - answer_sent})
                        break
                else:
                    time.sleep(0.25)
                if answer_t is None and time.monotonic() >= end:
                    out.add(f"no answer after {sent:,} body bytes", time.monotonic() - t0)
                    answer_t = -1
                try:
                    s.sendall(chunk)
                    sent += len(chunk)
                except Exception as e:
                    endings.append({"how": f"{ssl_reason(e)} at a write ({type(e).__name__}: {str(e)[:50]})", "t": time.monotonic() - t0, "answer_t": answer_t,
                                    "eof_t": eof_t, "after_answer": sent - answer_sent})
                    break
            else:
                endings.append({"how": "the server still accepted body bytes", "t": time.monotonic() - t0,
                                "answer_t": answer_t, "eof_t": eof_t, "after_answer": sent - answer_sent})
            if answer_t is None:
                out.add(f"no answer after {sent:,} body bytes", time.monotonic() - t0)
            s.close()
        parallel(conns, one)
        return {"label": label, "content_length": content_length, "streamed_bytes_per_s": rate_bps, "connections": conns,
                "endings": endings}
    return attack


def idle_tcp(count):
    def attack(env, out, end):
        socks, opened, refused = {}, 0, collections.Counter()
        sel = selectors.DefaultSelector()
        t_open = time.monotonic()
        for i in range(count):
            out.attempt()
            try:
                s = socket.create_connection((env.host, env.port), timeout=5)
            except Exception as e:
                refused[ssl_reason(e)] += 1
                continue
            s.setblocking(False)
            socks[s.fileno()] = (s, time.monotonic())
            sel.register(s, selectors.EVENT_READ)
            opened += 1
        open_s = time.monotonic() - t_open
        while socks and time.monotonic() < end:
            for key, _ in sel.select(0.2):
                s, t0 = socks.pop(key.fd)
                sel.unregister(s)
                try:
                    d = s.recv(4096)
                    how = describe_bytes(d, "closed (EOF)") if d else "closed (EOF)"
                except ConnectionResetError:
                    how = "reset (RST)"
                t = time.monotonic() - t0
                out.add(how + (" at once" if t < 1 else ""), t)
                s.close()
        for s, t0 in socks.values():
            out.add("still open at the end of the window", time.monotonic() - t0)
            s.close()
        for k, v in refused.items():
            out.add(f"connect failed: {k}", 0)
        return {"opened": opened, "seconds_to_open_all": round(open_s, 2)}
    return attack


def idle_tls(count):
    def attack(env, out, end):
        lock = threading.Lock()
        live = {}
        sel = selectors.DefaultSelector()
        todo = iter(range(count))
        failed = collections.Counter()
        t_open = time.monotonic()

        def opener():
            while True:
                with lock:
                    i = next(todo, None)
                if i is None:
                    return
                out.attempt()
                t0 = time.monotonic()
                try:
                    s = env.tls(env.good, timeout=20)
                except Exception as e:
                    out.add("handshake failed: " + ssl_reason(e), time.monotonic() - t0)
                    continue
                s.setblocking(False)
                with lock:
                    live[s.fileno()] = (s, time.monotonic())
                    opened_at.append(time.monotonic())
                    sel.register(s, selectors.EVENT_READ)
        opened_at, notes_extra = [], {}
        openers = [threading.Thread(target=opener, daemon=True) for _ in range(16)]
        for t in openers:
            t.start()
        peak = 0
        while time.monotonic() < end and (any(t.is_alive() for t in openers) or live):
            with lock:
                peak = max(peak, len(live))
                ready = sel.select(0) if live else []
            if not ready:
                time.sleep(0.05)
            for key, _ in ready:
                with lock:
                    entry = live.pop(key.fd, None)
                    if entry:
                        sel.unregister(entry[0])
                if not entry:
                    continue
                s, t0 = entry
                try:
                    d = s.recv(4096)
                    how = f"data {d[:30]!r}" if d else "closed with close_notify"
                except ssl.SSLWantReadError:
                    with lock:  # a TLS record that carried no data: keep waiting
                        live[s.fileno()] = (s, t0)
                        sel.register(s, selectors.EVENT_READ)
                    continue
                except Exception as e:
                    how = ssl_reason(e)
                out.add(how, time.monotonic() - t0)
                s.close()
        for t in openers:
            t.join(30)
        with lock:
            if opened_at:
                notes_extra["seconds_to_open_all"] = round(max(opened_at) - t_open, 2)
            for s, t0 in live.values():
                out.add("still open at the end of the window", time.monotonic() - t0)
                s.close()
        return {"handshakes_completed": len(opened_at), "open_at_once_peak": peak, **notes_extra}
    return attack


def ss_sendq(server_port, client_port):
    """The server side of one connection, from ss: (Send-Q bytes, kernel send buffer size) or None."""
    try:
        out = subprocess.run(["ss", "-tnmH", "state", "established", f"( sport = :{server_port} and dport = :{client_port} )"],
                             capture_output=True, text=True, timeout=5).stdout
    except Exception:
        return None
    m = re.search(r"^\s*\d+\s+(\d+)\s", out, re.M)
    tb = re.search(r"\btb(\d+)", out)
    return (int(m.group(1)), int(tb.group(1)) if tb else None) if m else None


def sse_nonreader(env, out, end, producer_rate=60):
    """A subscriber that never reads while emergency requests are submitted and escalate each second;
    a second, well-behaved subscriber reads and measures how late the level-1 alerts reach it."""
    a = env.a
    out.attempt()
    m0 = env.metrics() or {}
    hostile = env.tls(env.supervisor, rcvbuf=4096)
    hostile_port = hostile.getsockname()[1]
    hostile.sendall(b"GET /v1/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
    t_sub = time.monotonic()
    reader = env.tls(env.supervisor)
    reader.sendall(b"GET /v1/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
    late, got = [], {"alerts": 0, "ended": None}

    def read_stream():
        reader.settimeout(1)
        buf = b""
        while time.monotonic() < end + 5:
            try:
                d = reader.recv(65536)
            except socket.timeout:
                continue
            except Exception as e:
                got["ended"] = ssl_reason(e)
                return
            if not d:
                got["ended"] = "closed"
                return
            now = time.time()
            buf += d
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if not line.startswith(b"data: "):
                    continue
                try:
                    al = json.loads(line[6:])
                except ValueError:
                    continue
                got["alerts"] += 1
                if al.get("kind") == "overdue" and al.get("level") == 1 and al.get("due_at"):
                    due = al["due_at"]
                    t = time.mktime(time.strptime(due[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
                    frac = float("0" + due[19:].rstrip("Z").split("+")[0]) if due[19:20] == "." else 0.0
                    late.append((now - (t + frac)) * 1000)
    rt = threading.Thread(target=read_stream, daemon=True)
    rt.start()
    producer_seconds = max(5, int(end - time.monotonic() - 12))
    prod = subprocess.Popen([a.loadgen, "--url", f"{env.url}/v1/requests", "--method", "POST", "--body-file", a.emergency_body,
                             "--cert", f"{env.pki}/officer.vn.alice.crt", "--key", f"{env.pki}/officer.vn.alice.key",
                             "--ca", f"{env.pki}/ca.crt", "--rate", str(producer_rate), "--connections", "2",
                             "--duration", str(producer_seconds)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    samples, queue, dropped_at = [], [], None
    while time.monotonic() < end:
        t = round(time.monotonic() - t_sub, 1)
        q = ss_sendq(env.port, hostile_port)
        queue.append((t, q[0] if q else None, q[1] if q else None))
        m = env.metrics()
        if m:
            samples.append((t, m["sse"]))
            if dropped_at is None and m["sse"] is not None and m["sse"] < 2:
                dropped_at = time.monotonic() - t_sub
        time.sleep(1)
    producer = json.loads(prod.communicate()[0].strip().splitlines()[-1])
    rt.join(10)
    m1 = env.metrics() or {}
    # Now read what the non-reader was sent, and how its stream ended.
    data, how, _ = read_until_closed(hostile, 5)
    hostile.close()
    reader.close()
    if dropped_at is not None:
        out.add("stream closed by pocd (the subscriber gauge fell to 1)", dropped_at)
    else:
        out.add("stream still open at the end of the window", time.monotonic() - t_sub)
    late.sort()
    pct = lambda q: round(late[min(len(late) - 1, int(len(late) * q))], 1) if late else None
    live = [x for x in queue if x[1] is not None]
    peak = max(live, key=lambda x: x[1]) if live else None
    plateau = next((x[0] for x in live if peak and x[1] == peak[1]), None)
    return {"producer": {"rate": producer_rate, "requests": producer.get("requests"), "status": producer.get("status"),
                         "errors": producer.get("errors"), "p99_ms": producer.get("p99_ms")},
            "escalations_produced": int((m1.get("escalations") or 0) - (m0.get("escalations") or 0)),
            "reading_subscriber": {"alerts": got["alerts"], "level1_lateness_p50_ms": pct(0.5), "p99_ms": pct(0.99),
                                   "max_ms": late[-1] if late else None, "ended": got["ended"]},
            "nonreader_then_read": {"bytes": len(data), "ending": how},
            "kernel_send_queue_peak": peak[1] if peak else None, "kernel_send_buffer": peak[2] if peak else None,
            "kernel_queue_full_at_s": plateau,
            "kernel_queue_gone_at_s": next((x[0] for x in queue if x[1] is None and plateau and x[0] > plateau), None),
            "dropped_at_s": round(dropped_at, 1) if dropped_at is not None else None,
            "subscriber_samples": samples, "send_queue_samples": queue}


def sse_replay_nonreader(env, out, end):
    """A subscriber that resumes with Last-Event-ID: 0 (the hub replays every recent alert at once)
    and never reads."""
    out.attempt()
    m0 = env.metrics() or {}
    s = env.tls(env.supervisor, rcvbuf=4096)
    s.sendall(b"GET /v1/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nLast-Event-ID: 0\r\n\r\n")
    t0 = time.monotonic()
    dropped_at, samples = None, []
    while time.monotonic() < end:
        m = env.metrics()
        if m and m["sse"] is not None:
            samples.append((round(time.monotonic() - t0, 2), m["sse"]))
            if m["sse"] < 1:
                dropped_at = time.monotonic() - t0
                break
        time.sleep(0.2)
    data, how, _ = read_until_closed(s, 5)
    s.close()
    if dropped_at is not None:
        out.add("stream closed by pocd (the subscriber gauge fell to 0)", dropped_at)
    else:
        out.add("stream still open at the end of the window", time.monotonic() - t0)
    return {"recent_alerts_before": int(m0.get("escalations") or 0), "nonreader_then_read": {"bytes": len(data), "ending": how},
            "subscriber_samples": samples[:10]}


ATTACKS = {
    # name: (description, seconds, function)
    "baseline": ("no attack", 10, None),
    "no-cert": ("no client certificate (4 attackers, ~100 handshakes/s)", 10, flood_bad_certificate("nocert")),
    "foreign-ca": ("certificate from a foreign CA (4 attackers)", 10, flood_bad_certificate("foreign")),
    "expired": ("expired certificate (4 attackers)", 10, flood_bad_certificate("expired")),
    "plain-http": ("plain HTTP to the TLS port (4 attackers)", 10, flood_raw(plain_http)),
    "garbage": ("2 KiB of random bytes instead of a ClientHello (4 attackers)", 10, flood_raw(garbage)),
    "slowloris": ("slowloris: 20 mutual-TLS connections, one header byte per second", 16, slowloris),
    "huge-header": ("1 MiB header, sent at full speed (2 attackers, repeated)", 10, huge_header),
    "body-100mib": ("Content-Length 100 MiB, body streamed at 64 KiB/s (4 connections)", 10,
                    big_body(100 << 20, 64 << 10, 4, "100 MiB")),
    "body-slow-1mib": ("Content-Length 1 MiB (within the limit), body streamed at 8 KiB/s (2 connections)", 36,
                       big_body(1 << 20, 8 << 10, 2, "1 MiB slow")),
    "idle-tcp": ("{n} idle TCP connections (no ClientHello)", 20, None),
    "idle-tls": ("{n} mutual-TLS connections, handshaken, then silent", 30, None),
    "sse-nonreader": ("SSE subscriber that never reads (receive buffer 4 KiB) while 60 emergency requests/s escalate "
                      "(3 alerts each)", 80, sse_nonreader),
    "sse-replay-nonreader": ("SSE subscriber resuming from Last-Event-ID 0 (the hub replays its recent alerts) that never reads",
                             10, sse_replay_nonreader),
}


# ------------------------------------------------------------------ the run

def log_lines(path, offset):
    with open(path, "rb") as f:
        f.seek(offset)
        lines = f.read().decode(errors="replace").splitlines()
    groups = collections.Counter()
    for l in lines:
        l = re.sub(r"^\S+ \S+ pocd: ", "", l)
        if l.startswith("alert="):
            groups["alert=… (the daemon's own line for each escalation)"] += 1
            continue
        l = re.sub(r"\[ContactPointDaemon\] ", "", l)
        l = re.sub(r"127\.0\.0\.1:\d+", "ADDR", l)
        l = re.sub(r"\b\d+\b", "N", l)
        groups[l[:200]] += 1
    return len(lines), groups.most_common(6)


def run(a):
    env = Env(a)
    rows = []
    # Warm-up before the baseline: the store's reader connection opens its WAL handle lazily,
    # so the first POST, read and metrics scrape add descriptors that then stay for good.
    body = open(a.body, "rb").read()
    for _ in range(3):
        s = env.tls(env.good)
        s.sendall(b"POST /v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        answer = read_all(s, 10)
        s.close()
        if not answer.startswith(b"HTTP/1.1 201"):
            sys.exit(f"hostile.py: the warm-up POST was answered {answer[:200]!r}")
    env.metrics()
    time.sleep(3)
    baseline_fds = env.fds()
    names = a.attacks.split(",")
    for name in names:
        desc, seconds, fn = ATTACKS[name]
        if name == "idle-tcp":
            fn = idle_tcp(a.connections)
        if name == "idle-tls":
            fn = idle_tls(a.connections)
        desc = desc.format(n=f"{a.connections:,}")
        if not env.alive():
            sys.exit(f"hostile.py: pocd {a.pid} is not running before {name}")
        # Quiet first: the daemon's descriptors back at the baseline.
        t_settle = time.monotonic()
        while env.fds() > baseline_fds and time.monotonic() - t_settle < 40:
            time.sleep(0.2)
        fds_before = env.fds()
        log_off = os.path.getsize(a.log)
        cpu0, wall0 = env.cpu(), time.monotonic()
        print(f"== {name}: {desc} ({seconds} s; pocd fds {fds_before})", file=sys.stderr, flush=True)
        lg = subprocess.Popen([a.loadgen, "--url", f"{env.url}/v1/requests", "--method", "POST", "--body-file", a.body,
                               "--cert", f"{a.pki}/officer.vn.alice.crt", "--key", f"{a.pki}/officer.vn.alice.key",
                               "--ca", f"{a.pki}/ca.crt", "--rate", str(a.rate), "--connections", "4",
                               "--duration", str(seconds + 2)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stop = threading.Event()
        probe = {"ok": 0, "failed": 0, "lat": [], "failures": collections.Counter()}
        peak = {"fds": fds_before}

        def prober():
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    s = env.tls(env.good, timeout=10)
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    d = read_all(s, 10)
                    s.close()
                    if d.startswith(b"HTTP/1.1 200"):
                        probe["ok"] += 1
                        probe["lat"].append((time.monotonic() - t0) * 1000)
                    else:
                        probe["failed"] += 1
                        probe["failures"][status_of(d) or "no answer"] += 1
                except Exception as e:
                    probe["failed"] += 1
                    probe["failures"][ssl_reason(e)] += 1
                stop.wait(max(0, 0.5 - (time.monotonic() - t0)))

        def sampler():
            while not stop.is_set():
                peak["fds"] = max(peak["fds"], env.fds())
                stop.wait(0.1)
        ths = [threading.Thread(target=prober, daemon=True), threading.Thread(target=sampler, daemon=True)]
        for t in ths:
            t.start()
        time.sleep(1)
        out = Outcomes()
        t_attack = time.monotonic()
        notes = fn(env, out, t_attack + seconds) if fn else {}
        if fn is None:
            time.sleep(seconds)
        attack_s = time.monotonic() - t_attack
        lg_out, lg_err = lg.communicate()
        stop.set()
        for t in ths:
            t.join()
        cpu1, wall1 = env.cpu(), time.monotonic()
        load = json.loads(lg_out.strip().splitlines()[-1])
        # Afterwards: back to the baseline?
        t_settle = time.monotonic()
        while env.fds() > baseline_fds and time.monotonic() - t_settle < 40:
            time.sleep(0.2)
        settle_s = time.monotonic() - t_settle
        n_lines, groups = log_lines(a.log, log_off)
        non201 = {k: v for k, v in load["status"].items() if k != "201"}
        row = {
            "attack": name, "description": desc, "window_s": round(attack_s, 1), "attempts": out.attempts,
            "answers": out.summary(), "notes": notes,
            "good": {"requests": load["requests"], "rate": a.rate, "p50_ms": load["p50_ms"], "p99_ms": load["p99_ms"],
                     "max_ms": load["max_ms"], "errors": load["errors"], "error_kinds": load.get("error_kinds", {}),
                     "non201": non201, "stderr": lg_err.strip().splitlines()[:3]},
            "probe": {"ok": probe["ok"], "failed": probe["failed"], "failures": dict(probe["failures"]),
                      "max_ms": round(max(probe["lat"]), 1) if probe["lat"] else None},
            "fds": {"baseline": baseline_fds, "before": fds_before, "peak": peak["fds"], "after": env.fds(),
                    "settle_s": round(settle_s, 1)},
            "cpu_pct": round(100 * (cpu1 - cpu0) / (wall1 - wall0), 1),
            "log": {"lines": n_lines, "top": groups},
            "alive": env.alive(),
        }
        rows.append(row)
        print(json.dumps(row)[:1500], file=sys.stderr, flush=True)
        if not row["alive"]:
            print(f"hostile.py: pocd died during {name}", file=sys.stderr)
            break
    json.dump(rows, open(a.out, "w"), indent=1)


# ------------------------------------------------------------------ the markdown table

def answer_text(row):
    if row["attack"] == "baseline":
        return "—"
    parts = []
    for o in row["answers"]:
        t = f"{o['p50_s']:.2f} s" if o["max_s"] - o["min_s"] < 0.05 else f"{o['p50_s']:.2f} s (max {o['max_s']:.2f})"
        if o["max_s"] < 0.1:
            t = f"{o['p50_s'] * 1000:.0f} ms (max {o['max_s'] * 1000:.0f})"
        parts.append(f"{o['outcome']} ×{o['count']}, after {t}")
    return "; ".join(parts).replace("|", "\\|")


def table(path):
    rows = json.load(open(path))
    out = ["| attack | attempts | what pocd answered, and after how long | well-behaved client (POST at R/s): p50 / p99 / max ms, errors | new connections (/healthz every 0.5 s) ok / failed | pocd fds: before → peak → after (settled in) | pocd CPU | log lines |",
           "|---|---:|---|---|---|---|---:|---:|"]
    for r in rows:
        g, p, f = r["good"], r["probe"], r["fds"]
        errs = g["errors"] + sum(g["non201"].values())
        err_text = "0 errors" if errs == 0 else f"**{errs} errors** ({', '.join(f'{k} {v}' for k, v in {**g['error_kinds'], **g['non201']}.items())})"
        probe = f"{p['ok']} / {p['failed']}" + (f" ({', '.join(f'{k} ×{v}' for k, v in p['failures'].items())})" if p["failed"] else "")
        fds = f"{f['before']} → {f['peak']} → {f['after']} ({f['settle_s']} s)"
        out.append(f"| {r['description']} | {r['attempts'] if r['attack'] != 'baseline' else '—'} | {answer_text(r)} | "
                   f"{g['p50_ms']:.1f} / {g['p99_ms']:.1f} / {g['max_ms']:.1f}, {g['requests']} requests, {err_text} | {probe} | {fds} | "
                   f"{r['cpu_pct']}% | {r['log']['lines']} |")
    return "\n".join(out)


def details(path):
    """Notes per row: extra figures and the daemon's log lines (grouped)."""
    rows = json.load(open(path))
    out = []
    for r in rows:
        bits = []
        n = r["notes"]
        if r["attack"] == "sse-nonreader" and n:
            rs = n["reading_subscriber"]
            mb = lambda b: f"{b / 1048576:.1f} MiB" if b is not None else "?"
            bits.append(f"{n['escalations_produced']} escalations produced ({n['producer']['requests']} emergency requests, "
                        f"statuses {n['producer']['status']}, producer p99 {n['producer']['p99_ms']} ms); "
                        f"the non-reader's bytes piled up in the kernel: pocd's send queue on that socket grew to "
                        f"{mb(n['kernel_send_queue_peak'])} (send buffer autotuned to {mb(n['kernel_send_buffer'])}) and stopped "
                        f"growing at {n['kernel_queue_full_at_s']} s, when pocd's writes began to block; pocd closed the stream at "
                        f"{n['dropped_at_s']} s (write_timeout 30 s) — the socket left the established state at {n['kernel_queue_gone_at_s']} s. "
                        f"A reading subscriber meanwhile received {rs['alerts']} alerts, level-1 lateness (deadline → received) p50 "
                        f"{rs['level1_lateness_p50_ms']} / p99 {rs['p99_ms']} / max {rs['max_ms'] and round(rs['max_ms'], 1)} ms. "
                        f"The non-reader, reading afterwards, got {n['nonreader_then_read']['bytes']:,} bytes (what the kernel still "
                        f"held), then {n['nonreader_then_read']['ending']}")
        elif r["attack"] == "sse-replay-nonreader" and n:
            bits.append(f"the non-reader, reading afterwards, got {n['nonreader_then_read']['bytes']:,} bytes, then "
                        f"{n['nonreader_then_read']['ending']}")
        elif r["attack"].startswith("body") and n:
            e = n["endings"]
            hows = collections.Counter(x["how"] for x in e)
            eofs = [x["eof_t"] - x["answer_t"] for x in e if x["eof_t"] is not None and x["answer_t"] not in (None, -1)]
            stops = [x["t"] - x["answer_t"] for x in e if x["answer_t"] not in (None, -1)]
            bits.append("the attacker went on streaming after the answer: "
                        + (f"pocd's close_notify + FIN arrived {min(eofs):.2f}–{max(eofs):.2f} s after the answer; " if eofs else "")
                        + "the stream ended with " + ", ".join(f"{h} ×{c}" for h, c in hows.items())
                        + (f", {min(stops):.1f}–{max(stops):.1f} s after the answer" if stops else "")
                        + f", after {min(x['after_answer'] for x in e):,}–{max(x['after_answer'] for x in e):,} more body bytes had been written")
        elif r["attack"] == "huge-header" and n:
            bits.append(f"bytes of the {n['header_size']:,}-byte request written to the socket when the answer arrived: "
                        f"p50 {n['sent_p50']:,}, max {n['sent_max']:,} (the loopback socket buffers take most of it at once)")
        elif r["attack"] in ("idle-tcp", "idle-tls") and n:
            bits.append(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in n.items()))
        if r["log"]["lines"]:
            bits.append("log: " + "; ".join(f"`{l}` ×{c}" for l, c in r["log"]["top"]))
        if bits:
            out.append(f"- **{r['attack']}**: " + " — ".join(bits))
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["run", "table", "details"])
    p.add_argument("rows", nargs="?")
    p.add_argument("--url")
    p.add_argument("--pki")
    p.add_argument("--pid", type=int)
    p.add_argument("--log")
    p.add_argument("--loadgen")
    p.add_argument("--body")
    p.add_argument("--emergency-body")
    p.add_argument("--out")
    p.add_argument("--attacks", default=",".join(ATTACKS))
    p.add_argument("--rate", type=float, default=50)
    p.add_argument("--connections", type=int, default=2000)
    a = p.parse_args()
    if a.mode == "run":
        run(a)
    elif a.mode == "table":
        print(table(a.rows))
    else:
        print(details(a.rows))


if __name__ == "__main__":
    main()
