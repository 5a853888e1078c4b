"""The soak: N ec2_ami resources through create -> no-change plan -> update -> destroy on ONE provider
process at a given parallelism (like terraform -parallelism=10 over one gRPC connection), against
one emulator injecting random faults, then the invariants checked.

Phases run like Terraform commands over the whole fleet, each one a barrier:
  create   apply: plan, final plan, ApplyResourceChange (each resource: own root and data snapshots;
           every `share_every`-th one's data device is the snapshot of a separately seeded keeper image)
  verify   ReadResource must equal the state, and the emulator's image must match it
  plan     refresh (ReadResource) + plan: must be a no-op
  update   refresh + apply with a new description and tags: in place, same id
  verify   as above, with the new values
  destroy  refresh + plan to null + ApplyResourceChange to null (delete_snapshots = true)
Checked at the end (SoakResult.problems, empty when all hold): every step succeeded; the provider
is alive and exits 0 on GRPCController.Shutdown; no image is left registered but the keepers; no
snapshot is left but the keepers' (which must still exist); every faulted EC2 call is accounted for
by a retry line (or a give-up line) in the provider's log.
"""
import collections
import concurrent.futures
import re
import time
from dataclasses import dataclass, field

from .harness import GIVE_UP_RE, RETRY_RE, AmiSession, Emulator, StepError, ami_body, launch_provider, \
    log_messages, proc_figures

FAULT_KINDS = ["throttle", "internal-error", "unavailable", "drop", "drop-after", "truncate", "delay"]
# A fault that makes the attempt fail (so the client must retry it); "delay" only slows it.
FAILING_KINDS = {"throttle", "internal-error", "unavailable", "drop", "drop-after", "truncate"}
DROP_KINDS = {"drop", "drop-after"}
SNAP_RE = re.compile(r"snap-[0-9a-f]+")


@dataclass
class SoakOptions:
    count: int = 1000
    concurrency: int = 10
    fault_rate: float = 0.05
    seed: int = 1
    kinds: list = field(default_factory=lambda: list(FAULT_KINDS))
    fault_delay: float = 0.3  # seconds a "delay" fault holds the call
    pending_delay: float = 0.2
    share_every: int = 20
    max_retries: int = 5  # the provider's max_retries; at its default (2) random faults exhaust it
    binary: str = None
    log_level: str = "DEBUG"
    progress: object = None  # callable(str) for progress lines, or None


@dataclass
class Resource:
    index: int
    name: str
    devices: list  # [(device name, snapshot id)], the root first
    state: dict = None
    private: bytes = b""
    image_id: str = None
    failed: str = None  # "step: messages" of the first failure; the lifecycle stops there


@dataclass
class SoakResult:
    problems: list
    figures: dict
    failures: list  # (resource name, failure text)
    retry_table: dict  # action -> {"faults", "failing_faults", "drops", "retries", "give_ups", "silent"}
    calls: dict  # phase -> {action: count}


def _snap(kind, i):
    return f"snap-{kind}{i:016x}"


