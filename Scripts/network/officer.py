#!/usr/bin/env python3
"""The duty officers of one country in the simulated network, run in its namespace against
its own daemon (mutual TLS, the officer's certificate). Seeded: the same seed gives the same
requests, partners, answers and delays.

- Submits, as a Poisson process of `--rate` a minute until `--duration` is over: preservation
  (70 %: 50 % routine, 40 % urgent, 10 % emergency), traffic-disclosure (15 %: urgent or
  routine) and emergency-disclosure (15 %) requests, each to a partner drawn at random. A
  submission that gets no answer (the daemon is down) is sent again with the same id until
  it is answered; 201 (or 200: the first attempt was stored) is an accepted request.
- Watches its queue every 2 s, as an officer watches the dashboard, and answers its turn
  after a human-like delay: the time to the most pressing deadline times a log-normal factor
  (median 0.35, σ 0.9, at most 3), so that about one answer in eight is late and ladders fire.
  Requested side: acknowledge (85 %; emergencies 50 %) then preserve (75 %), report-no-data,
  refuse or notify-risk; a traffic-disclosure request gets disclose-traffic (a provider in a
  third country) before its answer; an emergency disclosure is answered with disclose (85 %),
  report-no-data or refuse; an MLA-pending preservation is released (40 %). Requesting side:
  a risk notice is answered proceed (70 %) or withdraw; a preservation is extended (15 %)
  and linked to an MLA request (60 %). Each side acts only on its own turn, as the treaties'
  roles have it, so two actions never race for one request.
- After `--duration` the shift hands over: whatever is planned is done within 2 s, and every
  new turn is answered at once, until the conductor stops it (SIGTERM).

Writes one JSON line per submission and action to `--records`, and its backlog to `--status`.
"""
import argparse
import heapq
import http.client
import json
import math
import os
import signal
import time
import uuid

import simnet

THIRD_COUNTRY = "NL"  # where a traffic disclosure finds the next provider (outside the network)


def request_body(rid, seq, src, dst, kind, priority):
    body = {
        "id": rid, "reference": f"{src}-SIM-{seq:05d}", "from": src, "to": dst, "kind": kind, "priority": priority,
        "language": "en",
        "authority": {"name": f"{src} 24/7 contact point", "contact": f"duty@{src.lower()}.example"},
        "offence": {"description": "Computer fraud", "legal_provision": "Art. 7 Criminal Code",
                    "summary": "Victims paid for goods never delivered; the proceeds went to the account below.",
                    "convention_articles": ["UN-13"]},
        "data": [{"description": "Subscriber and traffic data of an account",
                  "relation_to_offence": "the account received the proceeds",
                  "identifiers": [{"type": "email", "value": f"account{seq}@example.org"}],
                  "period": {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}}],
        "custodian": {"name": "Example Mail", "location": dst},
        "necessity": "the provider deletes such data after 30 days",
        "mla_intended": True,
    }
    if kind == "emergency-disclosure":
        body["emergency"] = {"facts": "A person held for ransom; the kidnappers use this account.",
                             "data_relevance": "the account's recent logins locate the kidnappers"}
    return body


ACTION_BODIES = {
    "acknowledge": None, "proceed": None,
    "preserve": lambda rid: {"provider_reference": f"PR-{rid[:8]}"},
    "report-no-data": lambda rid: {"reason": "the account was deleted before the request arrived"},
    "refuse": lambda rid: {"ground": "essential-interests", "reason": "the request concerns a matter of essential interest"},
    "notify-risk": lambda rid: {"reason": "the provider notifies its users of preservation orders"},
    "disclose-traffic": lambda rid: {"service_providers": [{"name": "Transit Hosting", "country": THIRD_COUNTRY}],
                                     "path_summary": "the connection came through a hosting provider abroad"},
    "disclose": lambda rid: {"provider_reference": f"ED-{rid[:8]}", "handed_over": "by secure e-mail to the duty officer"},
    "withdraw": lambda rid: {"reason": "the investigation no longer needs the data"},
    "extend": lambda rid: {"days": 30},
    "link-mla": lambda rid: {"mla_reference": f"MLA-{rid[:8]}", "sent_at": simnet.rfc3339(time.time() - 10)},
    "release": lambda rid: {"reason": "the MLA request was decided"},
}


