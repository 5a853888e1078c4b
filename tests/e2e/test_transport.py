"""The go-plugin transport of the real binary: handshake, AutoMTLS, signals, shutdown, concurrency.

Each test launches its own provider process (conftest `launch`), as Terraform does, and checks one
thing Terraform or OpenTofu relies on."""
import concurrent.futures
import os
import signal
import stat
import subprocess
import time

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from conftest import QUIET_ENV, scaled
from tests.driver import MAGIC_COOKIE, HandshakeError, make_client_cert


def _raw_run(binary, env_extra, timeout):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_PLUGIN", "PLUGIN_"))}
    env.update({k: v for k, v in QUIET_ENV.items() if v is not None})
    env.update(env_extra)
    return subprocess.run([binary], stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=timeout)


@pytest.mark.parametrize("version", [5, 6])
def test_handshake_line_has_the_go_plugin_fields(launch, version):
    p = launch(protocol=version, versions=str(version))
    hs = p.handshake
    assert hs.line.count("|") == 5
    assert (hs.core, hs.app, hs.network, hs.protocol) == (1, version, "unix", "grpc")
    assert stat.S_ISSOCK(os.stat(hs.addr).st_mode)
    assert "=" not in hs.line.split("|")[5], "the certificate must be unpadded base64"
    cert = hs.cert
    assert cert is not None
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value == "localhost"
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name in ("secp521r1", "secp256r1")
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in eku
    assert p.health_check() == 1  # SERVING


@pytest.mark.parametrize("offered,chosen", [("5,6", 6), ("6,5", 6), ("5", 5), ("6", 6)])
def test_server_picks_the_highest_offered_version(launch, offered, chosen):
    p = launch(protocol=chosen, versions=offered)
    assert p.handshake.app == chosen


def test_without_versions_it_falls_back_to_the_lowest(launch):
    p = launch(protocol=5, env={"PLUGIN_PROTOCOL_VERSIONS": None})
    assert p.handshake.app == 5


def test_stdout_carries_nothing_but_the_handshake(launch):
    p = launch(protocol=6)
    p.get_schema()
    p.health_check()
    p.close()
    assert p.extra_stdout == []


def test_stderr_lines_are_hclog_json(launch):
    p = launch(protocol=6, env={"TF_LOG": "trace", "TF_LOG_PROVIDER": "trace"})
    p.get_schema()
    p.close()
    lines = [line for line in p.stderr_lines if line.strip()]
    assert lines, "expected some log lines at trace level"
    records = p.log_records()
    assert len(records) == len(lines), f"non-JSON stderr lines: {[l for l in lines if not l.startswith('{')][:3]}"
    for rec in records:
        assert {"@level", "@message", "@timestamp"} <= set(rec)


@pytest.mark.parametrize("cookie", [None, "wrong"])
def test_without_the_magic_cookie_it_exits_1_with_a_message(binary, cookie):
    env = {"PLUGIN_PROTOCOL_VERSIONS": "5,6"}
    if cookie:
        env["TF_PLUGIN_MAGIC_COOKIE"] = cookie
    r = _raw_run(binary, env, scaled(10))
    assert r.returncode == 1
    assert b"This binary is a plugin" in r.stderr
    assert r.stdout == b""


def test_client_without_certificate_is_refused(launch):
    p = launch(protocol=6)
    ch = p.open_channel(client_cert=None)
    try:
        with pytest.raises(grpc.RpcError) as e:
            p.health_check(channel=ch, timeout=scaled(3))
        assert e.value.code() == grpc.StatusCode.UNAVAILABLE  # the TLS handshake fails
    finally:
        ch.close()
    assert p.health_check() == 1, "the provider keeps serving the real client"


def test_client_with_another_certificate_is_refused(launch):
    p = launch(protocol=6)
    ch = p.open_channel(client_cert=make_client_cert())
    try:
        with pytest.raises(grpc.RpcError) as e:
            p.health_check(channel=ch, timeout=scaled(3))
        assert e.value.code() == grpc.StatusCode.UNAVAILABLE  # the TLS handshake fails
    finally:
        ch.close()
    assert p.health_check() == 1


def test_plaintext_when_no_client_certificate_is_offered(launch):
    p = launch(protocol=6, tls=False)
    assert p.handshake.cert is None
    assert p.handshake.line.endswith("|"), "the CERT field is present and empty"
    assert p.health_check() == 1
    assert p.get_schema().resources


