"""The plugin client: launches the provider binary as Terraform does and speaks tfplugin5/6 to it.

Launch follows go-plugin: magic cookie, offered protocol versions, port range and the client's
certificate go in the environment; stdin is /dev/null; the one stdout line is the handshake
`1|APP|unix|ADDR|grpc|CERT`. With AutoMTLS the server certificate from that line is pinned as the only
root, the server name is "localhost" and the client presents its own certificate. stderr (hclog JSON
lines) is collected for tests. Calls take and return plain Python values (values.py), encoded by the
schema the provider reported; results carry diagnostics, never raise for them.
"""
import os
import queue
import shlex
import subprocess
import threading
import time
from dataclasses import dataclass, field

import grpc

from . import certs, protos
from .schema import ProviderSchema, schema_from_proto
from .values import decode, encode

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
MAX_MESSAGE = 256 << 20
TERRAFORM_VERSION = "1.9.8"
# A command that prefixes the provider's command line (e.g. "valgrind --tool=memcheck ..."), for
# running every launched provider under a checker; such wrappers start slowly, hence the handshake floor.
WRAPPER_ENV = "TF_PROVIDER_WRAPPER"
WRAPPED_HANDSHAKE_MIN_S = 120.0


class HandshakeError(Exception):
    """The plugin exited or printed something other than a valid handshake line."""


class ProviderError(Exception):
    """A call failed at the gRPC level (not a diagnostic)."""

    def __init__(self, op, code, details):
        self.op, self.code, self.details = op, code, details
        super().__init__(f"{op}: {code.name if code else '?'}: {details}")


@dataclass
class Handshake:
    line: str
    core: int
    app: int
    network: str
    addr: str
    protocol: str
    cert: object = None  # cryptography x509.Certificate, None for plaintext

    @classmethod
    def parse(cls, line):
        parts = line.rstrip("\n").split("|")
        if len(parts) not in (5, 6):
            raise HandshakeError(f"malformed handshake line: {line!r}")
        try:
            core, app = int(parts[0]), int(parts[1])
        except ValueError:
            raise HandshakeError(f"malformed handshake line: {line!r}") from None
        cert = None
        if len(parts) == 6 and parts[5]:
            try:
                cert = certs.decode_handshake_cert(parts[5])
            except Exception as e:  # any decoding failure is a handshake failure
                raise HandshakeError(f"handshake certificate does not decode: {e}") from None
        return cls(line.rstrip("\n"), core, app, parts[2], parts[3], parts[4], cert)


@dataclass
class Diagnostic:
    severity: str  # "error" or "warning" ("invalid" for severity 0, which is a provider bug)
    summary: str
    detail: str = ""
    path: list = field(default_factory=list)

    @classmethod
    def from_proto(cls, d):
        sev = {1: "error", 2: "warning"}.get(d.severity, "invalid")
        path = path_from_proto(d.attribute) if d.HasField("attribute") else []
        return cls(sev, d.summary, d.detail, path)

    @property
    def is_error(self):
        return self.severity != "warning"


def has_errors(diags):
    return any(d.is_error for d in diags)


@dataclass
class Result:
    diagnostics: list
    value: object = None


@dataclass
class PlanResult:
    planned_state: object
    requires_replace: list
    planned_private: bytes
    diagnostics: list
    legacy_type_system: bool = False


@dataclass
class ApplyResult:
    new_state: object
    private: bytes
    diagnostics: list
    legacy_type_system: bool = False


@dataclass
class ReadResult:
    new_state: object
    private: bytes
    diagnostics: list


@dataclass
class Imported:
    type_name: str
    state: object
    private: bytes


def _encode_health_request(service):
    data = service.encode()
    return b"\x0a" + bytes([len(data)]) + data  # HealthCheckRequest{service=1}


def _decode_health_response(data):
    # HealthCheckResponse{status=1 (enum)}; absent means 0 (UNKNOWN).
    if len(data) >= 2 and data[0] == 0x08:
        return data[1]
    return 0


