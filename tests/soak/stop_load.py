"""StopProvider under load: many creates and destroys in flight on one provider, then StopProvider.

Creates wait on images that stay `pending` (a long emulator pending delay); destroys hang in a
DeregisterImage the emulator holds back (a `delay` fault, after which it still runs the call, as a
slow EC2 would). Then, from another thread, StopProvider, as Terraform sends it on Ctrl-C. Measured
and checked:
  - every ApplyResourceChange returns within `bound` seconds of StopProvider (times: max, median);
  - no orphan: every image EC2 registered for a create is named by an ApplyResourceChange response
    (a create that stops half-way returns the id in its state, with an error), and no destroy drops
    from the state an image that is still registered;
  - GRPCController.Shutdown then ends the process with status 0 within `bound` seconds.
Plans are made before the faults are queued, so the holding faults hit the applies only.
"""
import collections
import threading
import time
from dataclasses import dataclass, field

from tests.driver import ProviderError

from .harness import AmiSession, Emulator, ami_body, launch_provider, median


@dataclass
class StopResult:
    problems: list
    returns: list  # seconds from StopProvider to each ApplyResourceChange's return (None: not returned)
    stop_call_s: float = None  # how long StopProvider itself took
    shutdown_s: float = None  # Shutdown call to process exit
    exit_status: int = None
    in_flight: dict = field(default_factory=dict)  # EC2 calls seen before Stop: creates waiting, deregisters held
    outcomes: collections.Counter = field(default_factory=collections.Counter)  # summary of diagnostics -> count


def _in_flight(emu):
    log = emu.requests()
    return {"creates_waiting": len({e["params"].get("ImageId.1") for e in log
                                    if e["action"] == "DescribeImages" and e["params"].get("ImageId.1")}),
            "deregisters_held": sum(1 for e in log if e["action"] == "DeregisterImage" and e["fault"] == "delay")}


