#!/usr/bin/env python3
"""loss.sh's arithmetic: one JSON line per level and direction from the phone's headless events
and SIP trace (and SIPp's result), or, with --table, the markdown table of those lines."""
import argparse
import json
import re
import statistics
import sys


def calls(events, from_line):
    """id -> {"established": bool, "end": terminated event or None}, for calls of the window."""
    out = {}
    with open(events) as f:
        for n, line in enumerate(f):
            if n < from_line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("event") != "call":
                continue
            c = out.setdefault(e["id"], {"established": False, "end": None})
            if e.get("state") == "established":
                c["established"] = True
            elif e.get("state") == "terminated":
                c["end"] = e
    return out


def retransmissions(trace, from_line):
    """Messages the phone sent more than once (same first line, Call-ID, CSeq and Via branch):
    {"INVITE": n, "200": n, ...}. The trace is blocks of '=== ts transport laddr ARROW raddr'."""
    counts = {}
    lines = open(trace, errors="replace").read().splitlines()[from_line:]
    blocks, cur = [], None
    for ln in lines:
        if ln.startswith("=== "):
            cur = {"out": " -> " in ln, "text": []}
            blocks.append(cur)
        elif cur is not None:
            cur["text"].append(ln)
    for b in blocks:
        if not b["out"] or not b["text"]:
            continue
        first = b["text"][0].strip()
        hdr = {}
        for ln in b["text"][1:]:
            if not ln.strip():
                break
            k, _, v = ln.partition(":")
            hdr.setdefault(k.strip().lower(), v.strip())
        branch = re.search(r"branch=([^;\s,]+)", hdr.get("via", hdr.get("v", "")))
        key = (first, hdr.get("call-id", hdr.get("i")), hdr.get("cseq"), branch.group(1) if branch else "")
        counts[key] = counts.get(key, 0) + 1
    out = {}
    for (first, _, cseq, _), n in counts.items():
        if n > 1:
            name = first.split()[1] if first.startswith("SIP/2.0") else first.split()[0]
            if first.startswith("SIP/2.0") and cseq:
                name += "/" + cseq.split()[-1]
            out[name] = out.get(name, 0) + n - 1
    return out


def median(xs):
    return statistics.median(xs) if xs else None


def record(a):
    cs = calls(a.events, a.from_line)
    stats = [c["end"]["stats"] for c in cs.values() if c["end"] and "stats" in c["end"]]
    r = {"dir": a.dir, "level": a.level, "count": a.count}
    if a.dir == "in":  # SIPp is the caller: its verdict counts
        m = re.search(r"successful=(\d+)", a.sipp or "")
        f = re.search(r"failed=(\d+)", a.sipp or "")
        r["ok"] = int(m.group(1)) if m else 0
        r["failed"] = int(f.group(1)) if f else a.count - r["ok"]
        r["peer_retrans"] = a.sipp_retrans
    else:
        r["ok"] = sum(1 for c in cs.values() if c["established"])
        r["failed"] = a.count - r["ok"]
        r["peer_retrans"] = "-"
    r["answered"] = sum(1 for c in cs.values() if c["established"])
    r["phone_retrans"] = retransmissions(a.trace, a.trace_from)
    r["failures"] = [{"id": i, "code": c["end"].get("code"), "reason": c["end"].get("reason")}
                     for i, c in cs.items() if c["end"] and not c["established"]]
    for k in ("received", "lost", "late", "concealed"):
        r[k] = median([s.get(k, 0) for s in stats])
    r["frames_max"] = max((s.get("received", 0) + s.get("lost", 0) for s in stats), default=0)
    w0, w1 = [list(map(int, w.split())) for w in (a.wire, a.wire_after)]
    d = [y - x for x, y in zip(w0, w1)]
    r["wire"] = {"a_lost": d[0], "a_total": d[1], "b_lost": d[2], "b_total": d[3]}
    print(json.dumps(r))


def fmt(x):
    return "-" if x is None else ("%g" % x)


def table(a):
    rows = [json.loads(ln) for ln in open(a.table) if ln.strip()]
    print(f"Loss both ways, DELAY={a.delay} JITTER={a.jitter}, {a.duration} s of media per call "
          f"(~{int(a.duration) * 50} frames of 20 ms).\n")
    print("| loss | direction | calls set up / failed | SIP retransmissions: peer / ours | "
          "per call median: received / lost / late / concealed | wire: dropped A→B / B→A |")
    print("|---|---|---|---|---|---|")
    bad = 0
    for r in rows:
        d = "SIPp → sipterm (UAS)" if r["dir"] == "in" else "sipterm (UAC) → baresip"
        ours = ", ".join(f"{k} {v}" for k, v in sorted(r["phone_retrans"].items())) or "0"
        w = r["wire"]
        print(f"| {r['level']} % | {d} | {r['ok']} / {r['failed']} | {r['peer_retrans']} / {ours} | "
              f"{fmt(r['received'])} / {fmt(r['lost'])} / {fmt(r['late'])} / {fmt(r['concealed'])} | "
              f"{w['a_lost']} of {w['a_total']} / {w['b_lost']} of {w['b_total']} |")
        if r["failures"]:
            print(f"|  | failures | {r['failures']} | | | |")
        if float(r["level"]) <= 10 and r["failed"] > 0:
            bad += 1
    if bad:
        print(f"\nFAIL: calls failed at a level <= 10 % ({bad} row(s))")
        sys.exit(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--table")
    p.add_argument("--delay", default="")
    p.add_argument("--jitter", default="")
    p.add_argument("--duration", default="3")
    p.add_argument("--dir")
    p.add_argument("--level")
    p.add_argument("--count", type=int)
    p.add_argument("--sipp")
    p.add_argument("--sipp-retrans")
    p.add_argument("--events")
    p.add_argument("--from-line", type=int, default=0)
    p.add_argument("--trace")
    p.add_argument("--trace-from", type=int, default=0)
    p.add_argument("--wire", default="0 0 0 0")
    p.add_argument("--wire-after", default="0 0 0 0")
    a = p.parse_args()
    if a.table:
        table(a)
    else:
        record(a)


if __name__ == "__main__":
    main()
