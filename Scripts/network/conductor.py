#!/usr/bin/env python3
"""Runs the simulated network in the namespaces simulate.sh made; runs itself in the hub
namespace (the bridge and the link proxies), from where it reaches every daemon directly.

1. Writes each country's pocd.yaml, directory (its partners reached through the link proxies,
   with their log keys, so that they witness each other) and clock offset; one policy for all.
2. Starts the link proxy, the daemons (each in its namespace, its clock skewed) and the
   officers (officer.py, each in its country's namespace).
3. Plays the seeded disruptions: a partition of some countries (their links cut, then healed),
   kill -9 of some daemons at random moments (restarted on the same data after a few
   seconds), and connection resets on random links. Samples /healthz every second.
4. When the workload is over: waits until the officers have nothing left to do and every
   outbox is empty; reads every request on both sides, waits for the checkpoints to be
   cosigned, runs `pocd audit verify --witnesses` in each namespace, stops the daemons
   (SIGTERM) and reads their stores (read-only) for the outboxes.
5. Evaluates the checks (checks.py) and writes collected.json, results.json and report.md
   in the work folder. Exits 1 if a check failed.
"""
import argparse
import base64
import concurrent.futures
import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import checks
import report
import simnet

HERE = os.path.dirname(os.path.abspath(__file__))


class Daemon:
    def __init__(self, code, work, bin_dir, ns, codes):
        self.code, self.ns, self.bin = code, ns, bin_dir
        self.dir = f"{work}/{code}"
        self.address = simnet.address(codes, code)
        self.process = None
        self.lives = []  # {started, serving, ended, how, cpu_s, rss_peak_kb}
        self.clock_ticks = os.sysconf("SC_CLK_TCK")

    def start(self):
        life = len(self.lives)
        log_path = f"{self.dir}/pocd.{life}.log"
        env = f"POCD_TEST_CLOCK_OFFSET_FILE={self.dir}/clock-offset"
        with open(log_path, "w") as log:
            started = time.time()
            self.process = subprocess.Popen(["ip", "netns", "exec", self.ns, "env", env, f"{self.bin}/pocd",
                                             "--config", f"{self.dir}/pocd.yaml"], stdout=log, stderr=subprocess.STDOUT)
        while "pocd serving" not in open(log_path).read():
            if self.process.poll() is not None or time.time() - started > 60:
                raise SystemExit(f"pocd of {self.code} did not start: {open(log_path).read()[-2000:]}")
            time.sleep(0.02)
        self.lives.append({"started": started, "serving": time.time()})

    def usage(self):
        """CPU seconds and peak RSS of the running process (from /proc)."""
        try:
            stat = open(f"/proc/{self.process.pid}/stat").read().rsplit(")", 1)[1].split()
            status = dict(line.split(":", 1) for line in open(f"/proc/{self.process.pid}/status") if ":" in line)
        except OSError:
            return None
        return {"cpu_s": (int(stat[11]) + int(stat[12])) / self.clock_ticks,
                "rss_kb": int(status["VmRSS"].split()[0]), "rss_peak_kb": int(status["VmHWM"].split()[0])}

    def end(self, sig, how):
        u = self.usage() or {}
        self.process.send_signal(sig)
        status = self.process.wait(timeout=60)
        self.lives[-1].update(ended=time.time(), how=how, status=status, **u)
        return status

    def cpu_s(self):
        return sum(life.get("cpu_s", 0) for life in self.lives)