def _ident(b):
    return b


def path_to_proto(pb2, path):
    ap = pb2.AttributePath()
    for step in path:
        s = ap.steps.add()
        if isinstance(step, int):
            s.element_key_int = step
        elif isinstance(step, tuple):
            s.element_key_string = step[1]
        else:
            s.attribute_name = step
    return ap


def path_from_proto(ap):
    """AttributePath -> list of steps: name (str), list index (int), map key (("key", str))."""
    path = []
    for step in ap.steps:
        which = step.WhichOneof("selector")
        if which == "attribute_name":
            path.append(step.attribute_name)
        elif which == "element_key_string":
            path.append(("key", step.element_key_string))
        elif which == "element_key_int":
            path.append(step.element_key_int)
    return path


class Provider:
    """A running provider process and a gRPC channel to it."""

    def __init__(self, proc, handshake, protocol, pb2, channel, stderr_lines, extra_stdout,
                 client, socket_dir):
        self.proc = proc
        self.handshake = handshake
        self.protocol = protocol
        self.pb2 = pb2
        self.channel = channel
        self.stderr_lines = stderr_lines  # appended to by a reader thread
        self.extra_stdout = extra_stdout  # anything printed after the handshake line (must stay empty)
        self.client = client  # certs.KeyPair or None
        self.socket_dir = socket_dir
        self._schema = None
        self._stubs = {}

    # --- launch -------------------------------------------------------------------------------

    @classmethod
    def launch(cls, binary, protocol=6, versions=None, env=None, inherit_env=True, tls=True,
               client_cert=None, cookie=MAGIC_COOKIE, timeout=10.0, echo_stderr=None, connect=True):
        """Starts `binary` as Terraform does and connects to it.

        protocol: the tfplugin version to speak (5 or 6; None: whichever the plugin picks); versions:
        the PLUGIN_PROTOCOL_VERSIONS text (default: "5,6" for 6 or None, "5" for 5, so that the
        plugin, which picks the highest offered, answers on the protocol asked for); env: extra environment (AWS_* and so on) over os.environ when inherit_env;
        tls: AutoMTLS with a fresh client certificate (client_cert: a certs.KeyPair to use instead);
        cookie: the magic cookie value (None leaves it unset); echo_stderr: copy the provider's stderr
        to ours (default: when TF_LOG is set). connect=False stops after the handshake line.
        Raises HandshakeError when the process exits or prints no valid line within timeout.
        With TF_PROVIDER_WRAPPER set, its words prefix the command line of a compiled binary (not of a
        "#!" script such as the tests' fake provider) and the timeout is at least WRAPPED_HANDSHAKE_MIN_S."""
        penv = dict(os.environ) if inherit_env else {}
        for k in (MAGIC_COOKIE_KEY, "PLUGIN_CLIENT_CERT", "PLUGIN_PROTOCOL_VERSIONS"):
            penv.pop(k, None)
        if cookie is not None:
            penv[MAGIC_COOKIE_KEY] = cookie
        if versions is None:
            versions = "5" if protocol == 5 else "5,6"
        penv["PLUGIN_PROTOCOL_VERSIONS"] = versions
        penv.setdefault("PLUGIN_MIN_PORT", "10000")
        penv.setdefault("PLUGIN_MAX_PORT", "25000")
        client = None
        if tls:
            client = client_cert or certs.make_client_cert()
            penv["PLUGIN_CLIENT_CERT"] = client.cert_pem.decode()
        if env:
            penv.update({k: v for k, v in env.items() if v is not None})
            for k in [k for k, v in env.items() if v is None]:
                penv.pop(k, None)
        if echo_stderr is None:
            echo_stderr = bool(os.environ.get("TF_LOG"))
        argv = [binary]
        wrapper = os.environ.get(WRAPPER_ENV, "").strip()
        if wrapper and not _is_script(binary):
            argv = shlex.split(wrapper) + argv
            timeout = max(timeout, WRAPPED_HANDSHAKE_MIN_S)
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=penv,
            start_new_session=True,  # the terminal's Ctrl-C must not reach it directly
        )
        stderr_lines = []
        threading.Thread(target=_pump_stderr, args=(proc, stderr_lines, echo_stderr), daemon=True).start()
        lines = queue.Queue()
        extra = []
        threading.Thread(target=_pump_stdout, args=(proc, lines, extra), daemon=True).start()
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            proc.kill()
            proc.wait()
            raise HandshakeError(f"no handshake line within {timeout}s; stderr: {''.join(stderr_lines)[-2000:]}")
        if line is None:
            rc = proc.wait()
            time.sleep(0.05)
            raise HandshakeError(f"plugin exited with status {rc} before the handshake; stderr: "
                                 f"{''.join(stderr_lines)[-2000:]}")
        hs = Handshake.parse(line)
        socket_dir = os.path.dirname(hs.addr) if hs.network == "unix" else None
        self = cls(proc, hs, hs.app, None, None, stderr_lines, extra, client, socket_dir)
        if connect:
            if protocol is not None and hs.app != protocol:
                self.kill()
                raise HandshakeError(f"plugin chose protocol {hs.app}, wanted {protocol}")
            if hs.app not in (5, 6):
                self.kill()
                raise HandshakeError(f"plugin chose unsupported protocol {hs.app}")
            self.pb2 = protos.module(hs.app, binary)
            self.channel = self.open_channel()
        return self

    def target(self):
        return f"unix:{self.handshake.addr}" if self.handshake.network == "unix" else self.handshake.addr

    def open_channel(self, client_cert="default", options=()):
        """A new channel to the plugin. client_cert: "default" = the launch certificate, None = no
        client certificate, or another certs.KeyPair (tests use the last two to check refusal)."""
        opts = [
            ("grpc.max_receive_message_length", MAX_MESSAGE),
            ("grpc.max_send_message_length", MAX_MESSAGE),
            *options,
        ]
        if self.handshake.cert is None:
            return grpc.insecure_channel(self.target(), options=opts)
        kp = self.client if client_cert == "default" else client_cert
        creds = grpc.ssl_channel_credentials(
            root_certificates=certs.cert_pem(self.handshake.cert),
            private_key=kp.key_pem if kp else None,
            certificate_chain=kp.cert_pem if kp else None,
        )
        opts += [("grpc.ssl_target_name_override", "localhost"), ("grpc.default_authority", "localhost")]
        return grpc.secure_channel(self.target(), creds, options=opts)

    # --- raw calls ------------------------------------------------------------------------------

    def method_path(self, op):
        return f"/tfplugin{self.protocol}.Provider/{protos.method_and_message(self.protocol, op)[0]}"

    def message(self, op):
        return getattr(self.pb2, protos.method_and_message(self.protocol, op)[1])

    def stub(self, op, channel=None):
        key = (op, id(channel))
        if channel is not None or key not in self._stubs:
            msg = self.message(op)
            stub = (channel or self.channel).unary_unary(
                self.method_path(op),
                request_serializer=msg.Request.SerializeToString,
                response_deserializer=msg.Response.FromString,
            )
            if channel is not None:
                return stub
            self._stubs[key] = stub
        return self._stubs[key]

    def request(self, op, **fields):
        return self.message(op).Request(**fields)

    def call(self, op, timeout=60.0, **fields):
        """Calls an operation (tfplugin6 name) with request fields; returns the response message.
        Raises ProviderError on a gRPC failure."""
        try:
            return self.stub(op)(self.request(op, **fields), timeout=timeout)
        except grpc.RpcError as e:
            raise ProviderError(op, e.code(), e.details()) from None

    def call_raw(self, path, data=b"", timeout=10.0, channel=None):
        """Calls any method path with raw request bytes; returns raw response bytes."""
        stub = (channel or self.channel).unary_unary(path, request_serializer=_ident,
                                                     response_deserializer=_ident)
        return stub(data, timeout=timeout)

    def health_check(self, service="plugin", timeout=5.0, channel=None):
        """grpc.health.v1.Health/Check; returns the ServingStatus number (1 = SERVING)."""
        return _decode_health_response(
            self.call_raw("/grpc.health.v1.Health/Check", _encode_health_request(service), timeout, channel))

    def health_future(self, service="plugin", timeout=5.0):
        stub = self.channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=_ident,
                                        response_deserializer=_decode_health_response)
        return stub.future(_encode_health_request(service), timeout=timeout)

    def shutdown(self, timeout=5.0):
        """plugin.GRPCController/Shutdown (Empty -> Empty)."""
        self.call_raw("/plugin.GRPCController/Shutdown", b"", timeout)

    # --- process ------------------------------------------------------------------------------

    @property
    def pid(self):
        return self.proc.pid

    def wait(self, timeout):
        """The exit status, or None if still running after timeout seconds."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._close_channel()

    def close(self, grace=2.0):
        """Ends the plugin as go-plugin does: Shutdown, then SIGKILL after `grace` seconds.
        Returns the exit status."""
        if self.proc.poll() is None and self.channel is not None:
            try:
                self.shutdown(timeout=grace)
            except grpc.RpcError:
                pass  # a process that is already going away may drop the call
        if self.wait(grace) is None:
            self.proc.kill()
        rc = self.proc.wait()
        self._close_channel()
        return rc

    def _close_channel(self):
        if self.channel is not None:
            self.channel.close()
            self.channel = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def stderr_text(self):
        return "".join(self.stderr_lines)

    def log_records(self):
        """The stderr lines that are hclog JSON objects, parsed."""
        import json

        out = []
        for line in list(self.stderr_lines):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                out.append(rec)
        return out

    # --- typed operations ---------------------------------------------------------------------

    def dynamic_value(self, value, t):
        return self.pb2.DynamicValue(msgpack=encode(value, t))

    def _diags(self, resp, field="diagnostics"):
        return [Diagnostic.from_proto(d) for d in getattr(resp, field)]

    def get_schema(self, refresh=False):
        """GetProviderSchema -> schema.ProviderSchema (cached)."""
        if self._schema is None or refresh:
            r = self.call("GetProviderSchema")
            ps = ProviderSchema(
                provider=schema_from_proto(r.provider),
                resources={k: schema_from_proto(v) for k, v in r.resource_schemas.items()},
                data_sources={k: schema_from_proto(v) for k, v in r.data_source_schemas.items()},
                provider_meta=schema_from_proto(r.provider_meta) if r.HasField("provider_meta") else None,
                diagnostics=self._diags(r),
            )
            if r.HasField("server_capabilities"):
                caps = r.server_capabilities
                ps.plan_destroy = caps.plan_destroy
                ps.get_provider_schema_optional = caps.get_provider_schema_optional
                ps.move_resource_state = getattr(caps, "move_resource_state", False)
            self._schema = ps
        return self._schema

    def resource_type(self, type_name):
        return self.get_schema().resources[type_name].type()

    def data_source_type(self, type_name):
        return self.get_schema().data_sources[type_name].type()

    def get_metadata(self):
        return self.call("GetMetadata")

    def validate_provider_config(self, config):
        """-> Result(diagnostics, prepared config (protocol 5) or the config itself)."""
        t = self.get_schema().provider.type()
        r = self.call("ValidateProviderConfig", config=self.dynamic_value(config, t))
        value = config
        if self.protocol == 5 and r.HasField("prepared_config") and r.prepared_config.msgpack:
            value = decode(r.prepared_config.msgpack, t)
        return Result(self._diags(r), value)

    def configure(self, config, terraform_version=TERRAFORM_VERSION):
        t = self.get_schema().provider.type()
        r = self.call("ConfigureProvider", terraform_version=terraform_version, config=self.dynamic_value(config, t))
        return self._diags(r)

    def validate_resource_config(self, type_name, config):
        r = self.call("ValidateResourceConfig", type_name=type_name,
                      config=self.dynamic_value(config, self.resource_type(type_name)))
        return self._diags(r)

    def validate_data_source_config(self, type_name, config):
        r = self.call("ValidateDataResourceConfig", type_name=type_name,
                      config=self.dynamic_value(config, self.data_source_type(type_name)))
        return self._diags(r)

    def upgrade_state(self, type_name, version, state_json_bytes):
        """UpgradeResourceState with the state file's JSON -> Result(diags, upgraded value)."""
        r = self.call("UpgradeResourceState", type_name=type_name, version=version,
                      raw_state=self.pb2.RawState(json=state_json_bytes))
        diags = self._diags(r)
        value = decode(r.upgraded_state.msgpack, self.resource_type(type_name)) if r.HasField("upgraded_state") else None
        return Result(diags, value)

    def read(self, type_name, current_state, private=b""):
        t = self.resource_type(type_name)
        r = self.call("ReadResource", type_name=type_name, current_state=self.dynamic_value(current_state, t),
                      private=private)
        new_state = decode(r.new_state.msgpack, t) if r.HasField("new_state") else None
        return ReadResult(new_state, r.private, self._diags(r))

    def plan(self, type_name, prior_state, proposed_new_state, config, prior_private=b""):
        t = self.resource_type(type_name)
        r = self.call("PlanResourceChange", type_name=type_name, prior_state=self.dynamic_value(prior_state, t),
                      proposed_new_state=self.dynamic_value(proposed_new_state, t), config=self.dynamic_value(config, t),
                      prior_private=prior_private)
        planned = decode(r.planned_state.msgpack, t) if r.HasField("planned_state") else None
        rr = [path_from_proto(p) for p in r.requires_replace]
        return PlanResult(planned, rr, r.planned_private, self._diags(r), r.legacy_type_system)

    def apply(self, type_name, prior_state, planned_state, config, planned_private=b""):
        t = self.resource_type(type_name)
        r = self.call("ApplyResourceChange", timeout=3600, type_name=type_name,
                      prior_state=self.dynamic_value(prior_state, t), planned_state=self.dynamic_value(planned_state, t),
                      config=self.dynamic_value(config, t), planned_private=planned_private)
        new_state = decode(r.new_state.msgpack, t) if r.HasField("new_state") else None
        return ApplyResult(new_state, r.private, self._diags(r), r.legacy_type_system)

    def import_state(self, type_name, id_):
        r = self.call("ImportResourceState", type_name=type_name, id=id_)
        out = []
        for ir in r.imported_resources:
            out.append(Imported(ir.type_name, decode(ir.state.msgpack, self.resource_type(ir.type_name)),
                                ir.private))
        return Result(self._diags(r), out)

    def read_data_source(self, type_name, config):
        t = self.data_source_type(type_name)
        r = self.call("ReadDataSource", timeout=3600, type_name=type_name, config=self.dynamic_value(config, t))
        state = decode(r.state.msgpack, t) if r.HasField("state") else None
        return Result(self._diags(r), state)

    def stop(self, timeout=10.0):
        """StopProvider; returns its Error text ("" when none)."""
        r = self.call("StopProvider", timeout=timeout)
        return r.Error


def _is_script(path):
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False  # let Popen report the missing binary


def _pump_stderr(proc, lines, echo):
    import sys

    for raw in iter(proc.stderr.readline, b""):
        text = raw.decode(errors="replace")
        lines.append(text)
        if echo:
            sys.stderr.write(text)
    proc.stderr.close()


def _pump_stdout(proc, first, extra):
    raw = proc.stdout.readline()
    first.put(raw.decode(errors="replace") if raw else None)
    for raw in iter(proc.stdout.readline, b""):
        extra.append(raw.decode(errors="replace"))
    proc.stdout.close()
