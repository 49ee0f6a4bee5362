"""The checks of the simulated network, as pure functions of what the conductor collected
(conductor.py writes it to collected.json; `checks.py collected.json` evaluates it again).

Times: every daemon's clock is the wall clock plus its offset (POCD_TEST_CLOCK_OFFSET_FILE),
so a time a daemon wrote, minus its offset, is true time; the conductor's disruptions are in
true time. A forwarded event keeps the sender's time (or the receiver's, when the sender's is
ahead of it): when the receiver recorded it is known only to lie between the moment it was
taken (never inside an outage of the link) and the sender's receipt of the 2xx (its outbox's
`delivered_ms`).
"""
import json
import math
import sys

import simnet

INF = float("inf")
MARGIN = 1.0  # s: a ladder step is owed when its deadline still ran this long after the step fell due
TIMER_EVENTS = {"escalated", "reminded", "expired"}  # each side's own timer: not part of the shared history
STATE_AFTER = {
    "submitted": "submitted", "delivered": "delivered", "acknowledged": "acknowledged", "preserved": "preserved",
    "disclosed": "disclosed", "no-data-reported": "no-data", "refused": "refused", "risk-notified": "risk-notified",
    "proceeded": "acknowledged", "mla-linked": "mla-pending", "withdrawn": "withdrawn", "released": "released",
    "expired": "expired",
}
CARRIES = {"submitted": {"deliver"}, "delivered": {"acknowledge", "preserve"}, "acknowledged": {"preserve"},
           "risk-notified": {"answer-risk"}}


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, math.ceil(q * len(xs)) - 1))] if xs else None


def fmt_s(x):
    return "–" if x is None else (f"{x * 1000:.0f} ms" if x < 10 else f"{x:.1f} s")


class Network:
    """What was collected, with the time conversions and the outages of each link."""

    def __init__(self, d):
        self.d = d
        self.codes = d["codes"]
        self.offset = {c: ms / 1000 for c, ms in d["offsets_ms"].items()}
        self.policy = d["policy"]
        self.views = d["views"]
        # Outages, true time: a country cut, or its daemon down (kill → serving again).
        self.outages = {c: [] for c in self.codes}
        for cut in d["disruptions"]["cuts"]:
            for c in cut["countries"]:
                self.outages[c].append((cut["start"], cut["end"], "cut"))
        for k in d["disruptions"]["kills"]:
            self.outages[k["country"]].append((k["killed"], k["serving"], "down"))
        self.downtime = {c: [(a, b) for a, b, how in self.outages[c] if how == "down"] for c in self.codes}
        self.delivered_ms = {}  # (sender, event id) → the sender's receipt of the 2xx, its clock
        for sender, rows in d["outbox"].items():
            for row in rows:
                if row["kind"] == "partner-event" and row["delivered_ms"] is not None:
                    self.delivered_ms[(sender, row["event_id"])] = row["delivered_ms"]

    def true(self, code, text):
        return simnet.parse_time(text) - self.offset[code]

    def link_outages(self, a, b):
        return sorted(self.outages[a] + self.outages[b])

    def after_outages(self, a, b, t):
        """The earliest moment at or after t when the link a–b was up."""
        for start, end, _ in self.link_outages(a, b):
            if start <= t < end:
                t = end
        return t


# -- the histories ---------------------------------------------------------------------------

def opened(details):
    """An event's details without `sealed`: each daemon seals the content under its own keys."""
    if isinstance(details, dict):
        return {k: opened(v) for k, v in details.items() if k != "sealed"}
    return details


def shared_history(view):
    """The events both daemons must hold alike: all but each side's own timer events. Actions
    keep their id across daemons; receipts and submissions have one per daemon."""
    out = []
    for e in view["history"]:
        if e["type"] in TIMER_EVENTS:
            continue
        action = e["type"] not in ("submitted", "delivered")
        out.append({"type": e["type"], "id": e["id"] if action else None,
                    "actor": e["actor"].split(" via ")[0] if action else None,
                    "details": json.dumps(opened(e["details"]), sort_keys=True), "at": e["at"]})
    return out