@pytest.mark.parametrize("path", ["/tfplugin6.Provider/NoSuchMethod", "/no.Such/Thing",
                                  "/plugin.GRPCBroker/StartStream"])
def test_unknown_method_is_unimplemented_at_once(launch, path):
    p = launch(protocol=6)
    start = time.monotonic()
    with pytest.raises(grpc.RpcError) as e:
        p.call_raw(path, b"", timeout=scaled(5))
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert time.monotonic() - start < scaled(1)


def test_identity_schemas_answer_ok_or_unimplemented(launch):
    # Terraform >= 1.12 calls it after the schema and tolerates only code 12.
    p = launch(protocol=6)
    try:
        p.call_raw("/tfplugin6.Provider/GetResourceIdentitySchemas", b"", timeout=scaled(5))
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.UNIMPLEMENTED


def test_messages_above_4_mib_are_accepted(launch):
    p = launch(protocol=6)
    # GetProviderSchema.Request with a 5 MiB unknown field (15, length-delimited): a server left at
    # gRPC's 4 MiB default answers RESOURCE_EXHAUSTED.
    n = 5 << 20
    varint = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        varint.append(b | (0x80 if n else 0))
        if not n:
            break
    data = bytes([15 << 3 | 2]) + bytes(varint) + b"x" * (5 << 20)
    resp = p.call_raw("/tfplugin6.Provider/GetProviderSchema", data, timeout=scaled(20))
    assert len(resp) > 100


def test_shutdown_exits_within_a_second_and_removes_the_socket(launch):
    p = launch(protocol=6)
    sock_dir = p.socket_dir
    assert os.path.isdir(sock_dir)
    start = time.monotonic()
    try:
        p.shutdown(timeout=scaled(2))
    except grpc.RpcError:
        pass  # the process may close the connection before the reply is read
    rc = p.wait(scaled(1) + max(0.0, 1 - (time.monotonic() - start)))
    assert rc is not None, "still running 1 s after Shutdown"
    assert rc == 0
    assert not os.path.exists(p.handshake.addr)
    assert not os.path.exists(sock_dir)


def test_sigterm_exits_cleanly_and_removes_the_socket(launch):
    p = launch(protocol=6)
    p.signal(signal.SIGTERM)
    rc = p.wait(scaled(2))
    assert rc == 0
    assert not os.path.exists(p.handshake.addr)
    assert not os.path.exists(p.socket_dir)


def test_sigint_is_ignored(launch):
    p = launch(protocol=6)
    p.signal(signal.SIGINT)
    time.sleep(0.3)
    assert p.wait(0.2) is None
    assert p.health_check() == 1


def test_socket_directory_is_private(launch):
    p = launch(protocol=6)
    assert stat.S_IMODE(os.stat(p.socket_dir).st_mode) == 0o700


def test_ten_calls_complete_while_an_eleventh_blocks(launch):
    # TF_EC2_TEST_BLOCK_METHOD makes GetMetadata wait until StopProvider (or 30 s): the call holds
    # one worker while Terraform's ten parallel calls must still go through.
    p = launch(protocol=6, env={"TF_EC2_TEST_BLOCK_METHOD": "GetMetadata"})
    blocked = p.stub("GetMetadata").future(p.request("GetMetadata"), timeout=scaled(40))
    time.sleep(0.2)
    assert not blocked.done(), "GetMetadata did not block: is the test hook in the binary?"
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        start = time.monotonic()
        futs = [pool.submit(p.call, "GetProviderSchema", timeout=scaled(10)) for _ in range(10)]
        results = [f.result() for f in futs]
    assert time.monotonic() - start < scaled(5)
    assert all(r.resource_schemas for r in results)
    assert not blocked.done()
    assert p.stop(timeout=scaled(5)) == ""
    blocked.result(timeout=scaled(5))


def test_health_and_provider_share_one_connection_concurrently(launch):
    p = launch(protocol=6)
    futs = [p.health_future() for _ in range(20)]
    futs += [p.stub("GetProviderSchema").future(p.request("GetProviderSchema"), timeout=scaled(10)) for _ in range(20)]
    for f in futs:
        f.result(timeout=scaled(10))


def test_launch_fails_cleanly_on_a_bad_cookie(binary):
    from tests.driver import Provider

    with pytest.raises(HandshakeError):
        Provider.launch(binary, cookie=MAGIC_COOKIE[::-1], timeout=scaled(10))