def _settle(emu, want, timeout):
    """Waits until the emulator sees `want` calls in flight (creates polling, deregisters held), or
    their number stopped growing for a second: the provider may run fewer handlers at once than
    calls were sent. Returns the last count."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while True:
        seen = _in_flight(emu)
        total = sum(seen.values())
        if total >= want or time.monotonic() > deadline:
            return seen
        if total != last:
            last, since = total, time.monotonic()
        elif time.monotonic() - since > 1.0:
            return seen
        time.sleep(0.1)


def run(creates=50, destroys=50, bound=1.0, hold=30.0, binary=None, join_timeout=60.0):
    problems, returns = [], []
    res = StopResult(problems, returns)
    with Emulator("--pending-delay", "600", "--deregistered-linger", "60") as emu:
        p = launch_provider(binary, log_level="DEBUG")
        try:
            s = AmiSession(p, emu.url, plan_dry_run=False)
            jobs = []  # (kind, prior, planned, config, private)
            for i in range(creates):
                sid = f"snap-0{i:016x}"
                emu.snapshot(sid)
                body = ami_body(f"stop-create-{i}", [("/dev/xvda", sid)])
                pr = s.plan(None, body)
                jobs.append(("create", None, pr.planned_state, s.config(body), pr.planned_private))
            seeded = set()
            for i in range(destroys):
                sid = f"snap-1{i:016x}"
                emu.snapshot(sid)
                img = emu.image(name=f"stop-destroy-{i}", root_device_name="/dev/xvda",
                                block_device_mappings=[{"device_name": "/dev/xvda", "snapshot_id": sid}])
                seeded.add(img["image_id"])
                imp = p.import_state("ec2_ami", img["image_id"])
                state, private = s.read(imp.value[0].state, imp.value[0].private)
                jobs.append(("destroy", state, None, None, private))
            # Interleaved, so that both kinds are among the calls the provider takes first.
            creates_, destroys_ = jobs[:creates], jobs[creates:]
            jobs = [j for pair in zip(creates_, destroys_) for j in pair] + creates_[len(destroys_):] + \
                destroys_[len(creates_):]
            emu.clear_requests()
            if destroys:
                emu.faults({"kind": "delay", "action": "DeregisterImage", "count": destroys, "delay": hold})
            results = [None] * len(jobs)
            done_at = [None] * len(jobs)

            def call(k):
                _, prior, planned, cfg, private = jobs[k]
                try:
                    results[k] = p.apply("ec2_ami", prior, planned, cfg, private)
                except Exception as e:  # a gRPC failure is an outcome to report, not a crash here
                    results[k] = e
                done_at[k] = time.monotonic()

            threads = [threading.Thread(target=call, args=(k,), daemon=True) for k in range(len(jobs))]
            for t in threads:
                t.start()
            res.in_flight = _settle(emu, len(jobs), timeout=30)
            early = sum(1 for d in done_at if d is not None)
            if early:
                problems.append(f"{early} call(s) returned before StopProvider")
            t_stop = time.monotonic()
            try:
                err = p.stop(timeout=join_timeout)
            except ProviderError as e:
                err = str(e)
            res.stop_call_s = time.monotonic() - t_stop
            if err:
                problems.append(f"StopProvider failed after {res.stop_call_s:.1f} s: {err}")
            for t in threads:
                t.join(max(0.0, t_stop + join_timeout - time.monotonic()))
            returns += [d - t_stop if d is not None else None for d in done_at]
            late = [r for r in returns if r is None or r > bound]
            if late:
                problems.append(f"{len(late)} of {len(jobs)} call(s) did not return within {bound} s of StopProvider "
                                f"({sum(1 for r in late if r is None)} not within {join_timeout} s)")
            if res.stop_call_s > bound:
                problems.append(f"StopProvider itself took {res.stop_call_s:.2f} s")
            named = set()
            for k, r in enumerate(results):
                if r is None or isinstance(r, Exception):
                    res.outcomes[f"{jobs[k][0]}: {type(r).__name__}: {r}"[:160]] += 1
                    continue
                if isinstance(r.new_state, dict) and r.new_state.get("id"):
                    named.add(r.new_state["id"])
                res.outcomes[f"{jobs[k][0]}: " + ("; ".join(sorted({d.summary for d in r.diagnostics}))
                                                  or "no diagnostics")] += 1
            registered = {iid for iid, img in emu.images_by_id().items() if img["state"] != "deregistered"}
            orphans = registered - seeded - named
            dropped = [job[1]["id"] for job, r in zip(jobs, results) if job[0] == "destroy" and r is not None
                       and not isinstance(r, Exception) and r.new_state is None and job[1]["id"] in registered]
            if dropped:
                problems.append(f"{len(dropped)} destroy(s) returned a null state for an image still registered: "
                                f"{dropped[:5]}")
            if orphans:
                problems.append(f"{len(orphans)} image(s) registered by EC2 but named in no response (orphaned if the "
                                f"provider is killed now): {sorted(orphans)[:5]}")
            t0 = time.monotonic()
            try:
                p.shutdown(timeout=bound + 4)
            except Exception as e:  # the process may close the connection while answering
                problems.append(f"Shutdown call failed: {e}")
            res.exit_status = p.wait(bound + 4)
            res.shutdown_s = time.monotonic() - t0
            if res.exit_status is None:
                problems.append(f"the provider had not exited {bound + 4} s after Shutdown")
            elif res.exit_status != 0:
                problems.append(f"the provider exited with status {res.exit_status} (0 expected)")
            elif res.shutdown_s > bound:
                problems.append(f"the provider took {res.shutdown_s:.2f} s to exit after Shutdown")
        finally:
            if p.proc.poll() is None:
                p.kill()
    return res


def format_report(res, creates, destroys):
    got = [r for r in res.returns if r is not None]
    lines = [f"StopProvider under load: {creates} creates + {destroys} destroys sent at once; in flight at EC2 "
             f"before Stop: {res.in_flight}"]
    if got:
        lines.append(f"  Stop -> ApplyResourceChange return: median {median(got):.3f} s, max {max(got):.3f} s, "
                     f"{len(res.returns) - len(got)} not returned")
    if res.stop_call_s is not None:
        lines.append(f"  StopProvider call: {res.stop_call_s:.3f} s")
    if res.shutdown_s is not None:
        lines.append(f"  Shutdown -> exit: {res.shutdown_s:.3f} s, status {res.exit_status}")
    for k, v in sorted(res.outcomes.items()):
        lines.append(f"  {v:4d} x {k}")
    for p in res.problems:
        lines.append(f"PROBLEM: {p}")
    lines.append("stop_under_load: OK" if not res.problems else f"stop_under_load: {len(res.problems)} problem(s)")
    return "\n".join(lines)