def compare_histories(a_code, a, b_code, b):
    """None if alike, else why not; and the largest difference between the times the two
    sides wrote for one action (each side's clock, or the sender's)."""
    ha, hb = shared_history(a), shared_history(b)
    for i in range(max(len(ha), len(hb))):
        ea, eb = (ha[i] if i < len(ha) else None), (hb[i] if i < len(hb) else None)
        if ea is None or eb is None or any(ea[k] != eb[k] for k in ("type", "id", "actor", "details")):
            def show(code, e):
                if e is None:
                    return f"{code} has nothing"
                same = ea is not None and eb is not None and ea["type"] == eb["type"] and ea["id"] == eb["id"]
                return f"{code} has {e['type']}" + (f" {e['id'][:8]}" if e["id"] else "") + \
                    (f" by {e['actor']} with {e['details']}" if same else "")
            return f"event {i}: {show(a_code, ea)}, {show(b_code, eb)}", 0.0
    return None, max((abs(simnet.parse_time(ea["at"]) - simnet.parse_time(eb["at"]))
                      for ea, eb in zip(ha, hb) if ea["type"] != "delivered"), default=0.0)


# -- deadlines and ladders -------------------------------------------------------------------

class Instance:
    """One run of one deadline on one side: its due time (that side's clock), when it started
    and stopped running there (true-time bounds), and the ladder steps it fired."""

    def __init__(self, kind, name, due, start):
        self.kind, self.name, self.due, self.start = kind, name, due, start
        self.end = None
        self.fired = []  # (level, true time, the event)


def record_bounds(net, code, other, history, i, requested_side):
    """When daemon `code` recorded history[i], as (earliest, latest) true time."""
    e = history[i]
    at = simnet.parse_time(e["at"])
    if " via " in e["actor"]:
        lo = min(at - net.offset[other], at - net.offset[code])
        lo = net.after_outages(code, other, lo)
        hi_ms = net.delivered_ms.get((other, e["id"]))
        return lo, (hi_ms / 1000 - net.offset[other]) if hi_ms is not None else INF
    if e["type"] == "submitted" and requested_side:
        return record_bounds(net, code, other, history, i + 1, True)  # stored with its receipt, in one commit
    if e["type"] == "delivered" and not requested_side and i + 1 < len(history) \
            and " via " in history[i + 1]["actor"] and history[i + 1]["at"] == e["at"]:
        return record_bounds(net, code, other, history, i + 1, False)  # implied by the partner's first action
    t = at - net.offset[code]
    return t, t


def deadline_instances(net, code, view, problems):
    """Replays one side's history: the deadlines that ran there, with the escalations attached."""
    requested_side = code == view["to"]
    other = view["from"] if requested_side else view["to"]
    p = net.policy[view["priority"]]
    history = view["history"]
    submitted_at = proceeded_at = None
    open_, done = {}, []
    for i, e in enumerate(history):
        t = e["type"]
        if t == "escalated":
            d = e["details"]
            inst = open_.get(d["deadline"])
            if inst is None or abs(simnet.parse_time(d["due_at"]) - inst.due) > 0.0005 or "cause" in d:
                problems.append(f"{code} {view['id']}: escalation of {d['deadline']} due {d['due_at']} "
                                f"level {d['level']} for no running deadline{' (' + d['cause'] + ')' if 'cause' in d else ''}")
                continue
            inst.fired.append((d["level"], simnet.parse_time(e["at"]) - net.offset[code], e))
            continue
        if t not in STATE_AFTER:
            continue  # traffic-disclosed, extended, erasures: the state and its deadlines stay
        bounds = record_bounds(net, code, other, history, i, requested_side)
        at = simnet.parse_time(e["at"])
        if t == "submitted":
            submitted_at = at
        if t == "proceeded":
            proceeded_at = at  # the preserve deadline counts again from here (Lifecycle.deadlines)
        carried = CARRIES.get(STATE_AFTER[t], set())
        for name, inst in list(open_.items()):
            if inst.kind not in carried:
                inst.end = bounds
                done.append(inst)
                del open_[name]
        for kind in sorted(carried):
            name = "disclose" if kind == "preserve" and view["kind"] == "emergency-disclosure" else kind
            if name not in open_:
                base = {"deliver": submitted_at, "acknowledge": submitted_at, "preserve": proceeded_at or submitted_at,
                        "answer-risk": at}[kind]
                open_[name] = Instance(kind, name, base + p[kind], bounds)
    read = view["_read_at"]
    for inst in open_.values():
        inst.end = (read, read)
        done.append(inst)
    return done


