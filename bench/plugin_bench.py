#!/usr/bin/python3
"""Plugin transport benchmark: prints figures, asserts nothing.

Per run (a fresh provider process each time, launched as Terraform does, with AutoMTLS):
  - exec-to-handshake: from posix_spawn to the handshake line read from the pipe, in the main thread
    with no other work running (--launches of them per run, median), and the resident memory then,
    which is what a process that only serves the schema keeps; the launch through the test driver
    (subprocess with reader threads, next to grpcio's threads) is printed too: it adds the client's
    own latency;
  - GetProviderSchema latency: the first call (includes the TLS connection) and the median of warm calls;
  - peak RSS of the provider (VmHWM in /proc/<pid>/status) after the workload;
  - PlanResourceChange calls/s (an ec2_ami create plan, plan_dry_run = false, so no EC2 call) with N
    concurrent callers, next to the same client's calls/s on grpc.health.v1.Health/Check in the same run.
Medians over the runs are printed. The client is Python grpcio (futures over several channels); the
CPU use of client and provider is printed so one can tell which side is the bottleneck. When the
client is, both rates are bounded by the same client and the ratio still compares the two methods.
Then, when h2load (nghttp2's C load generator) is installed, the same two methods are driven by it:
a client far cheaper than the provider, so the provider's own cost per call decides the rates. That
pass runs twice, alternately: with the provider and h2load each on a CPU of its own (the client then
never competes with the provider, and Health/Check is the floor the client and transport set), and
with both free to share every CPU (the rates then also carry the client's cost). Last,
bench/plan_handler (built beside the provider) times the plan handler in-process on the same request,
next to what protobuf-c and msgpack-c alone take for it.

usage: plugin_bench.py [--binary PATH] [--runs 5] [--seconds 3] [--callers 10] [--channels 2] [--protocol 6]
                       [--launches 10] [--provider-env NAME=VALUE ...] [--rss-breakdown] [--h2load-only]
                       [--h2load-placement both|separate|shared]
"""
import argparse
import os
import re
import shutil
import subprocess
import tempfile
import signal
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.driver import MAGIC_COOKIE, Provider, default_binary, make_client_cert, proposed_new, protos  # noqa: E402
from tests.driver.config import decode_block  # noqa: E402
from tests.driver.plugin import MAGIC_COOKIE_KEY  # noqa: E402

PROVIDER_CONFIG = {"region": "us-east-1", "access_key": "AKIDEXAMPLE",
                   "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "plan_dry_run": False,
                   "max_retries": 0}
AMI = {"name": "bench-ami", "root_device_name": "/dev/xvda", "tags": {"bench": "yes"},
       "ebs_block_device": [{"device_name": "/dev/xvda", "snapshot_id": "snap-0123456789abcdef0"}]}
ENV = {"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
       "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": None, "TF_LOG": None}
CLK = os.sysconf("SC_CLK_TCK")