class Proxy:
    def __init__(self, work, codes, seed):
        self.control = f"{work}/proxy.sock"
        with open(f"{work}/links.json", "w") as f:
            json.dump(simnet.links(codes, seed), f, indent=1)
        self.log = open(f"{work}/proxy.log", "w")
        self.process = subprocess.Popen([sys.executable, f"{HERE}/linkproxy.py", "--plan", f"{work}/links.json",
                                         "--control", self.control, "--seed", str(seed)], stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(500):
            if os.path.exists(self.control):
                break
            time.sleep(0.02)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(self.control)
        self.file = self.sock.makefile("rw")

    def send(self, **command):
        self.file.write(json.dumps(command) + "\n")
        self.file.flush()
        answer = json.loads(self.file.readline())
        if "error" in answer:
            raise SystemExit(f"link proxy: {answer['error']}")
        return answer


class Monitor(threading.Thread):
    """Every second, each daemon's /healthz (outbox depth, parked messages), over the hub."""

    def __init__(self, daemons, pki):
        super().__init__(daemon=True)
        self.daemons = daemons
        self.clients = {c: simnet.Client(d.address, simnet.identity(c), pki, simnet.MONITOR, timeout=3) for c, d in daemons.items()}
        self.latest, self.stopping = {}, False

    def run(self):
        while not self.stopping:
            t = time.time()
            for c, client in self.clients.items():
                try:
                    status, h = client.call("GET", "/healthz")
                    h = h if status == 200 else None
                except OSError:
                    h = None
                self.latest[c] = h
            time.sleep(max(0.0, 1 - (time.time() - t)))

    def outbox_depth(self):
        """Messages waiting in every outbox (parked ones wait for a person: the checks report them)."""
        hs = [self.latest.get(c) for c in self.daemons]
        if any(h is None for h in hs):
            return None
        return sum(h["outbox_depth"] for h in hs)


def write_configs(work, codes, seed, scale, pki):
    offsets = simnet.clock_offsets(codes, seed)
    with open(f"{work}/policy.yaml", "w") as f:
        f.write(simnet.policy_yaml(simnet.policy(scale)))
    vkeys = {c: open(f"{pki}/{simnet.identity(c)}.vkey").read().strip() for c in codes}
    for local in codes:
        d = f"{work}/{local}"
        os.makedirs(f"{d}/data", exist_ok=True)
        with open(f"{d}/clock-offset", "w") as f:
            f.write(f"{offsets[local]}\n")
        ident = simnet.identity(local)
        with open(f"{d}/pocd.yaml", "w") as f:
            f.write(f"""contact_point: {local}
listen: "{simnet.address(codes, local)}:{simnet.PORT}"
tls: {{certificate: ../pki/{ident}.crt, private_key: ../pki/{ident}.key, client_ca: ../pki/ca.crt, min_version: "1.3"}}
data_dir: data
directory: directory.yaml
policy: ../policy.yaml
metrics: {{identities: [{simnet.MONITOR}]}}
audit: {{log_key: ../pki/{ident}.logkey, checkpoint_interval: {simnet.CHECKPOINT_INTERVAL}s}}
""")
        lines = ["contact_points:"]
        for c in codes:
            lines += [f"  {c}:", f"    name: \"{c} 24/7 contact point\""]
            if c == local:
                lines.append("    daemon: local")
            else:
                url = f"https://{simnet.HUB}:{simnet.proxy_port(codes, local, c)}"
                lines.append(f"    daemon: {{url: \"{url}\", identity: {simnet.identity(c)}, log_key: \"{vkeys[c]}\"}}")
            lines += ["    principals:", f"      - {{identity: {simnet.officer(c)}, role: officer}}",
                      f"      - {{identity: {simnet.supervisor(c)}, role: supervisor}}"]
            if c != local:
                lines.append(f"      - {{identity: {simnet.identity(c)}, role: daemon}}")
        with open(f"{d}/directory.yaml", "w") as f:
            f.write("\n".join(lines) + "\n")
    return offsets


def chaos_plan(codes, duration, seed):
    """The disruptions, seeded, scaled to the run: at 20 countries and 10 minutes, 3 countries
    cut for 2 minutes, 2 daemons killed, 10 links reset."""
    r = simnet.rng(seed, "chaos")
    n, scale = len(codes), duration / 600
    cut = {"countries": sorted(r.sample(codes, max(1, round(3 * n / 20)))),
           "at": r.uniform(0.15, 0.35) * duration, "length": 120 * scale}
    kills = [{"country": c, "at": r.uniform(0.05, 0.9) * duration, "down": r.uniform(3, 8)}
             for c in r.sample(codes, max(1, round(2 * n / 20)))]
    resets = [{"pair": sorted(r.sample(codes, 2)), "at": r.uniform(0.05, 0.95) * duration} for _ in range(max(1, n // 2))]
    return cut, kills, resets


class Conductor:
    def __init__(self, a):
        self.a = a
        self.codes = a.countries.split(",")
        self.scale = max(0.2, a.duration / 600)
        self.pki = f"{a.work}/pki"
        self.offsets = write_configs(a.work, self.codes, a.seed, self.scale, self.pki)
        self.daemons = {c: Daemon(c, a.work, a.bin, f"{a.ns_prefix}{c.lower()}", self.codes) for c in self.codes}
        self.officers = {}
        self.disruptions = {"cuts": [], "kills": [], "resets": []}

    def say(self, text):
        print(f"[{time.time() - self.t0:6.1f} s] {text}", file=sys.stderr, flush=True)

    def run(self):
        self.t0 = time.time()
        self.proxy = Proxy(self.a.work, self.codes, self.a.seed)
        for d in self.daemons.values():
            d.start()
        self.say(f"{len(self.codes)} daemons serving: {' '.join(self.codes)}")
        self.monitor = Monitor(self.daemons, self.pki)
        self.monitor.start()
        self.start_officers()
        self.play()
        self.drain()
        collected = self.collect()
        with open(f"{self.a.work}/collected.json", "w") as f:
            json.dump(collected, f)
        results, figures = checks.evaluate(collected)
        text = report.render(collected, results, figures)
        with open(f"{self.a.work}/report.md", "w") as f:
            f.write(text)
        with open(f"{self.a.work}/results.json", "w") as f:
            json.dump({"results": results, "figures": figures}, f, indent=1, default=str)
        print(report.console(results, figures))
        return all(ok for _, ok, _, _ in results)

    def start_officers(self):
        for c in self.codes:
            ns = self.daemons[c].ns
            self.officers[c] = subprocess.Popen(
                ["ip", "netns", "exec", ns, sys.executable, f"{HERE}/officer.py", "--country", c,
                 "--host", simnet.address(self.codes, c), "--pki", self.pki,
                 "--partners", ",".join(p for p in self.codes if p != c), "--seed", str(self.a.seed),
                 "--duration", str(self.a.duration), "--rate", str(self.a.rate), "--scale", str(self.scale),
                 "--records", f"{self.a.work}/{c}/officer.jsonl", "--status", f"{self.a.work}/{c}/officer.status"],
                stdout=open(f"{self.a.work}/{c}/officer.log", "w"), stderr=subprocess.STDOUT)

    def play(self):
        """The workload runs in the officers; here the disruptions happen on time."""
        cut, kills, resets = chaos_plan(self.codes, self.a.duration, self.a.seed)
        start = time.time()
        agenda = [(cut["at"], "cut", cut), (cut["at"] + cut["length"], "heal", cut)]
        agenda += [(k["at"], "kill", k) for k in kills] + [(k["at"] + k["down"], "restart", k) for k in kills]
        agenda += [(r["at"], "reset", r) for r in resets]
        for at, what, item in sorted(agenda, key=lambda x: x[0]):
            time.sleep(max(0.0, start + at - time.time()))
            self.disrupt(what, item)
        time.sleep(max(0.0, start + self.a.duration - time.time()))
        self.say("workload over: the officers hand over and clear their queues")

    def disrupt(self, what, item):
        now = time.time()
        if what == "cut":
            self.proxy.send(op="cut", countries=item["countries"])
            item["start"] = now
            self.say(f"partition: {', '.join(item['countries'])} cut off")
        elif what == "heal":
            self.proxy.send(op="heal", countries=item["countries"])
            self.disruptions["cuts"].append({"countries": item["countries"], "start": item["start"], "end": now})
            self.say(f"partition healed after {now - item['start']:.0f} s")
        elif what == "kill":
            d = self.daemons[item["country"]]
            d.end(signal.SIGKILL, "kill -9")
            item["killed"] = now
            self.say(f"kill -9 pocd of {item['country']}")
        elif what == "restart":
            d = self.daemons[item["country"]]
            d.start()
            self.disruptions["kills"].append({"country": item["country"], "killed": item["killed"],
                                              "serving": d.lives[-1]["serving"]})
            self.say(f"pocd of {item['country']} serving again, {d.lives[-1]['serving'] - item['killed']:.1f} s after the kill")
        elif what == "reset":
            n = self.proxy.send(op="reset", pair=item["pair"])["connections"]
            self.disruptions["resets"].append({"pair": item["pair"], "at": now, "connections": n})
            self.say(f"reset {n} connections between {' and '.join(item['pair'])}")

    def drain(self):
        limit = time.time() + self.a.drain
        quiet = 0
        while time.time() < limit and quiet < 5:
            time.sleep(1)
            busy = 0
            for c in self.codes:
                try:
                    s = json.load(open(f"{self.a.work}/{c}/officer.status"))
                    busy += s["turns"] + s["planned"]
                except (OSError, ValueError):
                    busy += 1
            outbox = self.monitor.outbox_depth()
            quiet = quiet + 1 if busy == 0 and outbox == 0 else 0
        self.say(f"network at rest ({'yes' if quiet >= 5 else 'NO: gave up waiting'}); officers stop")
        for p in self.officers.values():
            p.send_signal(signal.SIGTERM)
        for p in self.officers.values():
            p.wait(timeout=30)
        for _ in range(30):
            if self.monitor.outbox_depth() == 0:
                break
            time.sleep(1)

    # -- what the checks read --

    def collect(self):
        store_ids = {c: self.store_ids(c) for c in self.codes}
        views = self.read_views(store_ids)
        self.say(f"read {sum(len(v) for v in views.values())} request views")
        witness_start = time.time()
        checkpoints = self.wait_cosigned(views)
        witness_wait = time.time() - witness_start
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            audit = dict(zip(self.codes, pool.map(self.audit_verify, self.codes)))
        self.say("audit verify done")
        self.monitor.stopping = True
        proxy_stats = self.proxy.send(op="stats")["links"]
        stop_status = {c: d.end(signal.SIGTERM, "SIGTERM") for c, d in self.daemons.items()}
        outbox = {c: self.outbox_rows(c) for c in self.codes}
        log_inconsistent = {c: self.sql(c, "SELECT count(*) FROM events WHERE type = 'log-inconsistent'")[0][0] for c in self.codes}
        records = []  # the officers' submissions and actions
        for c in self.codes:
            for line in open(f"{self.a.work}/{c}/officer.jsonl"):
                r = json.loads(line)
                r["from"] = c
                records.append(r)
        resets_of = {}
        for r in self.disruptions["resets"]:
            resets_of.setdefault("|".join(r["pair"]), []).append(r["at"])
        return {
            "codes": self.codes, "seed": self.a.seed, "duration": self.a.duration, "scale": self.scale,
            "rate": self.a.rate, "title": self.a.title,
            "offsets_ms": self.offsets, "policy": simnet.policy(self.scale),
            "disruptions": dict(self.disruptions, resets_of=resets_of),
            "submits": [r for r in records if r["ev"] == "submit"],
            "actions": [r for r in records if r["ev"] == "action"],
            "workload_errors": [r for r in records if unexpected(r)],
            "store_ids": store_ids, "views": views, "outbox": outbox, "audit": audit,
            "checkpoints": checkpoints, "log_sizes": self.log_sizes, "witness_wait": witness_wait, "log_inconsistent": log_inconsistent,
            "proxy": proxy_stats, "stop_status": stop_status, "run_seconds": time.time() - self.t0,
            "daemons": {c: {"lives": d.lives, "cpu_s": d.cpu_s(), "rss_peak_kb": max(l.get("rss_peak_kb", 0) for l in d.lives),
                            "rss_end_kb": d.lives[-1].get("rss_kb")} for c, d in self.daemons.items()},
        }

    def sql(self, code, query):
        db = sqlite3.connect(f"file:{self.a.work}/{code}/data/events.sqlite?mode=ro", uri=True)
        try:
            return db.execute(query).fetchall()
        finally:
            db.close()

    def store_ids(self, code):
        return dict(self.sql(code, "SELECT request_id, count(*) FROM events WHERE type = 'submitted' GROUP BY request_id"))

    def outbox_rows(self, code):
        cols = ["id", "event_id", "destination", "kind", "created_ms", "attempts", "delivered_ms", "parked_ms", "dropped_ms", "last_error"]
        return [dict(zip(cols, row)) for row in self.sql(code, f"SELECT {', '.join(cols)} FROM outbox ORDER BY id")]

    def read_views(self, store_ids):
        """GET /v1/requests/{id} of every request on each daemon, as its supervisor, one thread a daemon."""
        views = {c: {} for c in self.codes}

        def read(c):
            client = simnet.Client(self.daemons[c].address, simnet.identity(c), self.pki, simnet.supervisor(c), timeout=30)
            for rid in store_ids[c]:
                status, v = client.call("GET", f"/v1/requests/{rid}")
                if status == 200:
                    v["_read_at"] = time.time()
                    views[c][rid] = v
            client.close()

        threads = [threading.Thread(target=read, args=(c,)) for c in self.codes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return views

    def wait_cosigned(self, views):
        """Polls each daemon's checkpoint until every partner it exchanged with has cosigned it
        (the reads above grew every log: a new checkpoint comes within checkpoint_interval)."""
        exchanged = {c: {v["to"] if v["from"] == c else v["from"] for v in views[c].values()} for c in self.codes}
        clients = {c: simnet.Client(self.daemons[c].address, simnet.identity(c), self.pki, simnet.supervisor(c)) for c in self.codes}
        vkeys = {c: open(f"{self.pki}/{simnet.identity(c)}.vkey").read().strip() for c in self.codes}
        limit = time.time() + self.a.witness_wait
        while True:
            time.sleep(2)
            result = {}
            for c in self.codes:
                status, text = clients[c].call("GET", "/v1/log/checkpoint", text=True)
                result[c] = parse_checkpoint(text) if status == 200 else None
            sizes = {c: self.sql(c, "SELECT count(*) FROM events")[0][0] for c in self.codes}
            done = all(result[c] and result[c]["size"] == sizes[c]
                       and {simnet.identity(p) + "/contactpoint" for p in exchanged[c]} <= set(result[c]["cosigners"])
                       for c in self.codes)
            if done or time.time() > limit:
                break
        for c, cp in result.items():
            if cp:
                cp["verified"] = [p for p in self.codes if p != c and verify_cosignature(cp, vkeys[p])]
        self.log_sizes = sizes
        return {c: cp for c, cp in result.items() if cp}

    def audit_verify(self, c):
        d = self.daemons[c]
        p = subprocess.run(["ip", "netns", "exec", d.ns, f"{self.a.bin}/pocd", "audit", "verify", "--witnesses",
                            "--config", f"{d.dir}/pocd.yaml"], capture_output=True, text=True, timeout=300)
        return {"status": p.returncode, "output": p.stdout + p.stderr}


def unexpected(record):
    """An officer's answer other than 201 to a submission or 200 to an action — or, for a
    retry after a lost answer, 200 (already stored) or 409 (already done)."""
    if record["ev"] not in ("submit", "action"):
        return True
    first, retried = (201, 200) if record["ev"] == "submit" else (200, 409)
    return record["status"] != first and not (record["status"] == retried and record["attempts"] > 1)


def parse_checkpoint(text):
    body, _, signatures = text.partition("\n\n")
    origin, size, root = body.split("\n")[:3]
    lines = [l for l in signatures.split("\n") if l.startswith("— ")]
    return {"origin": origin, "size": int(size), "root": root, "body": body + "\n", "lines": lines,
            "cosigners": [l.split(" ")[1] for l in lines if l.split(" ")[1] != origin]}


def verify_cosignature(cp, vkey):
    """A C2SP tlog-cosignature/v1 line of this witness over the checkpoint's body, verified with
    the witness's Ed25519 key through openssl (docs/audit.md §4)."""
    name, _, material = vkey.split("+", 2)
    public = base64.b64decode(material)[1:]
    key_id = hashlib.sha256(name.encode() + b"\n\x04" + public).digest()[:4]
    for line in cp["lines"]:
        _, who, sig64 = line.split(" ")
        raw = base64.b64decode(sig64)
        if who != name or raw[:4] != key_id or len(raw) != 76:
            continue
        timestamp = int.from_bytes(raw[4:12], "big")
        message = f"cosignature/v1\ntime {timestamp}\n".encode() + cp["body"].encode()
        with tempfile.TemporaryDirectory() as tmp:
            open(f"{tmp}/key.der", "wb").write(bytes.fromhex("302a300506032b6570032100") + public)
            open(f"{tmp}/msg", "wb").write(message)
            open(f"{tmp}/sig", "wb").write(raw[12:])
            ok = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", f"{tmp}/key.der",
                                 "-rawin", "-in", f"{tmp}/msg", "-sigfile", f"{tmp}/sig"], capture_output=True).returncode == 0
        if ok:
            return True
    return False


def main():
    ap = argparse.ArgumentParser(description="Runs the simulated network (see simulate.sh).")
    ap.add_argument("--work", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--countries", required=True, help="comma-separated codes, in simnet.COUNTRIES order")
    ap.add_argument("--ns-prefix", required=True, help="country XX runs in namespace PREFIXxx")
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--rate", type=float, default=4)
    ap.add_argument("--drain", type=float, default=180, help="longest wait for the network to come to rest")
    ap.add_argument("--witness-wait", type=float, default=60)
    ap.add_argument("--title", default="")
    a = ap.parse_args()
    conductor = Conductor(a)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        ok = conductor.run()
    finally:
        for p in list(conductor.officers.values()) + [d.process for d in conductor.daemons.values() if d.process] + \
                 ([conductor.proxy.process] if hasattr(conductor, "proxy") else []):
            if p.poll() is None:
                p.kill()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
