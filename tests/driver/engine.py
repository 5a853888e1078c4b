"""The Terraform-like engine: plan, apply, destroy, refresh and import over a .tf.json configuration
and a state file, with Terraform core's rules enforced on every provider answer.

One provider process per command, as Terraform does: launch, GetProviderSchema, validate the
provider and every block (references unknown), ConfigureProvider, UpgradeResourceState and
ReadResource for everything in state, then plan each resource in dependency order. Apply re-plans
each change with the now-known references ("final plan", which must agree with the first) before
ApplyResourceChange, and saves the state after every object. Output is Terraform's text.
"""
import glob
import io
import json
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import grpc

from . import rules
from .config import Config, ConfigError, decode_block, evaluate
from .plugin import Diagnostic, HandshakeError, Provider, ProviderError, has_errors
from .render import render_diagnostic, render_plan
from .state import Instance, State
from .values import UNKNOWN, TypeMismatch, equal, is_known, render, to_json

BUG = "This is a bug in the provider, which should be reported in the provider's own issue tracker."


class _Abort(Exception):
    """Stops the command after its diagnostics have been reported."""


class _Failed(Exception):
    """Stops work on one resource after its diagnostics have been reported."""


@dataclass
class Change:
    addr: str
    mode: str
    type: str
    name: str
    action: str  # create, update, delete, replace, read, no-op
    block: object
    before: object = None
    after: object = None
    replace_paths: list = field(default_factory=list)
    planned_private: bytes = b""
    prior_private: bytes = b""
    tainted: bool = False
    create_before_destroy: bool = False


@dataclass
class Reported:
    diagnostic: Diagnostic
    addr: str = None  # "provider", a resource address, or None


@dataclass
class Outcome:
    command: str
    exit_code: int
    changes: list
    diagnostics: list  # of Reported
    output: str
    state: State
    provider_stderr: str = ""

    def errors(self):
        return [r.diagnostic for r in self.diagnostics if r.diagnostic.is_error]

    def warnings(self):
        return [r.diagnostic for r in self.diagnostics if not r.diagnostic.is_error]

    def change(self, addr):
        return next((c for c in self.changes if c.addr == addr), None)


