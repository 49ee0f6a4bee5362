"""The simulated network's results as the console table and as the section of
docs/reliability.md between the network markers.

  report.py collected.json      prints the section again from a kept run's data
"""
import collections
import json
import sys

import checks
import simnet


def mb(kb):
    return f"{kb / 1024:.0f}" if kb else "–"


def console(results, figures):
    lines = ["", "check                                                                  result"]
    for name, ok, detail, problems in results:
        lines.append(f"{name[:70]:<70} {'holds' if ok else 'FAILS'}")
        lines.append(f"    {detail}")
        for p in problems[:15]:
            lines.append(f"    ! {p}")
        if len(problems) > 15:
            lines.append(f"    ! … {len(problems) - 15} more")
    lines.append("delivery latency, submit → receipt: " + "; ".join(
        f"{g}: n={v['n']} p50 {checks.fmt_s(v['p50'])} p99 {checks.fmt_s(v['p99'])}" for g, v in figures["latency"].items()))
    return "\n".join(lines)


def render(d, results, figures):
    codes = d["codes"]
    cut = d["disruptions"]["cuts"]
    kills = d["disruptions"]["kills"]
    resets = d["disruptions"]["resets"]
    links = simnet.links(codes, d["seed"])
    lossy = sorted({"–".join(sorted((l["src"], l["dst"]))) for l in links if l["loss"] == simnet.LOSSY})
    delays = sorted({l["delay_ms"] for l in links})
    p = d["policy"]
    proxy = collections.Counter()
    for s in d["proxy"].values():
        proxy.update({k: v for k, v in s.items() if k in ("connections", "held_while_cut", "reset", "segments", "lost", "bytes")})
    kinds = collections.Counter((r["kind"], r["priority"]) for r in d["submits"] if r["status"] in (200, 201))
    actions = collections.Counter(r["action"] for r in d["actions"] if r["status"] == 200)
    offsets = ", ".join(f"{c} {d['offsets_ms'][c]:+d} ms" for c in codes)
    t0 = min(l["started"] for x in d["daemons"].values() for l in x["lives"])
    run = d["run_seconds"]
    out = []
    w = out.append
    w("<!-- network:begin -->")
    w(f"### The network: {len(codes)} daemons over impaired links")
    w("")
    w(f"{d['title']} {run:.0f} s in all.")
    w("")
    w(f"**Set-up.** {len(codes)} countries ({', '.join(f'{c} ({simnet.REGION[c]})' for c in codes)}), each a `pocd` in its "
      f"own network namespace with its own certificate and log key, every partner in its directory (with its log key, so "
      f"all witness each other) at the address of the link proxy for that link. One-way delays by region pair "
      f"{delays[0]}–{delays[-1]} ms, jitter ±{simnet.JITTER * 100:.0f} %, {simnet.LOSS * 100:.0f} % loss on every link and "
      f"{simnet.LOSSY * 100:.0f} % on {len(lossy)} of the {len(codes) * (len(codes) - 1) // 2} pairs ({', '.join(lossy)}). "
      f"Clock offsets (test clock): {offsets}. Seed {d['seed']}, "
      f"{d['duration']:.0f} s of workload (officers submitting about {d['rate']:g} requests a minute each), policy scaled ×{d['scale']:g}: "
      f"acknowledge within {p['emergency']['acknowledge']} / {p['urgent']['acknowledge']} / {p['routine']['acknowledge']} s "
      f"(emergency / urgent / routine), preserve within {p['emergency']['preserve']} / {p['urgent']['preserve']} / "
      f"{p['routine']['preserve']} s, deliver within {p['emergency']['deliver']} / {p['urgent']['deliver']} / "
      f"{p['routine']['deliver']} s, ladder levels 1 / 2 / 3 at 0 / 1 / 2 units after a missed deadline "
      f"(unit {p['emergency']['steps'][1][1]} / {p['urgent']['steps'][1][1]} / {p['routine']['steps'][1][1]} s); "
      f"a checkpoint every {simnet.CHECKPOINT_INTERVAL} s.")
    w("")
    w("**Disruptions.** " + "; ".join(
        [f"partition: {', '.join(c['countries'])} cut off at {c['start'] - t0:.0f} s for {c['end'] - c['start']:.0f} s" for c in cut]
        + [f"`kill -9` of {k['country']} at {k['killed'] - t0:.0f} s, serving again {k['serving'] - k['killed']:.1f} s later" for k in kills]
        + [f"{len(resets)} connection resets on random links ({sum(r['connections'] for r in resets)} connections)"]) + ".")
    w("")
    w("| check | result | detail |")
    w("|---|---|---|")
    for name, ok, detail, problems in results:
        extra = "" if ok else "<br>" + "<br>".join(problems[:5])
        w(f"| {name} | {'**holds**' if ok else '**FAILS**'} | {detail}{extra} |")
    w("")
    w("| delivery latency, submit (requesting daemon) → receipt (requested daemon), true time | requests | p50 | p99 | max |")
    w("|---|---:|---:|---:|---:|")
    for g, v in figures["latency"].items():
        w(f"| {g} | {v['n']} | {checks.fmt_s(v['p50'])} | {checks.fmt_s(v['p99'])} | {checks.fmt_s(v['max'])} |")
    w("")
    w(f"**Workload.** {len(d['submits'])} submissions answered "
      f"({', '.join(f'{n} {k} {pr}' for (k, pr), n in sorted(kinds.items()))}); actions taken: "
      f"{', '.join(f'{n} {name}' for name, n in actions.most_common())}; "
      f"{len(d['workload_errors'])} unexpected answers to the officers. "
      f"Link proxy: {proxy['connections']} connections, {proxy['segments']} segments ({proxy['bytes'] / 1e6:.1f} MB), "
      f"{proxy['lost']} held one retransmission timeout (\"lost\"), {proxy['held_while_cut']} connections held while cut, "
      f"{proxy['reset']} reset.")
    w("")
    w("| daemon | clock offset | requests held | CPU (s, share of the run) | RSS at the end / peak (MB) | lives | stop (SIGTERM) |")
    w("|---|---:|---:|---:|---:|---:|---|")
    for c in codes:
        x = d["daemons"][c]
        w(f"| {c} ({simnet.REGION[c]}) | {d['offsets_ms'][c]:+d} ms | {len(d['store_ids'][c])} | "
          f"{x['cpu_s']:.1f} ({100 * x['cpu_s'] / run:.1f} %) | {mb(x['rss_end_kb'])} / {mb(x['rss_peak_kb'])} | "
          f"{len(x['lives'])} | exit {d['stop_status'][c]} |")
    w("<!-- network:end -->")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    data = json.load(open(sys.argv[1]))
    print(render(data, *checks.evaluate(data)), end="")
