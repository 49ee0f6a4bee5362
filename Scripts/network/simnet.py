#!/usr/bin/env python3
"""What the pieces of the simulated network share: the countries and their regions, the
addresses and ports, the links' delay and loss, the deadline policy in seconds, the seeded
randomness, and a small mutual-TLS JSON client. Standard library only.

  simnet.py countries N        prints the first N country codes (simulate.sh names its namespaces after them)
"""
import calendar
import http.client
import json
import random
import socket
import ssl
import sys
import time

# The countries in the order they join, spread over the regions so that a small network
# (the CI's 4) still has links of every length.
COUNTRIES = [
    ("VN", "Asia"), ("DE", "Europe"), ("US", "Americas"), ("NG", "Africa"), ("AU", "Oceania"),
    ("JP", "Asia"), ("FR", "Europe"), ("BR", "Americas"), ("KE", "Africa"), ("IN", "Asia"),
    ("GB", "Europe"), ("CA", "Americas"), ("ZA", "Africa"), ("SG", "Asia"), ("PL", "Europe"),
    ("MX", "Americas"), ("EG", "Africa"), ("ID", "Asia"), ("IT", "Europe"), ("AR", "Americas"),
]
REGION = dict(COUNTRIES)

# One-way delay in milliseconds between regions (symmetric), 50–300 ms: a rough picture of
# today's long-haul round trips halved.
ONE_WAY_MS = {
    ("Asia", "Asia"): 50, ("Europe", "Europe"): 50, ("Americas", "Americas"): 60, ("Africa", "Africa"): 80,
    ("Oceania", "Oceania"): 50, ("Asia", "Europe"): 130, ("Asia", "Americas"): 170, ("Asia", "Africa"): 190,
    ("Asia", "Oceania"): 70, ("Europe", "Americas"): 90, ("Europe", "Africa"): 80, ("Europe", "Oceania"): 150,
    ("Americas", "Africa"): 160, ("Americas", "Oceania"): 140, ("Africa", "Oceania"): 300,
}
JITTER = 0.10          # each segment's delay varies by ± this share of the link's delay
LOSS = 0.01            # every link
LOSSY = 0.05           # the lossy links
LOSSY_SHARE = 0.15     # share of the country pairs whose links are lossy

SUBNET = "10.203.0"    # the private bridge inside the simulation's own namespaces
HUB = f"{SUBNET}.1"    # the hub namespace: the bridge and the link proxies
PORT = 8443            # each daemon's API, on its own namespace's address
SKEW_MS = 2000         # every daemon's clock is off by at most this much, either way
CHECKPOINT_INTERVAL = 5  # s: pocd.yaml audit.checkpoint_interval (the default is 10 s)


def countries(n):
    if not 2 <= n <= len(COUNTRIES):
        raise SystemExit(f"the network has 2 to {len(COUNTRIES)} countries, not {n}")
    return [code for code, _ in COUNTRIES[:n]]


def address(codes, code):
    return f"{SUBNET}.{10 + codes.index(code)}"


def proxy_port(codes, src, dst):
    """The hub port of the link src→dst: src's daemon reaches dst's through it."""
    return 20000 + 100 * codes.index(src) + codes.index(dst)


def identity(code):
    return f"pocd.{code.lower()}"


def officer(code):
    return f"officer.{code.lower()}"


def supervisor(code):
    return f"supervisor.{code.lower()}"


MONITOR = "monitor.sim"  # the conductor's certificate: /healthz and /metrics (pocd.yaml metrics.identities)


def rng(seed, *names):
    """A random generator of its own for each named purpose, so that one draw more here
    does not change every draw there."""
    return random.Random("|".join([str(seed), *map(str, names)]))


def links(codes, seed):
    """Every directed link src→dst with its one-way delay, jitter and loss."""
    r = rng(seed, "lossy")
    pairs = [(a, b) for i, a in enumerate(codes) for b in codes[i + 1:]]
    lossy = set(r.sample(pairs, max(1, round(LOSSY_SHARE * len(pairs)))))
    result = []
    for src in codes:
        for dst in codes:
            if src == dst:
                continue
            regions = tuple(sorted((REGION[src], REGION[dst])))
            delay = ONE_WAY_MS.get(regions) or ONE_WAY_MS[regions[::-1]]
            pair = (src, dst) if codes.index(src) < codes.index(dst) else (dst, src)
            loss = LOSSY if pair in lossy else LOSS
            result.append({"name": f"{src}>{dst}", "src": src, "dst": dst, "delay_ms": delay,
                           "jitter_ms": round(delay * JITTER), "loss": loss,
                           "listen": [HUB, proxy_port(codes, src, dst)], "target": [address(codes, dst), PORT]})
    return result


