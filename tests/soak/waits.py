"""How well the provider waits: the time from the moment an image becomes available (or gone) to
the moment ApplyResourceChange returns, and the DescribeImages polls each wait costs.

The emulator registers an image `pending` and turns it `available` exactly --pending-delay seconds
after the RegisterImage request, so that moment is known from its request log (same host clock as
ours). A deregistered image is described as `deregistered` at once, so a destroy's wait is over at
the DeregisterImage request. No faults: this measures the schedule, not the retries.
"""
import concurrent.futures
import time
from dataclasses import dataclass

from .harness import AmiSession, Emulator, ami_body, launch_provider, median

# The waiter's defaults (ec2/ec2.h, struct ec2_waiter_opts): used to print the expected schedule.
WAITER_INITIAL_S, WAITER_MULTIPLIER, WAITER_CAP_S = 0.25, 1.5, 10.0
WAITER_SETTLE_DELAY_S, WAITER_SETTLE_S = 0.7, 10.0


@dataclass
class Wait:
    kind: str  # "create" or "destroy"
    pending: float  # the emulator's pending delay (create) or 0 (destroy)
    ready_at: float  # epoch seconds the image became available (create) or gone (destroy)
    returned_at: float  # epoch seconds ApplyResourceChange returned
    polls: list  # epoch seconds of every DescribeImages during the wait (ids = this image)

    @property
    def overhead(self):
        return self.returned_at - self.ready_at

    @property
    def poll_lag(self):
        """From ready to the first poll after it: the part the schedule alone decides."""
        after = [t for t in self.polls if t >= self.ready_at]
        return after[0] - self.ready_at if after else None


def expected_polls(span):
    """Poll times (seconds after the start of the wait) of the default schedule up to span."""
    out, t, d = [], 0.0, WAITER_INITIAL_S
    while True:
        d = min(d, WAITER_SETTLE_DELAY_S if t < WAITER_SETTLE_S else WAITER_CAP_S)
        if t + d > span:
            return out
        t += d
        out.append(t)
        d = min(d * WAITER_MULTIPLIER, WAITER_CAP_S)


def _describes_of(log, image_id):
    return [e["time"] for e in log if e["action"] == "DescribeImages" and e["params"].get("ImageId.1") == image_id]


def measure(pending, count, binary=None, destroy=True, name_prefix="wait"):
    """count images created at once (then destroyed at once) against an emulator whose pending
    delay is `pending` seconds; returns [Wait]."""
    waits = []
    with Emulator("--pending-delay", str(pending), "--deregistered-linger", "30") as emu:
        p = launch_provider(binary, log_level="INFO")
        try:
            s = AmiSession(p, emu.url)
            bodies = []
            for i in range(count):
                sid = f"snap-0{i:016x}"
                emu.snapshot(sid)
                bodies.append(ami_body(f"{name_prefix}-{i}", [("/dev/xvda", sid)]))

            def create(body):
                pr = s.plan(None, body)
                ar = p.apply("ec2_ami", None, pr.planned_state, s.config(body), pr.planned_private)
                done = time.time()
                if ar.new_state is None or any(d.is_error for d in ar.diagnostics):
                    raise RuntimeError(f"create failed: {[d.summary for d in ar.diagnostics]}")
                return ar.new_state, ar.private, done

            def destroy(st_priv):
                st, priv = st_priv
                ar = p.apply("ec2_ami", st, None, None, priv)
                if any(d.is_error for d in ar.diagnostics):
                    raise RuntimeError(f"destroy failed: {[d.summary for d in ar.diagnostics]}")
                return time.time()

            with concurrent.futures.ThreadPoolExecutor(max(1, count)) as pool:
                created = list(pool.map(create, bodies))
                ended = list(pool.map(destroy, [(c[0], c[1]) for c in created])) if destroy else []
            log = emu.requests()
        finally:
            p.close(grace=5)
    for i, (st, _, done) in enumerate(created):
        image_id = st["id"]
        reg = next(e for e in log if e["action"] == "RegisterImage" and e["params"].get("DryRun") != "true"
                   and e["params"].get("Name") == bodies[i]["name"] and e["status"] == 200)
        polls = [t for t in _describes_of(log, image_id) if reg["time"] <= t <= done]
        waits.append(Wait("create", pending, reg["time"] + pending, done, polls))
        if destroy:
            dereg = next(e for e in log if e["action"] == "DeregisterImage" and e["params"].get("DryRun") != "true"
                         and e["params"].get("ImageId") == image_id)
            polls = [t for t in _describes_of(log, image_id) if dereg["time"] <= t <= ended[i]]
            waits.append(Wait("destroy", 0.0, dereg["time"], ended[i], polls))
    return waits


def long_wait(pending, binary=None):
    """One create against a long pending delay: the polls' spacing once the backoff is capped.
    Returns the Wait (no destroy)."""
    return [w for w in measure(pending, 1, binary, destroy=False, name_prefix="long") if w.kind == "create"][0]


def summarize(waits):
    """{kind: {"n", "median_overhead", "max_overhead", "median_lag", "median_polls"}}."""
    out = {}
    for kind in ("create", "destroy"):
        ws = [w for w in waits if w.kind == kind]
        if ws:
            out[kind] = {"n": len(ws), "median_overhead": median([w.overhead for w in ws]),
                         "max_overhead": max(w.overhead for w in ws),
                         "median_lag": median([w.poll_lag for w in ws if w.poll_lag is not None]),
                         "median_polls": median([len(w.polls) for w in ws])}
    return out