def pick(r, weighted):
    x = r.random()
    for choice, weight in weighted:
        if x < weight:
            return choice
        x -= weight
    return None


class Officer:
    def __init__(self, a):
        self.a = a
        self.client = simnet.Client(a.host, simnet.identity(a.country), a.pki, simnet.officer(a.country))
        self.policy = simnet.policy(a.scale)
        self.submissions = simnet.rng(a.seed, a.country, "submissions")
        self.records = open(a.records, "a", buffering=1)
        self.start = time.time()
        self.end = self.start + a.duration
        self.seq = 0
        self.next_submit = self.start + self.submissions.expovariate(a.rate / 60)
        self.next_poll = self.start
        self.done = {}          # request id → the actions this side took, in order
        self.plans = {}         # (id, state, step) → (due, action)
        self.heap = []
        self.current = {}       # request id → the key of its turn as last seen in the queue
        self.stopping = False
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stopping", True))

    def record(self, **fields):
        self.records.write(json.dumps(fields) + "\n")

    def handing_over(self):
        return time.time() >= self.end

    # -- submitting --

    def submit(self):
        r = self.submissions
        self.seq += 1
        kind = pick(r, [("preservation", 0.70), ("traffic-disclosure", 0.15), ("emergency-disclosure", 0.15)])
        if kind == "preservation":
            priority = pick(r, [("routine", 0.5), ("urgent", 0.4), ("emergency", 0.1)])
        elif kind == "traffic-disclosure":
            priority = pick(r, [("routine", 0.5), ("urgent", 0.5)])
        else:
            priority = "emergency"
        dst = r.choice(self.a.partners)
        rid = str(uuid.UUID(int=r.getrandbits(128), version=4))
        body = request_body(rid, self.seq, self.a.country, dst, kind, priority)
        sent, attempts = time.time(), 0
        while not self.stopping:
            attempts += 1
            try:
                status, answer = self.client.call("POST", "/v1/requests", body)
            except (OSError, http.client.HTTPException) as e:
                if time.time() - sent > 120:
                    self.record(ev="submit-failed", id=rid, to=dst, sent=sent, error=str(e), attempts=attempts)
                    return
                time.sleep(1)  # the daemon is down: the same request again, as a client that must know does
                continue
            self.record(ev="submit", id=rid, to=dst, kind=kind, priority=priority, sent=sent, answered=time.time(),
                        status=status, attempts=attempts, **({} if status in (200, 201) else {"error": answer}))
            return

    # -- answering --

    def decide(self, item):
        """The action this side takes now on a request in its queue, if it is its turn, and the
        time it has for it (seconds to the most pressing deadline)."""
        rid, state, kind = item["id"], item["state"], item["kind"]
        done = self.done.setdefault(rid, [])
        r = simnet.rng(self.a.seed, rid, state, len(done))
        emergency = kind == "emergency-disclosure"
        if item["direction"] == "incoming":
            if state == "delivered" and r.random() < (0.5 if emergency else 0.85):
                action = "acknowledge"
            elif state in ("delivered", "acknowledged"):
                if kind == "traffic-disclosure" and "disclose-traffic" not in done and state == "acknowledged":
                    action = "disclose-traffic"
                elif emergency:
                    action = pick(r, [("disclose", 0.85), ("report-no-data", 0.10), ("refuse", 0.05)])
                else:
                    risk = 0.0 if "notify-risk" in done else 0.12
                    action = pick(r, [("notify-risk", risk), ("report-no-data", 0.08), ("refuse", 0.05), ("preserve", 1.0)])
            elif state == "mla-pending":
                action = "release" if r.random() < 0.4 else None
            else:
                action = None
        else:
            if state == "risk-notified":
                action = "proceed" if r.random() < 0.7 else "withdraw"
            elif state == "preserved" and "link-mla" not in done:
                action = pick(r, [("extend", 0.0 if "extend" in done else 0.15), ("link-mla", 0.6)])
            else:
                action = None
        deadline = item.get("next_deadline")
        window = deadline["seconds_left"] if deadline and deadline["kind"] != "expiry" else 0
        if window <= 0:
            window = self.policy[item["priority"]]["acknowledge"]
        return action, window, r

    def poll(self):
        try:
            status, queue = self.client.call("GET", "/v1/queue?limit=100000")
        except (OSError, http.client.HTTPException):
            return  # the daemon is down; the next poll will see
        if status != 200:
            self.record(ev="queue-failed", status=status, error=queue)
            return
        self.current = {}
        for item in queue["items"]:
            action, window, r = self.decide(item)
            if action is None:
                continue
            key = (item["id"], item["state"], len(self.done[item["id"]]))
            self.current[item["id"]] = key
            if key not in self.plans:
                if self.handing_over():
                    delay = r.uniform(0.5, 2.0)
                else:
                    delay = window * min(3.0, r.lognormvariate(math.log(0.35), 0.9))
                self.plan(key, time.time() + delay, action, 1)
        with open(self.a.status + ".tmp", "w") as f:
            json.dump({"turns": len(self.current), "planned": len(self.plans), "submitted": self.seq}, f)
        os.replace(self.a.status + ".tmp", self.a.status)

    def plan(self, key, due, action, attempt):
        self.plans[key] = (due, action, attempt)
        heapq.heappush(self.heap, (due, key))

    def hand_over(self):
        """The next shift does what was planned, now."""
        soon = time.time() + 2
        for key, (due, action, attempt) in list(self.plans.items()):
            if due > soon:
                self.plan(key, soon, action, attempt)

    def act(self, key):
        due, action, attempt = self.plans[key]
        rid = key[0]
        if self.current.get(rid) != key:
            del self.plans[key]  # the request moved on meanwhile (the other side, or an earlier try)
            return
        make = ACTION_BODIES[action]
        t = time.time()
        try:
            status, answer = self.client.call("POST", f"/v1/requests/{rid}/{action}", make(rid) if make else None)
        except (OSError, http.client.HTTPException):
            self.plan(key, time.time() + 2, action, attempt + 1)  # the daemon is down: again (409 if it was done)
            return
        del self.plans[key]
        if status == 200:
            self.done[rid].append(action)
            self.current.pop(rid, None)
        self.record(ev="action", id=rid, action=action, state=key[1], at=t, status=status, attempts=attempt,
                    **({} if status == 200 else {"error": answer}))

    def run(self):
        handed_over = False
        while not self.stopping:
            now = time.time()
            if not handed_over and self.handing_over():
                handed_over = True
                self.hand_over()
            if now < self.end and now >= self.next_submit:
                self.submit()
                self.next_submit += self.submissions.expovariate(self.a.rate / 60)
            if now >= self.next_poll:
                self.poll()
                self.next_poll = now + 2
            while self.heap and self.heap[0][0] <= time.time() and not self.stopping:
                due, key = heapq.heappop(self.heap)
                if key in self.plans and self.plans[key][0] == due:
                    self.act(key)
            wake = min([self.next_poll] + ([self.next_submit] if now < self.end else []) + [h[0] for h in self.heap[:1]])
            time.sleep(min(0.5, max(0.01, wake - time.time())))
        self.records.close()


def main():
    ap = argparse.ArgumentParser(description="One country's duty officers in the simulated network.")
    ap.add_argument("--country", required=True)
    ap.add_argument("--host", required=True, help="the daemon's address")
    ap.add_argument("--pki", required=True)
    ap.add_argument("--partners", required=True, type=lambda s: s.split(","))
    ap.add_argument("--seed", default="1")
    ap.add_argument("--duration", type=float, required=True, help="seconds of submissions")
    ap.add_argument("--rate", type=float, default=4, help="submissions a minute")
    ap.add_argument("--scale", type=float, default=1, help="the policy's scale (simnet.policy)")
    ap.add_argument("--records", required=True)
    ap.add_argument("--status", required=True)
    Officer(ap.parse_args()).run()


if __name__ == "__main__":
    main()