class Driver:
    """Runs Terraform-like commands. config: a dict, JSON text, a .tf.json path or a directory;
    state_path: the state file (None keeps state in memory for the Driver's life); binary: the
    provider; env: extra environment for the provider (AWS_* and so on); stdout/stderr: streams to
    echo output to (None: only collected in Outcome.output)."""

    def __init__(self, config, state_path=None, binary=None, protocol=6, env=None, stdout=None,
                 stderr=None, refresh=True, launch_timeout=10.0, progress_interval=10.0):
        self.config = config if isinstance(config, Config) else Config.load(config)
        self.state_path = state_path
        self.binary = binary
        self.protocol = protocol
        self.env = env
        self.stdout, self.stderr = stdout, stderr
        self.do_refresh = refresh
        self.launch_timeout = launch_timeout
        self.progress_interval = progress_interval
        self._memory_state = None
        self.interrupted = False
        self.p = None

    # --- public commands ----------------------------------------------------------------------

    def plan(self):
        return self._run("plan", self._cmd_plan)

    def apply(self):
        return self._run("apply", self._cmd_apply)

    def destroy(self):
        return self._run("destroy", self._cmd_destroy)

    def refresh(self):
        return self._run("refresh", self._cmd_refresh)

    def import_(self, addr, id_):
        return self._run("import", lambda: self._cmd_import(addr, id_))

    def interrupt(self):
        """What Terraform does on the first Ctrl-C: StopProvider (from another thread, so the
        running call can return), and no new operation starts. Safe to call from a signal handler."""
        self.interrupted = True
        self._say("", "Interrupt received.", "Please wait for Terraform to exit or data loss may occur.",
                  "Gracefully shutting down...", "")
        p = self.p
        if p is not None:
            threading.Thread(target=_stop_quietly, args=(p,), daemon=True).start()

    def load_state(self):
        if self.state_path is None:
            return self._memory_state or State(provider_name=self.config.provider_name)
        return State.load(self.state_path, self.config.provider_name)

    # --- machinery ----------------------------------------------------------------------------

    def _run(self, command, body):
        self.buf = io.StringIO()
        self.reported = []
        self.changes = []
        self.p = None
        self.state = None
        self.interrupted = False
        code = 0
        try:
            self.state = self.load_state()
            body()
        except _Abort:
            pass
        except ConfigError as e:
            self._config_error(e)
        finally:
            stderr_text = ""
            if self.p is not None:
                self.p.close()
                stderr_text = self.p.stderr_text()
        if any(r.diagnostic.is_error for r in self.reported):
            code = 1
        return Outcome(command, code, self.changes, self.reported, self.buf.getvalue(),
                       self.state, stderr_text)

    def _say(self, *lines):
        for line in lines:
            self.buf.write(line + "\n")
            if self.stdout:
                self.stdout.write(line + "\n")
                self.stdout.flush()

    @contextmanager
    def _progress(self, label, verb):
        """Prints "<label>: Still <verb>... [Ns elapsed]" every progress_interval seconds while a
        long call runs, as Terraform does."""
        stop = threading.Event()
        start = time.monotonic()

        def tick():
            while not stop.wait(self.progress_interval):
                self._say(f"{label}: Still {verb}... [{int(time.monotonic() - start)}s elapsed]")

        t = threading.Thread(target=tick, daemon=True)
        t.start()
        try:
            yield
        finally:
            stop.set()
            t.join()

    def _report(self, diags, addr):
        for d in diags:
            self.reported.append(Reported(d, addr))
            text = render_diagnostic(d, addr, self.config, self.config.provider_name)
            stream = self.stderr if d.is_error else self.stdout
            for line in text:
                self.buf.write(line + "\n")
                if stream:
                    stream.write(line + "\n")
            if stream:
                stream.flush()
        return has_errors(diags)

    def _error(self, summary, detail, addr=None, path=None):
        self._report([Diagnostic("error", summary, detail, list(path or []))], addr)

    def _config_error(self, e):
        self._error(e.summary, e.detail, e.addr, e.path)

    def _call(self, addr, what, fn, *args):
        """A provider call; gRPC failures and malformed values become error diagnostics."""
        try:
            return fn(*args)
        except ProviderError as e:
            self._error("Plugin error", f"The plugin returned an unexpected error from {what}: rpc error: "
                        f"code = {e.code.name if e.code else '?'} desc = {e.details}", addr)
        except TypeMismatch as e:
            self._error("Provider returned an invalid value",
                        f'Provider "{self._provider_name()}" returned a value for {addr} that does not '
                        f"conform to its schema in {what}: {e}.\n\n{BUG}", addr)
        raise _Failed()

    def _provider_name(self):
        return f"registry.terraform.io/hashicorp/{self.config.provider_name}"

    # --- provider start, state preparation -------------------------------------------------------

    def _start(self):
        """Launches and configures the provider, validating every block first."""
        binary = self.binary or default_binary()
        if binary is None:
            self._error("Provider binary not found", "Set TF_PROVIDER_BIN or pass the binary: no "
                        "build*/terraform-provider-ec2 exists in the source tree.")
            raise _Abort()
        try:
            self.p = Provider.launch(binary, protocol=self.protocol, env=self.env, timeout=self.launch_timeout)
        except (HandshakeError, OSError) as e:
            self._error("Failed to load plugin schemas", f"Could not start the provider {binary}: {e}")
            raise _Abort()
        try:
            self.schema = self.p.get_schema()
        except ProviderError as e:
            self._error("Failed to load plugin schemas", str(e))
            raise _Abort()
        if self._report(self.schema.diagnostics, None):
            raise _Abort()
        self._identity_schemas()
        pblock = self.schema.provider.block
        try:
            pcfg = decode_block(pblock, self.config.provider_body, {}, "provider")
        except ConfigError as e:
            self._config_error(e)
            raise _Abort()
        try:
            res = self._call("provider", "ValidateProviderConfig", self.p.validate_provider_config, pcfg)
        except _Failed:
            raise _Abort()
        bad = self._report(res.diagnostics, "provider")
        unknown_ctx = {addr: UNKNOWN for addr in self.config.resources}
        for addr, rc in self.config.resources.items():
            bad |= not self._validate_block(rc, unknown_ctx)
        if bad:
            raise _Abort()
        try:
            diags = self._call("provider", "ConfigureProvider", self.p.configure, res.value)
        except _Failed:
            raise _Abort()
        if self._report(diags, "provider"):
            raise _Abort()

    def _identity_schemas(self):
        """Terraform >= 1.12 asks for resource identity schemas right after the schema and accepts
        an answer or UNIMPLEMENTED, nothing else."""
        path = f"/tfplugin{self.p.protocol}.Provider/GetResourceIdentitySchemas"
        try:
            self.p.call_raw(path, b"", timeout=60)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.UNIMPLEMENTED:
                self._error("Failed to load plugin schemas",
                            f"GetResourceIdentitySchemas failed with {e.code().name}: {e.details()}; only "
                            "UNIMPLEMENTED is tolerated.")
                raise _Abort()

    def _block_of(self, mode, type_name, addr):
        table = self.schema.resources if mode == "managed" else self.schema.data_sources
        if type_name not in table:
            what = "resource" if mode == "managed" else "data source"
            raise ConfigError(f"Invalid {what} type",
                              f'The provider {self._provider_name()} does not support {what} "{type_name}".', addr)
        return table[type_name].block

    def _validate_block(self, rc, ctx):
        try:
            block = self._block_of(rc.mode, rc.type, rc.addr)
            cfg = decode_block(block, rc.body, ctx, rc.addr)
        except ConfigError as e:
            self._config_error(e)
            return False
        fn = self.p.validate_resource_config if rc.mode == "managed" else self.p.validate_data_source_config
        try:
            diags = self._call(rc.addr, "ValidateResourceConfig", fn, rc.type, cfg)
        except _Failed:
            return False
        return not self._report(diags, rc.addr)

    def _upgrade_and_refresh(self, refresh=True):
        """UpgradeResourceState for every managed object; ReadResource when refreshing. Data
        sources in the old state are dropped: they are read again by the plan."""
        for addr in list(self.state.resources):
            inst = self.state.resources[addr]
            if inst.mode == "data":
                del self.state.resources[addr]
                continue
            if inst.type not in self.schema.resources:
                self._error("Invalid resource type", f'"{inst.type}" in the state is not supported by the provider.', addr)
                raise _Abort()
            raw = inst.raw_attributes if inst.raw_attributes is not None else to_json(inst.attributes)
            try:
                res = self._call(addr, "UpgradeResourceState", self.p.upgrade_state, inst.type,
                                 inst.schema_version, json.dumps(raw).encode())
            except _Failed:
                raise _Abort()
            if self._report(res.diagnostics, addr) or res.value is None:
                if not has_errors(res.diagnostics):
                    self._error("Provider returned null object", f"UpgradeResourceState returned no object for {addr}.\n\n{BUG}", addr)
                raise _Abort()
            inst.attributes, inst.raw_attributes = res.value, None
            inst.schema_version = self.schema.resources[inst.type].version
            if refresh:
                self._refresh_one(inst)

    def _refresh_one(self, inst):
        addr = inst.addr
        self._say(f"{addr}: Refreshing state...{_id_suffix(inst.attributes)}")
        try:
            rr = self._call(addr, "ReadResource", self.p.read, inst.type, inst.attributes, inst.private)
        except _Failed:
            raise _Abort()
        if self._report(rr.diagnostics, addr):
            raise _Abort()
        if rr.new_state is None:
            del self.state.resources[addr]
            self._say("", f"  # {addr} has been deleted (it no longer exists; it is removed from the state)")
            return
        if not is_known(rr.new_state):
            self._error("Provider produced invalid object",
                        f'Provider "{self._provider_name()}" planned an invalid value for {addr} during refresh: '
                        f"the result contains unknown values.\n\n{BUG}", addr)
            raise _Abort()
        inst.attributes = rr.new_state
        inst.private = rr.private

    # --- planning -----------------------------------------------------------------------------

    def _plan_all(self):
        """Plans every configured block and every orphan in state; returns the changes."""
        changes = []
        ctx = {}
        pending = set()
        failed = False
        for addr in self.config.order():
            rc = self.config.resources[addr]
            try:
                if rc.mode == "data":
                    ch = self._plan_data(rc, ctx, pending)
                else:
                    ch = self._plan_managed(rc, self.state.resources.get(addr), ctx)
            except ConfigError as e:
                self._config_error(e)
                failed = True
                ctx[addr] = UNKNOWN
                continue
            except _Failed:
                failed = True
                ctx[addr] = UNKNOWN
                continue
            if ch.action not in ("no-op",):
                pending.add(addr)
            changes.append(ch)
        for addr, inst in self.state.resources.items():
            if addr not in self.config.resources and inst.mode == "managed":
                try:
                    changes.append(self._plan_delete(inst))
                except _Failed:
                    failed = True
        if failed:
            raise _Abort()
        return changes

    def _provider_plan(self, addr, type_name, block, prior, cfg, prior_private):
        proposed = rules.proposed_new(block, prior, cfg)
        pr = self._call(addr, "PlanResourceChange", self.p.plan, type_name, prior, proposed, cfg, prior_private)
        if self._report(pr.diagnostics, addr):
            raise _Failed()
        if pr.legacy_type_system:
            return pr  # Terraform only warns in its logs for the legacy SDK
        errs = rules.check_plan(block, prior, cfg, pr.planned_state)
        if errs:
            self._report([Diagnostic("error", "Provider produced invalid plan",
                                     f'Provider "{self._provider_name()}" planned an invalid value for '
                                     f"{addr}.{e}.\n\n{BUG}") for e in errs], addr)
            raise _Failed()
        return pr

    def _plan_managed(self, rc, inst, ctx):
        block = self._block_of("managed", rc.type, rc.addr)
        t = block.type()
        cfg = decode_block(block, rc.body, ctx, rc.addr)
        base = dict(addr=rc.addr, mode="managed", type=rc.type, name=rc.name, block=block,
                    create_before_destroy=rc.create_before_destroy)
        if inst is None:
            pr = self._provider_plan(rc.addr, rc.type, block, None, cfg, b"")
            ch = Change(action="create", after=pr.planned_state, planned_private=pr.planned_private, **base)
        else:
            prior = inst.attributes
            pr = None if inst.tainted else self._provider_plan(rc.addr, rc.type, block, prior, cfg, inst.private)
            rp = [] if pr is None else rules.replace_paths(t, prior, pr.planned_state, pr.requires_replace)
            if inst.tainted or rp:
                if rc.prevent_destroy:
                    raise ConfigError("Instance cannot be destroyed",
                                      f"Resource {rc.addr} has lifecycle.prevent_destroy set, but the plan calls "
                                      "for this resource to be destroyed.", rc.addr)
                cp = self._provider_plan(rc.addr, rc.type, block, None, cfg, b"")
                ch = Change(action="replace", before=prior, after=cp.planned_state, replace_paths=rp,
                            planned_private=cp.planned_private, prior_private=inst.private,
                            tainted=inst.tainted, **base)
            elif equal(prior, pr.planned_state, t):
                ch = Change(action="no-op", before=prior, after=pr.planned_state,
                            planned_private=pr.planned_private, prior_private=inst.private, **base)
            else:
                ch = Change(action="update", before=prior, after=pr.planned_state,
                            planned_private=pr.planned_private, prior_private=inst.private, **base)
        ctx[rc.addr] = ch.after
        return ch

    def _plan_delete(self, inst):
        block = self.schema.resources[inst.type].block
        rc = self.config.resources.get(inst.addr)
        if rc is not None and rc.prevent_destroy:
            self._error("Instance cannot be destroyed", f"Resource {inst.addr} has lifecycle.prevent_destroy set.", inst.addr)
            raise _Failed()
        private = inst.private
        if self.schema.plan_destroy:
            pr = self._call(inst.addr, "PlanResourceChange", self.p.plan, inst.type, inst.attributes, None, None,
                            inst.private)
            if self._report(pr.diagnostics, inst.addr):
                raise _Failed()
            if pr.planned_state is not None:
                self._error("Provider produced invalid plan",
                            f'Provider "{self._provider_name()}" planned a non-null object for the destruction of '
                            f"{inst.addr}.\n\n{BUG}", inst.addr)
                raise _Failed()
            private = pr.planned_private
        return Change(addr=inst.addr, mode="managed", type=inst.type, name=inst.name, action="delete",
                      block=block, before=inst.attributes, after=None, planned_private=private,
                      prior_private=inst.private)

    def _plan_data(self, rc, ctx, pending):
        block = self._block_of("data", rc.type, rc.addr)
        cfg = decode_block(block, rc.body, ctx, rc.addr)
        base = dict(addr=rc.addr, mode="data", type=rc.type, name=rc.name, block=block)
        if is_known(cfg) and not (rc.references() & pending):
            value = self._read_data(rc, block, cfg)
            ctx[rc.addr] = value
            return Change(action="no-op", after=value, **base)
        after = block.unknown_computed(cfg)
        ctx[rc.addr] = after
        return Change(action="read", after=after, **base)

    def _read_data(self, rc, block, cfg):
        self._say(f"{rc.addr}: Reading...")
        start = time.monotonic()
        with self._progress(rc.addr, "reading"):
            res = self._call(rc.addr, "ReadDataSource", self.p.read_data_source, rc.type, cfg)
        if self._report(res.diagnostics, rc.addr):
            raise _Failed()
        problems = []
        if res.value is None:
            problems.append("the result is null")
        elif not is_known(res.value):
            problems.append("the result contains unknown values")
        else:
            problems = rules.check_plan(block, None, cfg, res.value)
        if problems:
            self._report([Diagnostic("error", "Provider produced invalid object",
                                     f'Provider "{self._provider_name()}" produced an invalid value for {rc.addr}: '
                                     f"{p}.\n\n{BUG}") for p in problems], rc.addr)
            raise _Failed()
        self.state.resources[rc.addr] = Instance("data", rc.type, rc.name, res.value,
                                                 schema_version=self.schema.data_sources[rc.type].version)
        self._say(f"{rc.addr}: Read complete after {_secs(start)}{_id_suffix(res.value)}")
        return res.value

    # --- applying -----------------------------------------------------------------------------

    def _known_ctx(self):
        return {addr: inst.attributes for addr, inst in self.state.resources.items()}

    def _apply_all(self, changes):
        """Applies changes: first every destroy (orphans, and replacements that destroy before
        creating), dependents before their dependencies; then creates, updates and reads in
        dependency order. Returns [added, changed, destroyed]."""
        counts = [0, 0, 0]
        failed = set()
        destroys = [c if c.action == "delete" else self._destroy_part(c) for c in changes
                    if c.action == "delete" or (c.action == "replace" and not c.create_before_destroy)]
        for ch in self._delete_order(destroys):
            if self.interrupted:
                break
            try:
                self._apply_delete(ch)
                counts[2] += 1
            except _Failed:
                failed.add(ch.addr)
            self._persist()
        for ch in changes:
            if self.interrupted:
                self._error("Operation interrupted", "Stopped before every change was applied; the state "
                            "holds what was done.")
                break
            if ch.action in ("delete", "no-op") or ch.addr in failed:
                continue
            rc = self.config.resources[ch.addr]
            if rc.references() & failed:
                failed.add(ch.addr)
                continue
            try:
                if ch.action == "read":
                    cfg = decode_block(ch.block, rc.body, self._known_ctx(), ch.addr)
                    self._read_data(rc, ch.block, cfg)
                else:
                    self._apply_managed(ch, rc, counts)
            except ConfigError as e:
                self._config_error(e)
                failed.add(ch.addr)
            except _Failed:
                failed.add(ch.addr)
            self._persist()
        return counts

    @staticmethod
    def _destroy_part(ch):
        return Change(addr=ch.addr, mode="managed", type=ch.type, name=ch.name, action="delete",
                      block=ch.block, before=ch.before, planned_private=ch.prior_private)

    def _persist(self):
        if self.state_path:
            self.state.save(self.state_path)
        else:
            self._memory_state = self.state

    def _delete_order(self, deletes):
        """Dependents first: an object that depends on another (by the state's recorded
        dependencies or the configuration's references) is destroyed before it."""
        by_addr = {c.addr: c for c in deletes}

        def depends_on(addr):
            inst = self.state.resources.get(addr)
            rc = self.config.resources.get(addr)
            return set(inst.dependencies if inst else []) | (rc.references() if rc else set())

        done, out = set(), []

        def visit(addr):
            if addr in done:
                return
            done.add(addr)
            for other in by_addr:
                if addr in depends_on(other):
                    visit(other)
            out.append(by_addr[addr])

        for c in deletes:
            visit(c.addr)
        return out

    def _apply_delete(self, ch, keep_state=False):
        """Destroys ch.before. keep_state: the state already holds the replacement (a deposed
        object of create_before_destroy), so it is left alone."""
        label = f"{ch.addr} (deposed object)" if keep_state else ch.addr
        self._say(f"{label}: Destroying...{_id_suffix(ch.before)}")
        start = time.monotonic()
        with self._progress(label, "destroying"):
            ar = self._call(ch.addr, "ApplyResourceChange", self.p.apply, ch.type, ch.before, None, None,
                            ch.planned_private)
        if ar.new_state is not None and not keep_state:
            inst = self.state.resources.get(ch.addr)
            if inst is not None and is_known(ar.new_state):
                inst.attributes, inst.private = ar.new_state, ar.private
        if self._report(ar.diagnostics, ch.addr):
            raise _Failed()
        if ar.new_state is not None:
            self._error("Provider returned invalid result object after apply",
                        f"After applying a destroy plan, the provider returned a non-null object for {ch.addr}. "
                        f"Destroying should always produce a null value.\n\n{BUG}", ch.addr)
            raise _Failed()
        if not keep_state:
            self.state.resources.pop(ch.addr, None)
        self._say(f"{label}: Destruction complete after {_secs(start)}")

    def _apply_managed(self, ch, rc, counts):
        t = ch.block.type()
        cfg = decode_block(ch.block, rc.body, self._known_ctx(), ch.addr)
        creating = ch.action in ("create", "replace")
        prior = None if creating else ch.before
        final = self._provider_plan(ch.addr, ch.type, ch.block, prior, cfg,
                                    b"" if creating else ch.prior_private)
        errs = rules.check_apply(t, ch.after, final.planned_state)
        errs = [e for e in errs if "unknown values" not in e]  # a final plan may still hold unknowns
        if errs:
            self._report([Diagnostic("error", "Provider produced inconsistent final plan",
                                     f"When expanding the plan for {ch.addr} to include new values learned so far "
                                     f'during apply, provider "{self._provider_name()}" produced an invalid new value '
                                     f"for {e}.\n\n{BUG}") for e in errs], ch.addr)
            raise _Failed()
        verb = {"create": ("Creating...", "Creation complete"), "replace": ("Creating...", "Creation complete"),
                "update": ("Modifying...", "Modifications complete")}[ch.action]
        self._say(f"{ch.addr}: {verb[0]}{'' if creating else _id_suffix(ch.before)}")
        start = time.monotonic()
        with self._progress(ch.addr, "creating" if creating else "modifying"):
            ar = self._call(ch.addr, "ApplyResourceChange", self.p.apply, ch.type, prior, final.planned_state,
                            cfg, final.planned_private)
        failed = has_errors(ar.diagnostics)
        deps = sorted(rc.references())
        if ar.new_state is not None and is_known(ar.new_state):
            # Saved even on failure: a create that made a remote object is kept, tainted.
            self.state.resources[ch.addr] = Instance("managed", ch.type, ch.name, ar.new_state, ar.private,
                                                     tainted=failed and creating,
                                                     schema_version=self.schema.resources[ch.type].version,
                                                     dependencies=deps)
        elif creating and ch.action == "create":
            self.state.resources.pop(ch.addr, None)
        self._report(ar.diagnostics, ch.addr)
        if failed:
            raise _Failed()
        problems = []
        if ar.new_state is None:
            problems.append("the provider returned a null object")
        elif not ar.legacy_type_system:
            problems = rules.check_apply(t, final.planned_state, ar.new_state)
        if problems:
            self._report([Diagnostic("error", "Provider produced inconsistent result after apply",
                                     f"When applying changes to {ch.addr}, provider \"{self._provider_name()}\" "
                                     f"produced an unexpected new value: {p}.\n\n{BUG}") for p in problems], ch.addr)
            raise _Failed()
        if ch.action == "replace" and ch.create_before_destroy:
            self._apply_delete(self._destroy_part(ch), keep_state=True)
            counts[2] += 1
        self._say(f"{ch.addr}: {verb[1]} after {_secs(start)}{_id_suffix(ar.new_state)}")
        counts[0 if creating else 1] += 1

    def _outputs(self):
        if not self.config.outputs:
            return
        ctx = self._known_ctx()
        values = {}
        for name, raw in self.config.outputs.items():
            values[name] = evaluate(raw, ctx, f"output.{name}")
        self.state.outputs = {k: v for k, v in values.items() if is_known(v)}
        self._say("", "Outputs:", "")
        for k, v in values.items():
            self._say(f"{k} = {render(v)}")

    # --- commands -----------------------------------------------------------------------------

    def _cmd_plan(self):
        self._start()
        self._upgrade_and_refresh(self.do_refresh)
        self.changes = self._plan_all()
        self._say(*render_plan(self.changes))

    def _cmd_apply(self):
        self._start()
        self._upgrade_and_refresh(self.do_refresh)
        self._persist()
        self.changes = self._plan_all()
        self._say(*render_plan(self.changes))
        self._say("")
        added, changed, destroyed = self._apply_all(self.changes)
        self._persist()
        if not any(r.diagnostic.is_error for r in self.reported):
            self._say("", f"Apply complete! Resources: {added} added, {changed} changed, {destroyed} destroyed.")
            self._outputs()
            self._persist()

    def _cmd_destroy(self):
        self._start()
        self._upgrade_and_refresh(self.do_refresh)
        self._persist()
        changes, failed = [], False
        for inst in list(self.state.resources.values()):
            if inst.mode == "managed":
                try:
                    changes.append(self._plan_delete(inst))
                except _Failed:
                    failed = True
        if failed:
            raise _Abort()
        self.changes = changes
        self._say(*render_plan(changes))
        self._say("")
        _, _, destroyed = self._apply_all(changes)
        if not any(r.diagnostic.is_error for r in self.reported):
            for addr in [a for a, i in self.state.resources.items() if i.mode == "data"]:
                del self.state.resources[addr]
            self.state.outputs = {}
            self._persist()
            self._say("", f"Destroy complete! Resources: {destroyed} destroyed.")

    def _cmd_refresh(self):
        self._start()
        self._upgrade_and_refresh(True)
        self._persist()

    def _cmd_import(self, addr, id_):
        rc = self.config.resources.get(addr)
        if rc is None or rc.mode != "managed":
            self._error("Configuration for import target does not exist",
                        f"The configuration does not contain resource {addr}. Before importing this resource, "
                        "please create its configuration in the root module.", None)
            return
        if addr in self.state.resources:
            self._error("Resource already managed by Terraform",
                        f'Terraform is already managing a remote object for {addr}. To import to this address you '
                        "must first remove the existing object from the state.", addr)
            return
        self._start()
        self._upgrade_and_refresh(False)
        self._say(f'{addr}: Importing from ID "{id_}"...')
        try:
            res = self._call(addr, "ImportResourceState", self.p.import_state, rc.type, id_)
        except _Failed:
            return
        if self._report(res.diagnostics, addr):
            return
        imported = [i for i in res.value if i.type_name == rc.type]
        if not imported:
            self._error("Provider returned no object to import", f"ImportResourceState returned nothing for {id_}.", addr)
            return
        obj = imported[0]
        self._say(f"{addr}: Import prepared!", f"  Prepared {obj.type_name} for import")
        inst = Instance("managed", rc.type, rc.name, obj.state, obj.private,
                        schema_version=self.schema.resources[rc.type].version)
        self.state.resources[addr] = inst
        try:
            self._refresh_one(inst)
        except _Abort:
            self.state.resources.pop(addr, None)
            raise
        if addr not in self.state.resources:
            self._error("Cannot import non-existent remote object",
                        f'While attempting to import an existing object to "{addr}", the provider detected that no '
                        "object exists with the given id. Only pre-existing objects can be imported; check that the "
                        "id is correct and that it is associated with the provider's configured region or endpoint, "
                        'or use "terraform apply" to create a new remote object for this resource.', addr)
            return
        self._persist()
        self._say("", "Import successful!", "",
                  "The resources that were imported are shown above. These resources are now in",
                  "your Terraform state and will henceforth be managed by Terraform.")


def _stop_quietly(p):
    try:
        p.stop()
    except ProviderError:
        pass  # the process may already be going away; the running call reports the outcome


def _id_suffix(v):
    if isinstance(v, dict) and isinstance(v.get("id"), str):
        return f" [id={v['id']}]"
    return ""


def _secs(start):
    return f"{int(time.monotonic() - start)}s"


def default_binary():
    """TF_PROVIDER_BIN, else the newest build*/terraform-provider-ec2 of the source tree, else None."""
    if os.environ.get("TF_PROVIDER_BIN"):
        return os.environ["TF_PROVIDER_BIN"]
    source = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    found = sorted(glob.glob(os.path.join(source, "build*", "terraform-provider-ec2")), key=os.path.getmtime)
    return found[-1] if found else None