def judge_instance(net, code, inst, steps, problems, lateness, tally):
    o = net.offset[code]
    levels = {}
    for level, at, _ in inst.fired:
        levels.setdefault(level, []).append(at)
    fired_max = max(levels, default=0)
    for level, after in steps:
        step = inst.due + after - o  # true time the step fell due on this side
        fires = levels.get(level, [])
        where = f"{code} {inst.name} due {simnet.rfc3339(inst.due)} level {level}"
        if len(fires) > 1:
            problems.append(f"{where}: fired {len(fires)} times")
        for f in fires:
            if f < step - 0.0005:
                problems.append(f"{where}: fired {step - f:.3f} s early")
        down = any(a <= step <= b + MARGIN for a, b in net.downtime[code])
        running_long = step + MARGIN < inst.end[0]
        if step < inst.start[0] or down:
            # Due before this side knew the deadline ran, or while its daemon was down: folded
            # into the one escalation to the highest level due, fired when it could.
            folded_until = inst.start[1] if step < inst.start[0] else max(b for a, b in net.downtime[code] if a <= step <= b + MARGIN)
            if not fires and fired_max < level and folded_until + MARGIN < inst.end[0]:
                problems.append(f"{where}: neither this level nor a higher one fired after the daemon could")
            tally["folded" if not fires else "fired"] += 1
        elif inst.start[1] <= step and running_long:
            if not fires:
                problems.append(f"{where}: not fired, though the deadline ran until {simnet.rfc3339(inst.end[0] + o)}")
            else:
                tally["fired"] += 1
                lateness.append(fires[0] - step)
        elif step >= inst.end[1]:
            if fires:
                problems.append(f"{where}: fired after the deadline had stopped running")
        else:
            tally["either" if not fires else "fired"] += 1  # fell due within a moment of the deadline's start or end


# -- the checks ------------------------------------------------------------------------------

def evaluate(d):
    net = Network(d)
    results, figures = [], {}

    # 1. Every request accepted anywhere exists once on both sides, alike.
    accepted = {r["id"]: r for r in d["submits"] if r["status"] in (200, 201)}
    universe = set(accepted)
    for code, ids in d["store_ids"].items():
        universe |= set(ids)
    problems, time_diff = [], 0.0
    pairs = []
    for rid in sorted(universe):
        holders = [c for c in net.codes if rid in net.views.get(c, {})]
        if not holders:
            problems.append(f"{rid}: no daemon shows it")
            continue
        v = net.views[holders[0]][rid]
        a, b = v["from"], v["to"]
        if rid in accepted and accepted[rid]["from"] != a:
            problems.append(f"{rid}: accepted by {accepted[rid]['from']} but its view says from {a}")
        for c in (a, b):
            n = d["store_ids"].get(c, {}).get(rid, 0)
            if n != 1:
                problems.append(f"{rid}: {n} submitted events at {c}")
        if rid not in net.views.get(a, {}) or rid not in net.views.get(b, {}):
            problems.append(f"{rid}: missing on {'/'.join(c for c in (a, b) if rid not in net.views.get(c, {}))}")
            continue
        va, vb = net.views[a][rid], net.views[b][rid]
        if va["state"] != vb["state"]:
            problems.append(f"{rid}: state {va['state']} at {a}, {vb['state']} at {b}")
        why, worst = compare_histories(a, va, b, vb)
        if why:
            problems.append(f"{rid}: histories differ at {why}")
        elif worst > 2 * simnet.SKEW_MS / 1000:
            problems.append(f"{rid}: the two sides' times of one event differ by {worst:.3f} s")
        time_diff = max(time_diff, worst)
        pairs.append((rid, a, b, va, vb))
    results.append(("every request accepted anywhere exists once on both sides, with the same state and history",
                    not problems,
                    f"{len(pairs)} requests ({len(accepted)} answered 201/200 to an officer), "
                    f"{sum(1 for *_, va, vb in pairs if va['state'] == vb['state'])} in the same state on both sides; "
                    f"an event's time differs between them by at most {time_diff:.3f} s", problems))

    # 2. Outboxes: after each outage of a link, what waited for it is delivered within one backoff.
    results.append(check_outboxes(net, d, figures))

    # 3. Every ladder step that fell due fired once on each side; 4. deadlines agree.
    problems, deadline_problems, lateness = [], [], []
    tally = {"fired": 0, "folded": 0, "either": 0}
    worst_due, untrusted = 0.0, 0
    bound = 2 * simnet.SKEW_MS / 1000
    for rid, a, b, va, vb in pairs:
        steps = net.policy[va["priority"]]["steps"]
        per_side = {}
        for code, view in ((a, va), (b, vb)):
            instances = deadline_instances(net, code, view, problems)
            per_side[code] = instances
            for inst in instances:
                judge_instance(net, code, inst, steps, problems, lateness, tally)
        due_a = {(i.name, n): i.due for n, i in enumerate_runs(per_side[a])}
        due_b = {(i.name, n): i.due for n, i in enumerate_runs(per_side[b])}
        for key in due_a.keys() & due_b.keys():
            diff = abs(due_a[key] - due_b[key])
            worst_due = max(worst_due, diff)
            if diff > bound:
                deadline_problems.append(f"{rid}: {key[0]} due {simnet.rfc3339(due_a[key])} at {a}, "
                                         f"{simnet.rfc3339(due_b[key])} at {b} ({diff:.3f} s apart)")
        if va["history"][0]["at"] != vb["history"][0]["at"]:
            untrusted += 1
    fired_events = sum(1 for c in net.views for v in net.views[c].values() for e in v["history"] if e["type"] == "escalated")
    figures["escalations"] = {"events": fired_events, **tally,
                              "late_p50": percentile(lateness, .5), "late_p99": percentile(lateness, .99),
                              "late_max": max(lateness, default=None)}
    results.append(("every escalation that fell due fired exactly once on each side", not problems,
                    f"{fired_events} escalations on {2 * len(pairs)} request copies: {tally['fired']} steps owed and fired "
                    f"(late by p50 {fmt_s(figures['escalations']['late_p50'])}, p99 {fmt_s(figures['escalations']['late_p99'])}), "
                    f"{tally['folded']} folded into a higher level (due while the daemon was down or before it had the request), "
                    f"{tally['either']} at a moment the side may or may not have known its deadline ran (fired or not, both right)", problems))
    results.append((f"deadlines agree across sides within the skew bound ({bound:.0f} s: two clocks each within ±{simnet.SKEW_MS / 1000:.0f} s)",
                    not deadline_problems,
                    f"largest difference {worst_due:.3f} s; {untrusted} of {len(pairs)} requests counted from the receiver's own "
                    f"receipt (the sender's clock was ahead of it)",
                    deadline_problems))

    # 5. audit verify, and 6. witnessing.
    bad = [f"{c}: exit {r['status']}: {r['output'].strip()}" for c, r in sorted(d["audit"].items())
           if r["status"] != 0 or "BROKEN" in r["output"]]
    first = d["audit"].get(net.codes[0], {"output": ""})["output"].strip().splitlines()
    results.append(("every daemon's `pocd audit verify --witnesses` says OK", not bad and len(d["audit"]) == len(net.codes),
                    f"{len(net.codes) - len(bad)} of {len(net.codes)}; e.g. {net.codes[0]}: "
                    + "; ".join(l for l in first if not l.startswith("witness "))
                    + f"; {sum(1 for l in first if l.startswith('witness ') and 'agrees' in l)} witnesses agree", bad))
    results.append(check_witnessing(net, d, pairs))
    errors = [json.dumps(r) for r in d["workload_errors"]]
    results.append(("every answer to an officer was the expected one (201, 200; after a lost answer, the retry's 200 or 409)",
                    not errors, f"{len(d['submits'])} submissions, {len(d['actions'])} actions", errors))
    figures["latency"] = latency(net, pairs)
    return results, figures


