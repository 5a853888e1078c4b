#!/usr/bin/python3
"""Waiting well: time from "image available" (or gone) to ApplyResourceChange's return, and
DescribeImages polls per wait, for a sweep of emulator pending delays; plus one long wait (the
backoff's steady spacing). Goal: median overhead <= 0.5 s for waits of a few seconds, and about one
DescribeImages every 10 s in a wait of minutes. Exits 1 when a goal is missed.

  /usr/bin/python3 bench/wait_overhead.py                       # sweep 0.5..8 s, 3 images each, 120 s long wait
  /usr/bin/python3 bench/wait_overhead.py --delays 3 --repeats 5 --long 0
"""
import argparse
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.soak import waits  # noqa: E402
from tests.soak.harness import median, provider_binary  # noqa: E402

GOAL_OVERHEAD_S = 0.5
GOAL_STEADY_SPACING_S = (8.0, 12.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--delays", default="0.5,1,1.5,2,2.5,3,3.5,4,5,6,8",
                    help="pending delays to sweep, seconds (default %(default)s)")
    ap.add_argument("--repeats", type=int, default=3, help="images created at once per delay (default %(default)s)")
    ap.add_argument("--long", type=float, default=120.0, help="pending delay of the long wait; 0 skips it")
    ap.add_argument("--binary", help="provider binary")
    a = ap.parse_args()
    binary = a.binary or provider_binary()
    long_result = {}
    if a.long > 0:
        t = threading.Thread(target=lambda: long_result.setdefault("w", waits.long_wait(a.long, binary)),
                             daemon=True)
        t.start()
    print("waiter default schedule: first poll after 250 ms, x1.5, capped at 10 s; polls at "
          + ", ".join(f"{x:.2f}" for x in waits.expected_polls(30)) + " s ...")
    print(f"{'pending s':>9} {'kind':>7} {'n':>2} {'overhead med/max s':>19} {'poll lag med s':>14} {'polls/wait':>10}")
    all_waits = []
    for d in [float(x) for x in a.delays.split(",") if x]:
        ws = waits.measure(d, a.repeats, binary)
        all_waits += ws
        for kind, row in waits.summarize(ws).items():
            print(f"{d:9.2f} {kind:>7} {row['n']:2d} {row['median_overhead']:9.3f} /{row['max_overhead']:7.3f} "
                  f"{row['median_lag']:14.3f} {row['median_polls']:10.1f}", flush=True)
    failed = []
    total = waits.summarize(all_waits)
    for kind, row in total.items():
        print(f"ALL {kind}: {row['n']} waits, median overhead {row['median_overhead']:.3f} s (max "
              f"{row['max_overhead']:.3f} s), median poll lag {row['median_lag']:.3f} s, "
              f"median polls {row['median_polls']}")
        if row["median_overhead"] > GOAL_OVERHEAD_S:
            failed.append(f"{kind}: median overhead {row['median_overhead']:.3f} s > {GOAL_OVERHEAD_S} s")
    few = [w.overhead for w in all_waits if w.kind == "create" and 2.0 <= w.pending <= 6.0]
    if few:
        print(f"creates with a pending delay of 2-6 s: median overhead {median(few):.3f} s over {len(few)} waits")
        if median(few) > GOAL_OVERHEAD_S:
            failed.append(f"create, 2-6 s waits: median overhead {median(few):.3f} s > {GOAL_OVERHEAD_S} s")
    if a.long > 0:
        t.join()
        w = long_result.get("w")
        if w is None:
            failed.append("the long wait failed")
        else:
            gaps = [b - a_ for a_, b in zip(w.polls, w.polls[1:])]
            steady = [g for g, t0 in zip(gaps, w.polls) if t0 - w.polls[0] > 30]
            print(f"long wait ({a.long:.0f} s pending): {len(w.polls)} DescribeImages, overhead {w.overhead:.3f} s, "
                  f"gaps {', '.join(f'{g:.2f}' for g in gaps)}")
            if steady:
                spacing = median(steady)
                print(f"  steady spacing (after 30 s): median {spacing:.2f} s, max {max(steady):.2f} s; "
                      f"{60 / spacing:.1f} describes per minute")
                lo, hi = GOAL_STEADY_SPACING_S
                if not lo <= spacing <= hi:
                    failed.append(f"steady poll spacing {spacing:.2f} s outside {lo}-{hi} s")
    for f in failed:
        print("GOAL MISSED:", f)
    print("wait_overhead: OK" if not failed else "wait_overhead: goal(s) missed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
