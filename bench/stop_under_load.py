#!/usr/bin/python3
"""StopProvider under load: creates waiting on pending images and destroys held in DeregisterImage,
all in flight on one provider, then StopProvider; prints the time from Stop to each call's return
(median, max), the orphan check and the Shutdown timing; exits 1 when a bound is missed.

  /usr/bin/python3 bench/stop_under_load.py --creates 50 --destroys 50     # 100 calls in flight
  /usr/bin/python3 bench/stop_under_load.py --creates 5 --destroys 5       # terraform's -parallelism=10
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.soak import stop_load  # noqa: E402
from tests.soak.harness import provider_binary  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--creates", type=int, default=50)
    ap.add_argument("--destroys", type=int, default=50)
    ap.add_argument("--bound", type=float, default=1.0, help="seconds every call must return within (default 1)")
    ap.add_argument("--hold", type=float, default=30.0, help="seconds the emulator holds each DeregisterImage")
    ap.add_argument("--join-timeout", type=float, default=60.0,
                    help="seconds to wait for StopProvider and the calls before giving up (default 60)")
    ap.add_argument("--binary", help="provider binary")
    a = ap.parse_args()
    res = stop_load.run(a.creates, a.destroys, a.bound, a.hold, a.binary or provider_binary(), a.join_timeout)
    print(stop_load.format_report(res, a.creates, a.destroys))
    return 1 if res.problems else 0


if __name__ == "__main__":
    sys.exit(main())
