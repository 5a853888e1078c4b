#!/usr/bin/python3
"""Soak benchmark: N ec2_ami lifecycles (create -> no-change plan -> update -> destroy with
delete_snapshots) at a given parallelism against ONE provider process and one EC2 emulator that
injects random faults; prints wall time, provider CPU per lifecycle, peak RSS, EC2 calls per
lifecycle by action, faults against retry log lines, and exits 1 when an invariant fails (see
tests/soak/soak.py for the list).

  /usr/bin/python3 bench/soak.py --count 1000 --concurrency 10 --fault-rate 0.05 --seed 1
  /usr/bin/python3 bench/soak.py --count 1000 --fault-rate 0          # the same without faults
The provider binary: --binary, else TF_PROVIDER_BIN, else the newest build*/terraform-provider-ec2.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.soak import soak  # noqa: E402
from tests.soak.harness import provider_binary  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    d = soak.SoakOptions()
    ap.add_argument("--count", type=int, default=d.count, help="resources (default %(default)s)")
    ap.add_argument("--concurrency", type=int, default=d.concurrency,
                    help="calls in flight (default %(default)s)")
    ap.add_argument("--fault-rate", type=float, default=d.fault_rate,
                    help="share of EC2 calls faulted (default %(default)s)")
    ap.add_argument("--seed", type=int, default=d.seed, help="fault and naming seed (default %(default)s)")
    ap.add_argument("--kinds", default=",".join(d.kinds), help="fault kinds, comma-separated (default %(default)s)")
    ap.add_argument("--fault-delay", type=float, default=d.fault_delay,
                    help="seconds of a delay fault (default %(default)s)")
    ap.add_argument("--pending-delay", type=float, default=d.pending_delay,
                    help="emulator pending time (default %(default)s)")
    ap.add_argument("--share-every", type=int, default=d.share_every,
                    help="every Nth resource shares a snapshot with a keeper image (0: none; default %(default)s)")
    ap.add_argument("--max-retries", type=int, default=d.max_retries,
                    help="provider max_retries (default %(default)s)")
    ap.add_argument("--log-level", default=d.log_level, help="TF_LOG_PROVIDER (default %(default)s)")
    ap.add_argument("--binary", help="provider binary")
    a = ap.parse_args()
    opts = soak.SoakOptions(count=a.count, concurrency=a.concurrency, fault_rate=a.fault_rate, seed=a.seed,
                            kinds=[k for k in a.kinds.split(",") if k], fault_delay=a.fault_delay,
                            pending_delay=a.pending_delay, share_every=a.share_every, max_retries=a.max_retries,
                            binary=a.binary or provider_binary(), log_level=a.log_level,
                            progress=lambda t: print(t, flush=True))
    res = soak.run(opts)
    print(soak.format_report(opts, res), flush=True)
    return 1 if res.problems else 0


if __name__ == "__main__":
    sys.exit(main())
