#!/usr/bin/env python3
"""The impaired links of the simulated network, for a kernel without `tc netem`.

One TCP relay per directed link SRC→DST, listening in the hub namespace: SRC's daemon reaches
DST's through it (its directory names the relay's address), so every byte between two daemons
crosses one. A relay keeps TCP's semantics — the bytes arrive complete and in order — and
impairs them as a long, lossy path would:

- delay: each segment's worth of bytes (1448, what one TCP segment carries on an Ethernet
  path) is held for the link's one-way delay plus a uniform jitter of ± its jitter, in both
  directions; a segment never overtakes the one before it (TCP delivers in order, so jitter
  bunches bytes rather than reordering them);
- loss: a relay cannot drop bytes without corrupting the stream, so a segment "lost" (with the
  link's probability) is held one retransmission timeout longer — max(200 ms, 2 × delay +
  4 × jitter), Linux's minimum RTO or about one RTO of the path — and everything behind it
  waits, as TCP's head-of-line blocking makes it wait;
- cut (a partition of a country: every link to or from it): connections open on the link are
  reset (RST to both ends); new ones are accepted but nothing goes through — their bytes are
  held, as the sender's TCP would keep retransmitting — until the link heals, when they are
  relayed, or until the client gives up;
- reset: every connection open on a link (both directions of a pair) gets an RST at both ends.

Controlled through a Unix socket, one JSON line per command, one JSON line answered:
  {"op": "cut", "countries": ["VN"]}   {"op": "heal", "countries": ["VN"]}
  {"op": "reset", "pair": ["VN", "DE"]}   {"op": "stats"}

  linkproxy.py --plan links.json --control SOCKET --seed S
"""
import argparse
import asyncio
import json
import os
import random
import socket
import struct

SEGMENT = 1448
MIN_RTO = 0.2
HOLD_BYTES = 1 << 20  # per direction of a connection: reading pauses beyond this much in flight


class Link:
    def __init__(self, spec, rng):
        self.name, self.src, self.dst = spec["name"], spec["src"], spec["dst"]
        self.listen, self.target = tuple(spec["listen"]), tuple(spec["target"])
        self.delay, self.jitter, self.loss = spec["delay_ms"] / 1000, spec["jitter_ms"] / 1000, spec["loss"]
        self.rto = max(MIN_RTO, 2 * self.delay + 4 * self.jitter)
        self.rng = rng
        self.open = asyncio.Event()
        self.open.set()
        self.connections = set()
        self.stats = {"connections": 0, "held_while_cut": 0, "reset": 0, "segments": 0, "lost": 0, "bytes": 0}

    def segment_delay(self):
        self.stats["segments"] += 1
        d = self.delay + self.rng.uniform(-self.jitter, self.jitter)
        if self.rng.random() < self.loss:
            self.stats["lost"] += 1
            d += self.rto
        return d

    def cut(self):
        self.open.clear()
        self.reset_all()

    def heal(self):
        self.open.set()

    def reset_all(self):
        for c in list(self.connections):
            c.reset()
            self.stats["reset"] += 1


