#!/usr/bin/env python3
"""A man in the middle that loses pocd's answer to the first submit, for
Tests/EndToEndTests/PocRetryEndToEndTests.swift: it shows that `poc submit`, retrying a
submit whose answer never came, finds the request stored instead of storing a second one.

  lose_first_submit_answer.py --upstream https://127.0.0.1:PORT \
      --cert pocd.vn.crt --key pocd.vn.key \
      --client-cert officer.vn.alice.crt --client-key officer.vn.alice.key \
      --ca ca.crt --record forwarded.jsonl

Listens on a free loopback port as a TLS server presenting --cert (the daemon's own
certificate) and requiring a client certificate signed by --ca (mutual TLS, like pocd).
Reads one HTTP/1.1 request at a time (Content-Length framing), forwards it unchanged to the
real pocd over a mutual-TLS connection of its own (presenting --client-cert, verifying pocd
against --ca), and reads pocd's complete response. Then:

  * the FIRST `POST /v1/requests`: the client connection is closed without relaying a byte
    and without a TLS close_notify, as when a proxy or the network drops it. pocd has stored
    the request; its answer is lost.
  * everything else is relayed as it came.

Every forwarded request is appended to --record as one JSON line, written before the answer
is relayed or dropped:

  {"n": 1, "client": "officer.vn.alice", "method": "POST", "path": "/v1/requests",
   "id": "<the JSON body's id, or null>", "status": 201, "relayed": false}

Prints the port on stdout once it listens, then runs until killed (the test sends SIGTERM
or SIGKILL). Python standard library only; a thread per client connection, blocking
sockets and no timers, so it behaves the same under libfaketime.
"""
import argparse
import json
import socket
import ssl
import sys
import threading
import urllib.parse

MAX_HEAD = 64 * 1024


class Closed(Exception):
    """The peer closed the connection (or broke the framing) before a whole message."""


class Reader:
    """Buffered reads from a (TLS) socket: a head up to the blank line, exact byte counts, lines."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise Closed("end of stream")
        self.buffer += data

    def head(self):
        """The bytes up to and including the blank line, or None on a clean close before any byte."""
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > MAX_HEAD:
                raise Closed("head too large")
            try:
                self._fill()
            except Closed:
                if not self.buffer:
                    return None
                raise
        end = self.buffer.index(b"\r\n\r\n") + 4
        head, self.buffer = self.buffer[:end], self.buffer[end:]
        return head

    def exactly(self, count):
        while len(self.buffer) < count:
            self._fill()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def line(self):
        while b"\r\n" not in self.buffer:
            self._fill()
        end = self.buffer.index(b"\r\n") + 2
        data, self.buffer = self.buffer[:end], self.buffer[end:]
        return data

    def rest(self):
        """Everything until the peer closes (a body framed by the close)."""
        while True:
            try:
                self._fill()
            except (Closed, ssl.SSLError, OSError):
                data, self.buffer = self.buffer, b""
                return data


def parse_head(head):
    """(start line, {lower-case name: value}) of an HTTP/1.1 head."""
    lines = head.decode("latin-1").split("\r\n")
    fields = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return lines[0], fields


def read_request(reader):
    """(method, path, raw bytes, body, wants close), or None when the client closed between requests."""
    head = reader.head()
    if head is None:
        return None
    start, fields = parse_head(head)
    parts = start.split(" ")
    if len(parts) != 3:
        raise Closed(f"bad request line {start!r}")
    if "transfer-encoding" in fields:
        raise Closed("chunked requests are not supported here")
    body = reader.exactly(int(fields.get("content-length", "0")))
    wants_close = fields.get("connection", "").lower() == "close"
    return parts[0], parts[1], head + body, body, wants_close


def read_response(reader, method):
    """(status, raw bytes, closes) of pocd's complete response to a request with `method`."""
    head = reader.head()
    if head is None:
        raise Closed("pocd closed the connection without answering")
    start, fields = parse_head(head)
    status = int(start.split(" ")[1])
    closes = fields.get("connection", "").lower() == "close"
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return status, head, closes
    if "chunked" in fields.get("transfer-encoding", "").lower():
        raw = b""
        while True:
            size_line = reader.line()
            raw += size_line
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                break
            raw += reader.exactly(size + 2)
        while True:  # trailer fields, up to the blank line
            line = reader.line()
            raw += line
            if line == b"\r\n":
                break
        return status, head + raw, closes
    if "content-length" in fields:
        return status, head + reader.exactly(int(fields["content-length"])), closes
    return status, head + reader.rest(), True