class Soak:
    def __init__(self, opts):
        self.o = opts
        self.phases = []  # (name, wall seconds, request_count at the end)
        self.resources = []
        self.keepers = {}  # image id -> snapshot id

    def say(self, text):
        if self.o.progress:
            self.o.progress(text)

    # --- setup -------------------------------------------------------------------------------

    def seed(self, emu):
        o = self.o
        for k in range((o.count + o.share_every - 1) // o.share_every if o.share_every else 0):
            sid = _snap(2, k)
            emu.snapshot(sid)
            img = emu.image(name=f"keeper-{k:05d}", root_device_name="/dev/xvda",
                            block_device_mappings=[{"device_name": "/dev/xvda", "snapshot_id": sid}])
            self.keepers[img["image_id"]] = sid
        keeper_snaps = list(self.keepers.values())
        for i in range(o.count):
            root = _snap(0, i)
            emu.snapshot(root)
            r = Resource(i, f"soak-{o.seed}-{i:05d}", [("/dev/xvda", root)])
            if o.share_every and i % o.share_every == 0:
                r.devices.append(("/dev/sdb", keeper_snaps[i // o.share_every]))
            else:
                emu.snapshot(_snap(1, i))
                r.devices.append(("/dev/sdb", _snap(1, i)))
            self.resources.append(r)

    def body(self, r, stage):
        tags = {"Soak": str(self.o.seed), "Index": str(r.index)}
        if stage == 2:
            tags.update(Stage="updated", Index=f"{r.index}-b")
        return ami_body(r.name, r.devices, description=f"soak image {r.index} v{stage}", tags=tags,
                        delete_snapshots=True)

    # --- phases ------------------------------------------------------------------------------

    def run_phase(self, name, pool, emu, fn):
        live = [r for r in self.resources if r.failed is None]
        start = time.monotonic()

        def one(r):
            try:
                fn(r)
            except StepError as e:
                r.failed = f"{name}: {e}"
                if e.new_state and isinstance(e.new_state, dict) and e.new_state.get("id"):
                    r.image_id = r.image_id or e.new_state["id"]
            except Exception as e:  # a gRPC failure or a driver error: recorded, never fatal
                r.failed = f"{name}: {type(e).__name__}: {e}"

        list(pool.map(one, live))
        wall = time.monotonic() - start
        self.phases.append((name, wall, emu.state()["request_count"]))
        bad = sum(1 for r in live if r.failed)
        self.say(f"  {name:8s} {len(live):5d} resources in {wall:7.1f} s, {bad} failed")

    def create(self, s, r):
        body = self.body(r, 1)
        s.validate(body)
        r.state, r.private = s.apply(None, body, step="create")
        r.image_id = r.state["id"]

    def refresh(self, s, r, step):
        new, r.private = s.read(r.state, r.private, step=step)
        if new is None:
            raise StepError(step, [f"image {r.image_id} vanished"])
        if not s.equal(new, r.state):
            raise StepError(step, [f"refresh drifted from the applied state at {s.differences(r.state, new)}"])
        r.state = new

    def plan_noop(self, s, r):
        self.refresh(s, r, "plan/refresh")
        pr = s.plan(r.state, self.body(r, 1), r.private, step="plan")
        if not s.plan_is_noop(r.state, pr):
            raise StepError("plan", [f"changes planned for an unchanged configuration at "
                                     f"{s.differences(r.state, pr.planned_state)}"])

    def update(self, s, r):
        self.refresh(s, r, "update/refresh")
        r.state, r.private = s.apply(r.state, self.body(r, 2), r.private, step="update")
        if r.state["id"] != r.image_id:
            raise StepError("update", [f"the image was replaced: {r.image_id} -> {r.state['id']}"])

    def destroy(self, s, r):
        self.refresh(s, r, "destroy/refresh")
        s.destroy(r.state, r.private)
        r.state = None

    def verify(self, s, r, images, stage):
        """The state agrees with a fresh ReadResource and with the emulator's image."""
        self.refresh(s, r, f"verify{stage}")
        img = images.get(r.image_id)
        want = self.body(r, stage)
        problems = []
        if img is None:
            problems.append(f"image {r.image_id} is not in the emulator")
        else:
            got_devices = sorted((b["device_name"], (b.get("ebs") or {}).get("snapshot_id"))
                                 for b in img["block_device_mappings"])
            checks = [("state", img["state"], "available"), ("name", img["name"], want["name"]),
                      ("description", img["description"], want["description"]),
                      ("tags", img["tags"], want["tags"]), ("devices", got_devices, sorted(r.devices)),
                      ("state.description", r.state["description"], want["description"]),
                      ("state.tags", r.state["tags"], want["tags"]),
                      ("state.root_snapshot_id", r.state["root_snapshot_id"], r.devices[0][1])]
            problems += [f"{what}: {got!r} where {exp!r} was expected" for what, got, exp in checks if got != exp]
        if problems:
            raise StepError(f"verify{stage}", problems)

    # --- the run -----------------------------------------------------------------------------

    def run(self):
        o = self.o
        problems, figures = [], {}
        emu = Emulator("--pending-delay", str(o.pending_delay), "--deregistered-linger", "1")
        p = s = None
        try:
            self.seed(emu)
            p = launch_provider(o.binary, log_level=o.log_level)
            s = AmiSession(p, emu.url, max_retries=o.max_retries)
            emu.clear_requests()
            if o.fault_rate > 0:
                emu.faults({"rate": o.fault_rate, "kinds": o.kinds, "seed": o.seed, "delay": o.fault_delay})
            self.say(f"soak: {o.count} resources, parallelism {o.concurrency}, fault rate {o.fault_rate}, "
                     f"seed {o.seed}, provider pid {p.pid}")
            cpu0 = time.process_time()
            wall0 = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(o.concurrency) as pool:
                self.run_phase("create", pool, emu, lambda r: self.create(s, r))
                images = emu.images_by_id()
                self.run_phase("verify1", pool, emu, lambda r: self.verify(s, r, images, 1))
                self.run_phase("plan", pool, emu, lambda r: self.plan_noop(s, r))
                self.run_phase("update", pool, emu, lambda r: self.update(s, r))
                images = emu.images_by_id()
                self.run_phase("verify2", pool, emu, lambda r: self.verify(s, r, images, 2))
                self.run_phase("destroy", pool, emu, lambda r: self.destroy(s, r))
            figures["wall_s"] = time.monotonic() - wall0
            figures["driver_cpu_s"] = time.process_time() - cpu0
            emu.clear_faults()
            if p.proc.poll() is not None:
                problems.append(f"the provider died during the run (exit status {p.proc.returncode})")
            else:
                figures["provider"] = proc_figures(p.pid)
            figures["emulator"] = emu.figures()
            log = emu.requests()
            rc = p.close(grace=5)
            figures["exit_status"] = rc
            if rc != 0:
                problems.append(f"the provider exited with status {rc} after Shutdown (0 expected)")
            problems += self.check_leftovers(emu)
            retry_table, retry_problems = self.check_retries(log, log_messages(p))
            problems += retry_problems
            calls = self.calls_by_phase(log)
            levels = collections.Counter(level for level, _ in log_messages(p))
            figures["log_levels"] = dict(levels)
            figures["requests"] = len(log)
            figures["faulted_requests"] = sum(1 for e in log if e["fault"])
        finally:
            if p is not None and p.proc.poll() is None:
                p.kill()
            emu.stop()
        failures = [(r.name, r.failed) for r in self.resources if r.failed]
        if failures:
            problems.append(f"{len(failures)} of {o.count} lifecycles failed; first: {failures[0][1]}")
        figures["phases"] = [(n, w) for n, w, _ in self.phases]
        diags = s.diagnostics if s is not None else []
        figures["warnings"] = collections.Counter(SNAP_RE.sub("snap-*", d.summary) for _, d in diags if not d.is_error)
        figures["error_diagnostics"] = sum(1 for _, d in diags if d.is_error)
        return SoakResult(problems, figures, failures, retry_table, calls)

    def check_leftovers(self, emu):
        problems = []
        images = emu.images_by_id()
        registered = {i for i, img in images.items() if img["state"] != "deregistered"}
        stray = registered - set(self.keepers)
        if stray:
            problems.append(f"{len(stray)} image(s) left registered: {sorted(stray)[:5]}")
        lost = [k for k in self.keepers if images.get(k, {}).get("state") != "available"]
        if lost:
            problems.append(f"keeper image(s) no longer available: {lost[:5]}")
        snaps = emu.snapshot_ids()
        kept = set(self.keepers.values())
        extra = snaps - kept
        if extra:
            problems.append(f"{len(extra)} snapshot(s) left that no keeper uses: {sorted(extra)[:5]}")
        if kept - snaps:
            problems.append(f"keeper snapshot(s) deleted although a registered image uses them: "
                            f"{sorted(kept - snaps)[:5]}")
        return problems

    def check_retries(self, log, messages):
        """Every failing fault the emulator injected must show in the provider's log as a retry
        (or a give-up), action by action. One exception, measured and reported: a connection
        dropped before any response byte on a REUSED keep-alive connection is re-sent once by libcurl
        itself, below the client's retry loop, so it leaves no line ("silent"). Hence per action:
        failing faults without drops <= logged lines <= failing faults."""
        table = collections.defaultdict(lambda: {"faults": 0, "failing_faults": 0, "drops": 0, "retries": 0,
                                                 "give_ups": 0, "silent": 0})
        for e in log:
            if e["fault"]:
                row = table[e["action"]]
                row["faults"] += 1
                if e["fault"] in FAILING_KINDS:
                    row["failing_faults"] += 1
                if e["fault"] in DROP_KINDS:
                    row["drops"] += 1
        for _, msg in messages:
            m = RETRY_RE.match(msg)
            if m:
                table[m.group(1)]["retries"] += 1
                continue
            m = GIVE_UP_RE.match(msg)
            if m:
                table[m.group(1)]["give_ups"] += 1
        problems = []
        for action, row in sorted(table.items()):
            logged = row["retries"] + row["give_ups"]
            row["silent"] = row["failing_faults"] - logged
            if not row["failing_faults"] - row["drops"] <= logged <= row["failing_faults"]:
                problems.append(f"{action}: {row['failing_faults']} failing fault(s) injected ({row['drops']} drops) "
                                f"but {row['retries']} retry and {row['give_ups']} give-up line(s) logged")
        return dict(table), problems

    def calls_by_phase(self, log):
        """EC2 requests (attempts, retries included) per phase and action."""
        out = {}
        start = 0
        for name, _, end in self.phases:
            c = collections.Counter(e["action"] for e in log if start < e["seq"] <= end)
            out[name] = dict(c)
            start = end
        return out


def run(opts):
    return Soak(opts).run()


def format_report(opts, res):
    """Human-readable figures."""
    f = res.figures
    n = opts.count
    lines = [f"soak: count={n} concurrency={opts.concurrency} fault_rate={opts.fault_rate} seed={opts.seed} "
             f"pending_delay={opts.pending_delay}s max_retries={opts.max_retries}"]
    if "wall_s" in f:
        lines.append(f"wall time            {f['wall_s']:.1f} s ({f['wall_s'] / n:.3f} s per lifecycle at parallelism "
                     f"{opts.concurrency})")
        for name, wall in f["phases"]:
            lines.append(f"  phase {name:8s}     {wall:.1f} s")
    if "provider" in f:
        pv = f["provider"]
        lines.append(f"provider CPU         {pv['cpu_s']:.2f} s total, {1000 * pv['cpu_s'] / n:.2f} ms per lifecycle; "
                     f"peak RSS (VmHWM) {pv['VmHWM'] / 1024:.1f} MiB")
    if "driver_cpu_s" in f:
        lines.append(f"driver CPU (Python)  {f['driver_cpu_s']:.2f} s; emulator CPU {f['emulator']['cpu_s']:.2f} s")
    if "requests" in f:
        lines.append(f"EC2 requests         {f['requests']} ({f['requests'] / n:.2f} per lifecycle), "
                     f"{f['faulted_requests']} faulted")
        total = collections.Counter()
        for c in res.calls.values():
            total.update(c)
        lines.append("  per lifecycle by action (all phases, verify included):")
        for action, count in sorted(total.items(), key=lambda kv: -kv[1]):
            lines.append(f"    {action:40s} {count / n:6.2f}")
        lines.append("  per lifecycle by phase:")
        for phase, c in res.calls.items():
            lines.append(f"    {phase:8s} " + ", ".join(f"{a} {v / n:.2f}" for a, v in sorted(c.items())))
    if res.retry_table:
        lines.append("faults vs retry log lines per action: injected, failing (drops), retry lines, give-up lines, "
                     "silent libcurl re-sends:")
        for action, row in sorted(res.retry_table.items()):
            lines.append(f"    {action:28s} {row['faults']:5d} {row['failing_faults']:5d} ({row['drops']:3d}) "
                         f"{row['retries']:5d} {row['give_ups']:5d} {row['silent']:5d}")
    lines.append(f"provider log levels  {f.get('log_levels')}; exit status {f.get('exit_status')}")
    if f.get("warnings"):
        lines.append(f"warning diagnostics  {dict(f['warnings'])}")
    lines.append(f"error diagnostics    {f.get('error_diagnostics')}")
    for name, text in res.failures[:10]:
        lines.append(f"FAILED {name}: {text}")
    for p in res.problems:
        lines.append(f"PROBLEM: {p}")
    lines.append("soak: OK" if not res.problems else f"soak: {len(res.problems)} problem(s)")
    return "\n".join(lines)