def clock_offsets(codes, seed):
    r = rng(seed, "skew")
    return {code: r.randint(-SKEW_MS, SKEW_MS) for code in codes}


# The deadline policy of the simulation, in seconds for a 10-minute run (scale 1); shorter
# runs scale it down so that ladders still fire. Each ladder step fires `after` the missed
# deadline: level 1 at once, level 2 one `unit` later, level 3 two units later.
BASE_POLICY = {
    "emergency": {"deliver": 20, "acknowledge": 40, "preserve": 120, "unit": 20},
    "urgent": {"deliver": 30, "acknowledge": 60, "preserve": 180, "unit": 30},
    "routine": {"deliver": 45, "acknowledge": 90, "preserve": 240, "unit": 45},
}
LADDER = [(1, 0, ["officer"]), (2, 1, ["supervisor", "partner"]), (3, 2, ["head_of_unit"])]


def policy(scale):
    """{priority: {deliver, acknowledge, preserve, answer-risk, steps: [(level, after)]}} in whole seconds."""
    result = {}
    for priority, base in BASE_POLICY.items():
        s = {k: max(1, round(v * scale)) for k, v in base.items()}
        result[priority] = {"deliver": s["deliver"], "acknowledge": s["acknowledge"], "preserve": s["preserve"],
                            "answer-risk": s["acknowledge"],
                            "steps": [(level, units * s["unit"]) for level, units, _ in LADDER]}
    return result


def policy_yaml(p):
    lines = ["# The simulated network's policy: deadlines in seconds so that ladders fire within the run.",
             "priorities:"]
    for priority, d in p.items():
        lines += [f"  {priority}:",
                  f"    deliver_within: {d['deliver']}s",
                  f"    acknowledge_within: {d['acknowledge']}s",
                  f"    preserve_within: {d['preserve']}s",
                  f"    answer_risk_within: {d['answer-risk']}s",
                  "    preservation_period: 60d",
                  "    remind_before_expiry: [14d, 7d, 48h]",
                  "    escalation:"]
        for (level, after), (_, _, notify) in zip(d["steps"], LADDER):
            lines.append(f"      - {{after: {after}s, level: {level}, notify: [{', '.join(notify)}]}}")
    return "\n".join(lines) + "\n"


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def parse_time(text):
    """RFC 3339 UTC as the daemon writes it (`Z`, milliseconds only when not zero) → POSIX seconds."""
    main, _, frac = text.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S")) + (int(frac.ljust(3, "0")[:3]) / 1000 if frac else 0)


class Client:
    """Keep-alive HTTPS with a client certificate to one daemon, whose certificate must carry
    `name` (the daemon's identity) whatever address it is reached at."""

    def __init__(self, host, name, pki, who, timeout=10):
        self.host, self.name, self.timeout = host, name, timeout
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.context.load_verify_locations(f"{pki}/ca.crt")
        self.context.load_cert_chain(f"{pki}/{who}.crt", f"{pki}/{who}.key")
        self.connection = None

    def _connect(self):
        name, context = self.name, self.context

        class Connection(http.client.HTTPSConnection):
            def connect(self):
                sock = socket.create_connection((self.host, self.port), self.timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.sock = context.wrap_socket(sock, server_hostname=name)

        return Connection(self.host, PORT, timeout=self.timeout, context=context)

    def call(self, method, path, body=None, text=False):
        """(status, JSON or text); raises OSError (or http.client's errors) when there is no answer."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        for attempt in (0, 1):
            if self.connection is None:
                self.connection = self._connect()
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException):
                self.close()
                # A kept-alive connection the daemon closed meanwhile: once more on a new one,
                # for reads only (a POST's fate is unknown: the caller decides).
                if attempt == 0 and method == "GET":
                    continue
                raise
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            if text:
                return response.status, raw.decode()
            return response.status, (json.loads(raw) if raw else None)

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


if __name__ == "__main__":
    if sys.argv[1:2] == ["countries"] and len(sys.argv) == 3:
        print(" ".join(countries(int(sys.argv[2]))))
    else:
        sys.exit(__doc__)