def enumerate_runs(instances):
    """(instance, run number) keys: a preserve deadline restarted by a proceed is its second run."""
    seen = {}
    for inst in instances:
        n = seen.get(inst.name, 0)
        seen[inst.name] = n + 1
        yield n, inst


def one_backoff(seconds_down):
    """The longest wait the outbox can be in when an outage of this length ends: attempt k
    waits between half and all of min(300 s, 2^k s) (OutboxWorker.backoff), so after an outage
    of P seconds the attempt under way can wait at most the largest 2^k with (2^k − 1) / 2 ≤ P."""
    k = 0
    while (2 ** (k + 1) - 1) / 2 <= seconds_down:
        k += 1
    return min(300, 2 ** k)


def episodes(outages):
    """Outages of one link merged while the backoff of the one before may still be running:
    a message that kept failing through several counts its backoff from the first."""
    merged = []
    for start, end, how in sorted(outages):
        if merged and start <= merged[-1][1] + one_backoff(merged[-1][1] - merged[-1][0]) + 3:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end), merged[-1][2] | {how})
        else:
            merged.append((start, end, {how}))
    return merged


def check_outboxes(net, d, figures):
    """After every outage of a link (a cut, a daemon down, a connection reset), each message
    that waited for it is delivered within one backoff of the end of the outage (the longest
    the outbox can be waiting then, `one_backoff`), plus 3 s to connect and 1 s for each
    message ahead of it in the line."""
    problems, worst, heals = [], {}, 0
    leftover = [f"{c}: message {r['id']} ({r['kind']} to {r['destination']}) "
                f"{'parked: ' + (r['last_error'] or '') if r['parked_ms'] else 'still waiting'}"
                for c, rows in d["outbox"].items() for r in rows if r["delivered_ms"] is None and r["dropped_ms"] is None]
    problems += leftover
    for sender, rows in d["outbox"].items():
        o = net.offset[sender]
        by_link = {}
        for r in rows:
            if r["kind"] in ("partner-request", "partner-event"):
                by_link.setdefault(r["destination"], []).append(r)
        for dest, msgs in by_link.items():
            resets = d["disruptions"]["resets_of"].get("|".join(sorted((sender, dest))), [])
            for start, heal, kinds in episodes(net.link_outages(sender, dest) + [(t, t, "reset") for t in resets]):
                bound = one_backoff(heal - start)
                waiting = [r for r in msgs if r["created_ms"] / 1000 - o < heal and r["parked_ms"] is None
                           and (r["delivered_ms"] is None or r["delivered_ms"] / 1000 - o > heal)]
                if not waiting:
                    continue
                heals += 1
                how = "cut" if "cut" in kinds else "down" if "down" in kinds else "reset"
                for rank, r in enumerate(sorted(waiting, key=lambda r: r["id"])):
                    allowed = bound + 3 + rank
                    took = (r["delivered_ms"] / 1000 - o if r["delivered_ms"] is not None else INF) - heal
                    worst[how] = max(worst.get(how, (0, 0)), (took, allowed))
                    if took > allowed:
                        problems.append(f"{sender}→{dest}: message {r['id']} ({r['kind']}) waited {took:.1f} s after the "
                                        f"{how} ended at {simnet.rfc3339(heal + o)} (allowed {allowed:.0f} s)")
    figures["outbox"] = worst
    detail = "; ".join(f"after a {k}: at most {t:.1f} s (allowed up to {a:.0f} s)" for k, (t, a) in sorted(worst.items()))
    return ("no outbox left non-empty more than one backoff after healing; every outbox empty at the end",
            not problems, f"{heals} outages of a link with messages waiting; {detail}; {len(leftover)} messages left at the end",
            problems)