def body_id(body):
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return value.get("id") if isinstance(value, dict) else None


def common_name(tls_socket):
    subject = (tls_socket.getpeercert() or {}).get("subject", ())
    for rdn in subject:
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


class Proxy:
    def __init__(self, a):
        self.upstream_host, self.upstream_port = a.upstream_host, a.upstream_port
        self.server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_context.load_cert_chain(a.cert, a.key)
        self.server_context.load_verify_locations(a.ca)
        self.server_context.verify_mode = ssl.CERT_REQUIRED
        self.client_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the server and its name
        self.client_context.load_cert_chain(a.client_cert, a.client_key)
        self.client_context.load_verify_locations(a.ca)
        self.lock = threading.Lock()  # guards everything below
        self.record = open(a.record, "a", encoding="utf-8")
        self.forwarded = 0
        self.dropped_a_submit = False

    def note(self, entry, is_submit):
        """Records a forwarded request; returns whether its answer is to be relayed."""
        with self.lock:
            self.forwarded += 1
            relayed = not (is_submit and not self.dropped_a_submit)
            if is_submit:
                self.dropped_a_submit = True
            entry = {"n": self.forwarded, **entry, "relayed": relayed}
            self.record.write(json.dumps(entry) + "\n")
            self.record.flush()
            return relayed

    def serve(self, listener):
        while True:
            sock, _ = listener.accept()
            threading.Thread(target=self.connection, args=(sock,), daemon=True).start()

    def connection(self, raw):
        client = upstream = None
        try:
            client = self.server_context.wrap_socket(raw, server_side=True)
            who = common_name(client)
            upstream_raw = socket.create_connection((self.upstream_host, self.upstream_port))
            upstream = self.client_context.wrap_socket(upstream_raw, server_hostname=self.upstream_host)
            from_client, from_pocd = Reader(client), Reader(upstream)
            while True:
                request = read_request(from_client)
                if request is None:
                    return
                method, path, raw_request, body, wants_close = request
                upstream.sendall(raw_request)
                status, raw_response, closes = read_response(from_pocd, method)
                is_submit = method == "POST" and path.split("?")[0] == "/v1/requests"
                entry = {"client": who, "method": method, "path": path, "id": body_id(body), "status": status}
                if not self.note(entry, is_submit):
                    return  # lost: the finally closes the client without relaying or close_notify
                client.sendall(raw_response)
                if closes or wants_close:
                    client.unwrap()  # an orderly end, as pocd would
                    return
        except (Closed, ssl.SSLError, OSError, ValueError) as e:
            print(f"connection ended: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        finally:
            for s in (client, upstream):
                if s is not None:
                    s.close()
            if client is None:
                raw.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream", required=True, help="pocd's URL, https://127.0.0.1:PORT")
    p.add_argument("--cert", required=True, help="the certificate to present to clients (pocd's)")
    p.add_argument("--key", required=True)
    p.add_argument("--client-cert", required=True, help="the certificate to present to pocd (an officer's)")
    p.add_argument("--client-key", required=True)
    p.add_argument("--ca", required=True, help="the CA that signs clients and pocd")
    p.add_argument("--record", required=True, help="JSON-lines file of forwarded requests (appended)")
    a = p.parse_args()
    url = urllib.parse.urlsplit(a.upstream)
    if url.scheme != "https" or not url.hostname or not url.port:
        p.error("--upstream must be https://HOST:PORT")
    a.upstream_host, a.upstream_port = url.hostname, url.port
    proxy = Proxy(a)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    proxy.serve(listener)


if __name__ == "__main__":
    main()