class Direction:
    """One direction of a relayed connection: bytes read are queued with the time each segment
    may be written, and written at that time, in order."""

    def __init__(self, link):
        self.link = link
        self.queue = asyncio.Queue(maxsize=HOLD_BYTES // SEGMENT)
        self.last = 0.0

    async def read_from(self, reader):
        loop = asyncio.get_running_loop()
        while True:
            data = await reader.read(65536)
            now = loop.time()
            if not data:
                self.last = max(self.last, now + self.link.delay)
                await self.queue.put((self.last, None))
                return
            self.link.stats["bytes"] += len(data)
            for i in range(0, len(data), SEGMENT):
                self.last = max(self.last, now + self.link.segment_delay())
                await self.queue.put((self.last, data[i:i + SEGMENT]))

    async def write_to(self, writer):
        loop = asyncio.get_running_loop()
        while True:
            at, segment = await self.queue.get()
            await self.link.open.wait()
            if at > loop.time():
                await asyncio.sleep(at - loop.time())
            if segment is None:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(segment)
            await writer.drain()


def abort(writer):
    """Closes with an RST, not a FIN."""
    if writer is None:
        return
    sock = writer.get_extra_info("socket")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


class Connection:
    def __init__(self, link, reader, writer):
        self.link, self.client_reader, self.client_writer = link, reader, writer
        self.upstream_writer = None
        self.task = None

    def reset(self):
        abort(self.client_writer)
        abort(self.upstream_writer)
        self.task.cancel()

    async def run(self):
        self.task = asyncio.current_task()
        link = self.link
        link.connections.add(self)
        link.stats["connections"] += 1
        if not link.open.is_set():
            link.stats["held_while_cut"] += 1
        up, down = Direction(link), Direction(link)
        tasks = [asyncio.create_task(up.read_from(self.client_reader))]
        try:
            await link.open.wait()
            if tasks[0].done():
                return  # the client gave up before the link healed
            reader, self.upstream_writer = await asyncio.wait_for(asyncio.open_connection(*link.target), 10)
            self.upstream_writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            tasks += [asyncio.create_task(up.write_to(self.upstream_writer)),
                      asyncio.create_task(down.read_from(reader)),
                      asyncio.create_task(down.write_to(self.client_writer))]
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            if any(t.exception() for t in done if not t.cancelled()):
                # One end reset or failed: the other end sees a reset too, as it would end to end.
                abort(self.client_writer)
                abort(self.upstream_writer)
        except (OSError, asyncio.TimeoutError):
            abort(self.client_writer)
        except asyncio.CancelledError:
            pass
        finally:
            for t in tasks:
                if t.done() and not t.cancelled():
                    t.exception()  # retrieved: a reset is expected here, not worth a warning
                t.cancel()
            link.connections.discard(self)
            for w in (self.client_writer, self.upstream_writer):
                if w is not None and not w.is_closing():
                    w.close()


class Proxy:
    def __init__(self, plan, seed):
        self.links = [Link(spec, random.Random(f"{seed}|{spec['name']}")) for spec in plan]
        self.cut_countries = set()

    async def start(self, control):
        for link in self.links:
            await asyncio.start_server(lambda r, w, link=link: Connection(link, r, w).run(),
                                       link.listen[0], link.listen[1], reuse_address=True)
        if os.path.exists(control):
            os.unlink(control)
        await asyncio.start_unix_server(self.command, control)

    async def command(self, reader, writer):
        while line := await reader.readline():
            try:
                answer = self.apply(json.loads(line))
            except (ValueError, KeyError) as e:
                answer = {"error": str(e)}
            writer.write((json.dumps(answer) + "\n").encode())
            await writer.drain()
        writer.close()

    def apply(self, c):
        op = c["op"]
        if op == "cut":
            self.cut_countries |= set(c["countries"])
            affected = [l for l in self.links if {l.src, l.dst} & set(c["countries"])]
            for link in affected:
                link.cut()
            return {"ok": True, "links": len(affected)}
        if op == "heal":
            self.cut_countries -= set(c["countries"])
            healed = [l for l in self.links if not l.open.is_set() and not {l.src, l.dst} & self.cut_countries]
            for link in healed:
                link.heal()
            return {"ok": True, "links": len(healed)}
        if op == "reset":
            pair = set(c["pair"])
            n = 0
            for link in self.links:
                if {link.src, link.dst} == pair:
                    n += len(link.connections)
                    link.reset_all()
            return {"ok": True, "connections": n}
        if op == "stats":
            return {"links": {l.name: dict(l.stats, delay_ms=l.delay * 1000, loss=l.loss, rto_ms=round(l.rto * 1000))
                              for l in self.links}}
        raise ValueError(f"unknown op {op}")


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plan", required=True)
    ap.add_argument("--control", required=True)
    ap.add_argument("--seed", default="1")
    args = ap.parse_args()
    proxy = Proxy(json.load(open(args.plan)), args.seed)
    await proxy.start(args.control)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