def check_witnessing(net, d, pairs):
    exchanged = {c: set() for c in net.codes}
    for _, a, b, *_ in pairs:
        exchanged[a].add(b)
        exchanged[b].add(a)
    problems = []
    for c in net.codes:
        cp = d["checkpoints"].get(c)
        if cp is None:
            problems.append(f"{c}: no checkpoint")
            continue
        if cp["size"] != d["log_sizes"][c]:
            problems.append(f"{c}: the latest checkpoint covers {cp['size']} of the log's {d['log_sizes'][c]} events")
        missing = sorted(p for p in exchanged[c] if p not in cp["verified"])
        if missing:
            problems.append(f"{c}: checkpoint {cp['size']} lacks a valid cosignature of {', '.join(missing)}")
    inconsistent = {c: n for c, n in d["log_inconsistent"].items() if n}
    problems += [f"{c}: {n} log-inconsistent events" for c, n in sorted(inconsistent.items())]
    sizes = [d["checkpoints"][c]["size"] for c in net.codes if c in d["checkpoints"]]
    return ("every daemon's latest checkpoint is cosigned by each partner it exchanged with; no `log-inconsistent`",
            not problems,
            f"{sum(len(v) for v in exchanged.values())} cosignatures owed, each checked with the partner's key (Ed25519, openssl); "
            f"each the whole log ({min(sizes, default=0)}–{max(sizes, default=0)} events), cosigned {d['witness_wait']:.1f} s after the last reads",
            problems)


def latency(net, pairs):
    """Submit (the requesting daemon's `submitted`) to receipt (the requested daemon's `delivered`), true time."""
    groups = {"undisturbed": [], "link cut (partition)": [], "a daemon down (kill -9)": []}
    for rid, a, b, va, vb in pairs:
        sub = next(e for e in va["history"] if e["type"] == "submitted")
        rec = next((e for e in vb["history"] if e["type"] == "delivered"), None)
        if rec is None:
            continue
        t0, t1 = net.true(a, sub["at"]), net.true(b, rec["at"])
        hits = {how for s, e, how in net.link_outages(a, b) if s < t1 and e > t0}
        group = "link cut (partition)" if "cut" in hits else "a daemon down (kill -9)" if "down" in hits else "undisturbed"
        groups[group].append(t1 - t0)
    return {g: {"n": len(xs), "p50": percentile(xs, .5), "p99": percentile(xs, .99), "max": max(xs, default=None)}
            for g, xs in groups.items()}


if __name__ == "__main__":
    data = json.load(open(sys.argv[1]))
    for name, ok, detail, problems in evaluate(data)[0]:
        print(f"{'OK  ' if ok else 'FAIL'} {name}: {detail}")
        for p in problems[:10]:
            print(f"       {p}")