def status_kib(pid, field):
    """A KiB figure of /proc/<pid>/status: "VmHWM" (peak resident) or "VmRSS" (resident now)."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_breakdown(pid):
    """Resident KiB per mapping kind from /proc/<pid>/smaps: {"libcrypto.so.3 r-xp": KiB, ...};
    anonymous mappings are grouped as [anon] (thread stacks and malloc arenas included)."""
    out = {}
    key = None
    with open(f"/proc/{pid}/smaps") as fh:
        for line in fh:
            head = line.split(None, 5)
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                name = head[5].strip() if len(head) > 5 else "[anon]"
                key = f"{os.path.basename(name) if name.startswith('/') else name} {head[1]}"
            elif head and head[0] == "Rss:":
                out[key] = out.get(key, 0) + int(head[1])
    return out


def print_breakdown(label, pid):
    parts = rss_breakdown(pid)
    total = sum(parts.values())
    print(f"    RSS at {label}: {total} KiB", flush=True)
    for key, kib in sorted(parts.items(), key=lambda kv: -kv[1]):
        if kib >= 64:
            print(f"      {kib:7d} KiB  {key}")


def bare_launch(binary, args, kp):
    """One launch as Terraform makes it, timed from posix_spawn to the handshake line; returns
    (milliseconds, resident KiB right after the line). The provider is then stopped."""
    env = dict(os.environ)
    env.update({MAGIC_COOKIE_KEY: MAGIC_COOKIE, "PLUGIN_PROTOCOL_VERSIONS": str(args.protocol),
                "PLUGIN_CLIENT_CERT": kp.cert_pem.decode()})
    env.update({k: v for k, v in ENV.items() if v is not None})
    for k in [k for k, v in ENV.items() if v is None]:
        env.pop(k, None)
    r, w = os.pipe()
    try:
        t0 = time.monotonic()
        pid = os.posix_spawn(binary, [binary], env, setsid=True, file_actions=[
            (os.POSIX_SPAWN_DUP2, w, 1), (os.POSIX_SPAWN_CLOSE, r),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
        os.close(w)
        w = -1
        line = b""
        while b"\n" not in line:
            chunk = os.read(r, 4096)
            if not chunk:
                raise SystemExit(f"{binary} exited before the handshake")
            line += chunk
        ms = (time.monotonic() - t0) * 1000
        rss = status_kib(pid, "VmRSS")
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        return ms, rss
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime


def saturate(make_future, seconds, callers):
    """Keeps `callers` calls in flight for `seconds`; returns (completed calls, errors, elapsed)."""
    lock = threading.Lock()
    state = {"done": 0, "errors": 0, "inflight": 0}
    finished = threading.Event()
    deadline = time.monotonic() + seconds

    def start():
        with lock:
            state["inflight"] += 1
        make_future().add_done_callback(on_done)

    def on_done(fut):
        ok = fut.exception() is None
        with lock:
            state["inflight"] -= 1
            state["done" if ok else "errors"] += 1
            last = state["inflight"] == 0
        if time.monotonic() < deadline:
            start()
        elif last:
            finished.set()

    t0 = time.monotonic()
    for _ in range(callers):
        start()
    finished.wait(seconds + 30)
    return state["done"], state["errors"], time.monotonic() - t0


def configure_and_plan_request(p):
    """Configures provider p as the benchmark does; returns the serialized ConfigureProvider request
    and the PlanResourceChange request (an ec2_ami create) that the passes send."""
    schema = p.get_schema()
    pblock = schema.provider.block
    cfg = dict(PROVIDER_CONFIG)
    if "endpoints" in pblock.block_types and pblock.block_types["endpoints"].nesting in (2, 3):
        cfg["endpoints"] = [{"ec2": "http://127.0.0.1:9"}]
    else:
        cfg["endpoints"] = {"ec2": "http://127.0.0.1:9"}
    prepared = p.validate_provider_config(cfg).value
    diags = p.configure(prepared)
    if any(d.is_error for d in diags):
        raise SystemExit(f"ConfigureProvider failed: {diags}")
    configure = p.request("ConfigureProvider", terraform_version="1.11.4",
                          config=p.dynamic_value(prepared, pblock.type()))
    block = schema.resources["ec2_ami"].block
    ami = decode_block(block, AMI, {}, "ec2_ami.bench")
    plan = p.request("PlanResourceChange", type_name="ec2_ami",
                     prior_state=p.dynamic_value(None, block.type()),
                     proposed_new_state=p.dynamic_value(proposed_new(block, None, ami), block.type()),
                     config=p.dynamic_value(ami, block.type()))
    return configure.SerializeToString(), plan


def one_run(binary, args, kp):
    out = {}
    launches = [bare_launch(binary, args, kp) for _ in range(args.launches)]
    out["bare_ms"] = statistics.median(ms for ms, _ in launches)
    out["bare_rss_kib"] = statistics.median(rss for _, rss in launches)
    t0 = time.monotonic()
    p = Provider.launch(binary, protocol=args.protocol, versions=str(args.protocol), client_cert=kp, env=ENV)
    out["handshake_ms"] = (time.monotonic() - t0) * 1000
    try:
        if args.rss_breakdown:
            print_breakdown("the handshake (driver launch)", p.pid)
        t0 = time.monotonic()
        p.call("GetProviderSchema")
        out["schema_first_ms"] = (time.monotonic() - t0) * 1000
        warm = []
        for _ in range(20):
            t0 = time.monotonic()
            p.call("GetProviderSchema")
            warm.append((time.monotonic() - t0) * 1000)
        out["schema_warm_ms"] = statistics.median(warm)

        out["configure_request"], plan_req = configure_and_plan_request(p)
        if args.rss_breakdown:
            print_breakdown("ConfigureProvider", p.pid)
        block = p.get_schema().resources["ec2_ami"].block
        ami = decode_block(block, AMI, {}, "ec2_ami.bench")
        probe = p.plan("ec2_ami", None, proposed_new(block, None, ami), ami)
        if any(d.is_error for d in probe.diagnostics):
            raise SystemExit(f"PlanResourceChange failed: {probe.diagnostics}")

        channels = [p.channel] + [p.open_channel() for _ in range(args.channels - 1)]
        plan_stubs = [p.stub("PlanResourceChange", channel=c) for c in channels]
        health_req = b"\x0a\x06plugin"
        health_stubs = [c.unary_unary("/grpc.health.v1.Health/Check", request_serializer=lambda b: b,
                                      response_deserializer=lambda b: b) for c in channels]
        rr = {"i": 0}

        def pick(stubs):
            rr["i"] += 1
            return stubs[rr["i"] % len(stubs)]

        for name, make in (("plan", lambda: pick(plan_stubs).future(plan_req, timeout=30)),
                           ("health", lambda: pick(health_stubs).future(health_req, timeout=30))):
            c0, s0 = cpu_seconds(p.pid), time.process_time()
            done, errors, elapsed = saturate(make, args.seconds, args.callers)
            out[f"{name}_rps"] = done / elapsed
            out[f"{name}_errors"] = errors
            out[f"{name}_provider_cpu"] = (cpu_seconds(p.pid) - c0) / elapsed
            out[f"{name}_client_cpu"] = (time.process_time() - s0) / elapsed
        out["vmhwm_kib"] = status_kib(p.pid, "VmHWM")
        if args.rss_breakdown:
            print_breakdown("the end of the workload", p.pid)
        out["plan_request"] = plan_req.SerializeToString()
        for c in channels[1:]:
            c.close()
    finally:
        p.close()
    return out


def grpc_frame(message):
    """A unary gRPC request body: uncompressed flag, big-endian length, the message."""
    return b"\x00" + len(message).to_bytes(4, "big") + message


def h2load_rate(h2load, socket_path, path, body_file, requests, streams, cpu=None):
    """Calls/s of h2load sending `requests` copies of one gRPC request over ONE HTTP/2 connection
    with `streams` in flight, on CPU `cpu` when given; returns (rate, non-2xx or failed count)."""
    # taskset (util-linux) rather than a preexec_fn: this process runs grpcio's threads.
    pin = [] if cpu is None else ["taskset", "-c", str(cpu)]
    out = subprocess.run(pin + [h2load, f"--base-uri=unix:{socket_path}", "-n", str(requests), "-c", "1",
                                "-m", str(streams), "-d", body_file, "-H", "content-type: application/grpc",
                                "-H", "te: trailers", f"http://localhost{path}"],
                         capture_output=True, text=True, timeout=300)
    rate = re.search(r"finished in [^,]+, ([0-9.]+) req/s", out.stdout)
    ok = re.search(r"status codes: (\d+) 2xx", out.stdout)
    if out.returncode != 0 or rate is None or ok is None:
        raise SystemExit(f"h2load failed:\n{out.stdout}\n{out.stderr}")
    return float(rate.group(1)), requests - int(ok.group(1))


def sibling_cpus(cpu):
    """The CPUs that share cpu's core (hyperthreads), cpu included."""
    try:
        with open(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list") as fh:
            text = fh.read().strip()
    except OSError:
        return {cpu}
    out = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def separate_cpus():
    """(provider CPU, client CPU, same_core): two CPUs this process may use, on different cores
    when there are any; None with fewer than two CPUs."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    for other in cpus[1:]:
        if other not in sibling_cpus(cpus[0]):
            return cpus[0], other, False
    return cpus[0], cpus[1], True


def pin_process(pid, cpu):
    """Every thread of pid to CPU cpu, until none is left elsewhere (a thread started while this
    runs may copy its creator's old mask); threads started later inherit the new one."""
    for _ in range(10):
        moved = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                if os.sched_getaffinity(int(tid)) != {cpu}:
                    os.sched_setaffinity(int(tid), {cpu})
                    moved += 1
            except ProcessLookupError:
                pass  # a thread that just ended
        if moved == 0:
            return


def h2load_run(h2load, binary, args, plan_request, cpus=None):
    """The same two methods driven by h2load (nghttp2's C load generator): a client far cheaper than
    the Python one. h2load has no client certificates, so this provider serves plaintext (launched
    without PLUGIN_CLIENT_CERT, as go-plugin allows); both methods are measured the same way. With
    cpus = (provider CPU, client CPU), each side runs on a core of its own."""
    p = Provider.launch(binary, protocol=args.protocol, versions=str(args.protocol), tls=False, env=ENV)
    try:
        cfg = dict(PROVIDER_CONFIG, endpoints={"ec2": "http://127.0.0.1:9"})
        if any(d.is_error for d in p.configure(p.validate_provider_config(cfg).value)):
            raise SystemExit("ConfigureProvider failed in the h2load run")
        if cpus is not None:
            pin_process(p.pid, cpus[0])
        prefix = "tfplugin6.Provider" if args.protocol == 6 else "tfplugin5.Provider"
        out = {}
        with tempfile.TemporaryDirectory() as tmp:
            for name, path, msg in (("plan", f"/{prefix}/PlanResourceChange", plan_request),
                                    ("health", "/grpc.health.v1.Health/Check", b"\x0a\x06plugin")):
                body = os.path.join(tmp, name)
                with open(body, "wb") as fh:
                    fh.write(grpc_frame(msg))
                c0 = cpu_seconds(p.pid)
                t0 = time.monotonic()
                out[f"{name}_rps"], out[f"{name}_errors"] = h2load_rate(
                    h2load, p.handshake.addr, path, body, args.h2load_requests, args.callers,
                    None if cpus is None else cpus[1])
                out[f"{name}_provider_cpu"] = (cpu_seconds(p.pid) - c0) / (time.monotonic() - t0)
        return out
    finally:
        p.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--callers", type=int, default=10)
    ap.add_argument("--channels", type=int, default=2)
    ap.add_argument("--protocol", type=int, choices=(5, 6), default=6)
    ap.add_argument("--launches", type=int, default=10, help="bare launches per run for exec-to-handshake")
    ap.add_argument("--h2load-requests", type=int, default=100000,
                    help="requests per method in the h2load pass (skipped when h2load is not installed)")
    ap.add_argument("--provider-env", action="append", default=[], metavar="NAME=VALUE",
                    help="extra environment for the provider only (e.g. MALLOC_ARENA_MAX=2), repeatable")
    ap.add_argument("--h2load-placement", choices=("both", "separate", "shared"), default="both",
                    help="h2load pass with the provider and the client on separate CPUs, on shared "
                         "CPUs, or both (default; runs alternate)")
    ap.add_argument("--h2load-only", action="store_true",
                    help="only the h2load pass (the plan request is built without checking the plan's answer)")
    ap.add_argument("--rss-breakdown", action="store_true",
                    help="print resident KiB per mapping (/proc/<pid>/smaps) after the handshake, "
                         "ConfigureProvider and the workload")
    args = ap.parse_args()
    for item in args.provider_env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SystemExit(f"--provider-env wants NAME=VALUE, not {item!r}")
        ENV[name] = value
    binary = args.binary or default_binary()
    if not binary or not os.access(binary, os.X_OK):
        raise SystemExit("provider binary not found: pass --binary or set TF_PROVIDER_BIN")
    protos.module(args.protocol, binary)  # import the generated code before anything is timed
    kp = make_client_cert()  # Terraform makes one per launch; kept out of the timed launch here
    import grpc

    print(f"binary: {binary}")
    print(f"client: Python {sys.version.split()[0]} grpcio {grpc.__version__}, futures over {args.channels} "
          f"channel(s), {args.callers} calls in flight; protocol {args.protocol}; {args.runs} runs x "
          f"{args.seconds:g} s per method; {os.cpu_count()} CPU(s)")
    if args.provider_env:
        print(f"provider environment: {' '.join(args.provider_env)}")
    h2load = shutil.which("h2load")
    if args.h2load_only:
        if h2load is None:
            raise SystemExit("--h2load-only needs h2load (Debian package nghttp2-client)")
        p = Provider.launch(binary, protocol=args.protocol, versions=str(args.protocol), tls=False, env=ENV)
        try:
            _, plan_req = configure_and_plan_request(p)
        finally:
            p.close()
        h2load_pass(h2load, binary, args, plan_req.SerializeToString())
        return
    runs = []
    for i in range(args.runs):
        r = one_run(binary, args, kp)
        runs.append(r)
        print(f"  run {i + 1}: handshake {r['bare_ms']:.1f} ms (driver {r['handshake_ms']:.1f} ms), schema {r['schema_warm_ms']:.2f} ms, "
              f"plan {r['plan_rps']:.0f}/s, health {r['health_rps']:.0f}/s, VmHWM {r['vmhwm_kib']} KiB",
              flush=True)

    def med(k):
        return statistics.median(r[k] for r in runs)

    print()
    print(f"median over {len(runs)} runs")
    print(f"  exec to handshake line          {med('bare_ms'):8.1f} ms  (median of {args.launches} launches per run)")
    print(f"  ... launched by the test driver {med('handshake_ms'):8.1f} ms  (adds the Python client's own latency)")
    print(f"  RSS after the handshake         {med('bare_rss_kib') / 1024:8.1f} MiB  (a process that only serves the schema)")
    print(f"  GetProviderSchema, first call   {med('schema_first_ms'):8.2f} ms  (includes the TLS connection)")
    print(f"  GetProviderSchema, warm         {med('schema_warm_ms'):8.2f} ms")
    print(f"  peak RSS (VmHWM)                {med('vmhwm_kib') / 1024:8.1f} MiB")
    print(f"  PlanResourceChange              {med('plan_rps'):8.0f} calls/s  "
          f"(provider CPU {med('plan_provider_cpu') * 100:.0f}%, client CPU {med('plan_client_cpu') * 100:.0f}%, "
          f"errors {sum(r['plan_errors'] for r in runs)})")
    print(f"  Health/Check (same client)      {med('health_rps'):8.0f} calls/s  "
          f"(provider CPU {med('health_provider_cpu') * 100:.0f}%, client CPU {med('health_client_cpu') * 100:.0f}%, "
          f"errors {sum(r['health_errors'] for r in runs)})")
    ratio = med("plan_rps") / med("health_rps") if med("health_rps") else 0
    print(f"  plan / health ratio             {ratio:8.2f}")
    busy = med("health_client_cpu") + med("health_provider_cpu")
    print(f"  note: client is Python grpcio (one GIL); on Health/Check it used {med('health_client_cpu') * 100:.0f}% of a")
    print(f"        core and client + provider {busy * 100:.0f}% of {os.cpu_count()} shared CPU(s). Both rates come from the")
    print("        same client in the same run: a ratio near 1 means the client and transport bound them and")
    print("        the plan handler's own cost is below what this client can resolve.")

    if h2load is None:
        print("\nh2load (Debian package nghttp2-client) not installed: no C-client pass")
        return
    h2load_pass(h2load, binary, args, runs[0]["plan_request"])
    handler_pass(binary, runs[0])


def h2load_pass(h2load, binary, args, plan_request):
    """Runs the h2load measurement args.runs times per placement, alternating placements so that
    a slow spell of the machine hits both alike, then prints each placement's medians."""
    cpus = separate_cpus()
    placements = []
    if args.h2load_placement in ("both", "separate"):
        if cpus is None:
            print("\nonly one CPU: no pass with the provider and the client on separate cores")
        else:
            placements.append(("separate", cpus))
    if args.h2load_placement in ("both", "shared"):
        placements.append(("shared", None))
    results = {name: [] for name, _ in placements}
    for _ in range(args.runs):
        for name, pin in placements:
            results[name].append(h2load_run(h2load, binary, args, plan_request, pin))
    for name, pin in placements:
        print_h2load(args, results[name], name, pin)


def print_h2load(args, h2, placement, cpus):
    def hmed(k):
        return statistics.median(r[k] for r in h2)

    print()
    print(f"C client: h2load, one plaintext HTTP/2 connection, {args.callers} streams in flight, "
          f"{args.h2load_requests} calls per method, median of {len(h2)} runs")
    if placement == "separate":
        same_core = " (hyperthreads of one core)" if cpus[2] else ""
        print(f"  provider on CPU {cpus[0]}, h2load on CPU {cpus[1]}{same_core}: the client never takes the provider's")
        print("  CPU, so Health/Check shows the rate of the client and transport alone (the floor) and")
        print("  PlanResourceChange what the provider's own work allows next to it")
    else:
        print("  provider and h2load wherever the scheduler puts them: both share every CPU, so the")
        print("  rates also carry the client's cost and the cross-CPU wake-ups between the two")
    for name, label in (("plan", "PlanResourceChange"), ("health", "Health/Check")):
        us = [r[f"{name}_provider_cpu"] / r[f"{name}_rps"] * 1e6 for r in h2]
        print(f"  {label:31s} {hmed(name + '_rps'):8.0f} calls/s  (provider CPU {hmed(name + '_provider_cpu') * 100:.0f}%, "
              f"{statistics.median(us):.1f} us per call; failed {sum(r[name + '_errors'] for r in h2)})")
    per_run = ", ".join(f"{r['plan_rps'] / r['health_rps']:.2f}" for r in h2)
    print(f"  plan / health ratio             {hmed('plan_rps') / hmed('health_rps'):8.2f}  (per run: {per_run})")


def handler_pass(binary, run):
    """The plan handler alone, in-process (bench/plan_handler.c, built beside the provider as
    <build>/bench/plan_handler), on the very requests the passes above sent."""
    tool = os.path.join(os.path.dirname(os.path.abspath(binary)), "bench", "plan_handler")
    if not os.access(tool, os.X_OK):
        print(f"\n{tool} not built: no in-process pass")
        return
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name in ("configure_request", "plan_request"):
            files.append(os.path.join(tmp, name))
            with open(files[-1], "wb") as fh:
                fh.write(run[name])
        env = dict(os.environ, TF_LOG="off", TF_LOG_PROVIDER="off")
        out = subprocess.run([tool] + files, capture_output=True, text=True, env=env, timeout=300)
    print()
    print("In-process: the plan handler without the transport (hot caches), and the part of it the")
    print("libraries alone take (bench/plan_handler.c)")
    print(out.stdout.rstrip() if out.returncode == 0 else f"  plan_handler failed: {out.stderr.strip()}")

if __name__ == "__main__":
    main()
