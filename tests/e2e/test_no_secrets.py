"""Credentials never leak, and EC2 endpoints are verified: a lifecycle at TF_LOG_PROVIDER=TRACE with a
distinctive secret key and session token (from the environment, then from the provider block), the
UnauthorizedOperation path and a wrong secret (SignatureDoesNotMatch), checked against every provider
stderr line, the driver's output and every diagnostic; then an HTTPS emulator with a self-signed
certificate: refused by default, accepted with custom_ca_bundle, accepted with insecure = true."""
import datetime
import ipaddress
import urllib.parse

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ami_env import ami_with_snapshot, attrs, config, driver, emu  # noqa: F401
from tests.soak.harness import Emulator

SNAP = "snap-0c000000000000001"
ADDR = "ec2_ami.web"
ACCESS_KEY = "AKIDNOSECRETSTEST001"
SECRET_KEY = "Zq9/Secret+Soak-Distinctive-7f3e1c0b9a8d6e5f4c3b2a10"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE/Token+Distinctive-0123456789abcdef=="
WRONG_SECRET = "Wr0ng/Secret+Distinctive-aa55aa55aa55aa55aa55aa55aa55"


def leak_forms(secret):
    """The secret as is, URL-encoded both ways, and its longest run of plain characters (a
    fragment that no other text contains by chance)."""
    plain = max("".join(c if c.isalnum() or c == "-" else " " for c in secret).split(), key=len)
    return {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret), plain}


def assert_no_leak(outcomes, *secrets):
    texts = []
    for out in outcomes:
        texts.append(("provider stderr", out.provider_stderr))
        texts.append(("driver output", out.output))
        for r in out.diagnostics:
            d = r.diagnostic
            texts.append((f"diagnostic {d.summary!r}", f"{d.summary}\n{d.detail}"))
    for secret in secrets:
        for form in leak_forms(secret):
            for where, text in texts:
                assert form not in text, f"{form!r} appears in the {where}"


def add_key(emu, secret=SECRET_KEY, token=TOKEN):  # noqa: F811
    emu.admin("POST", "credentials", {"access_key": ACCESS_KEY, "secret_key": secret, "session_token": token})


def env_creds(secret=SECRET_KEY, token=TOKEN, level="TRACE"):
    return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": token,
            "TF_LOG_PROVIDER": level}


def signed_with_our_key(emu):  # noqa: F811
    keys = {r["access_key"] for r in emu.requests()}
    return keys == {ACCESS_KEY}


def test_lifecycle_at_trace_never_shows_the_secret_or_token(emu, tmp_path):  # noqa: F811
    add_key(emu)
    emu.snapshot(SNAP)
    state = str(tmp_path / "s.tfstate")
    body = ami_with_snapshot("secret-1", SNAP, tags={"Team": "a"}, delete_snapshots=True)
    outs = [driver(config(emu, {"web": body}), state, env=env_creds()).apply()]
    assert outs[-1].exit_code == 0, outs[-1].output
    body.update(description="v2", tags={"Team": "b"})
    outs.append(driver(config(emu, {"web": body}), state, env=env_creds()).apply())
    assert outs[-1].exit_code == 0, outs[-1].output
    outs.append(driver(config(emu, {"web": body}), state, env=env_creds()).destroy())
    assert outs[-1].exit_code == 0, outs[-1].output
    assert signed_with_our_key(emu)  # the distinctive key really was in use
    assert '"@level":"trace"' in outs[0].provider_stderr  # and TRACE really logged (request bodies included)
    assert_no_leak(outs, SECRET_KEY, TOKEN)


def test_provider_block_credentials_never_show(emu, tmp_path):  # noqa: F811
    add_key(emu)
    emu.snapshot(SNAP)
    state = str(tmp_path / "s.tfstate")
    cfg = config(emu, {"web": ami_with_snapshot("secret-2", SNAP)},
                 provider={"access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "token": TOKEN})
    env = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None,
           "TF_LOG_PROVIDER": "TRACE"}
    outs = [driver(cfg, state, env=env).apply()]
    assert outs[-1].exit_code == 0, outs[-1].output
    outs.append(driver(cfg, state, env=env).destroy())
    assert outs[-1].exit_code == 0, outs[-1].output
    assert signed_with_our_key(emu)
    assert_no_leak(outs, SECRET_KEY, TOKEN)


def test_unauthorized_operation_never_shows_the_secret_or_token(emu, tmp_path):  # noqa: F811
    add_key(emu)
    emu.snapshot(SNAP)
    emu.policy(deny_actions=["RegisterImage"])
    out = driver(config(emu, {"web": ami_with_snapshot("secret-3", SNAP)}), str(tmp_path / "s.tfstate"),
                 env=env_creds()).apply()
    assert out.exit_code == 1
    assert any("UnauthorizedOperation" in d.detail for d in out.errors()), out.output
    assert signed_with_our_key(emu)
    assert_no_leak([out], SECRET_KEY, TOKEN)


def test_signature_mismatch_never_shows_either_secret(emu, tmp_path):  # noqa: F811
    add_key(emu)
    emu.snapshot(SNAP)
    out = driver(config(emu, {"web": ami_with_snapshot("secret-4", SNAP)}), str(tmp_path / "s.tfstate"),
                 env=env_creds(secret=WRONG_SECRET)).apply()
    assert out.exit_code == 1
    assert any("SignatureDoesNotMatch" in d.detail for d in out.errors()), out.output
    assert_no_leak([out], SECRET_KEY, WRONG_SECRET, TOKEN)


# --- TLS verification of the EC2 endpoint -------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and localhost (its own CA): (cert path, key path)."""
    d = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec2emu test endpoint")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = d / "cert.pem", d / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


@pytest.mark.parametrize("case", ["refused", "custom_ca_bundle", "insecure"])
def test_untrusted_endpoint_certificate(self_signed, tmp_path, case):
    cert, key = self_signed
    with Emulator("--pending-delay", "0.3", "--tls-cert", cert, "--tls-key", key, cafile=cert) as tls_emu:
        assert tls_emu.url.startswith("https://")
        tls_emu.snapshot(SNAP)
        extra = {"refused": {}, "custom_ca_bundle": {"custom_ca_bundle": cert}, "insecure": {"insecure": True}}[case]
        env = {"AWS_CA_BUNDLE": None, "SSL_CERT_FILE": None, "CURL_CA_BUNDLE": None}
        out = driver(config(tls_emu, {"web": ami_with_snapshot("tls-1", SNAP)}, provider=extra),
                     str(tmp_path / "s.tfstate"), env=env).apply()
        if case == "refused":
            assert out.exit_code == 1, out.output
            text = " ".join(f"{d.summary} {d.detail}" for d in out.errors()).lower()
            assert "certificate" in text or "ssl" in text or "tls" in text, out.output
            assert tls_emu.requests() == []  # no EC2 request got through the handshake
        else:
            assert out.exit_code == 0, out.output
            image_id = attrs(out, ADDR)["id"]
            assert tls_emu.images_by_id()[image_id]["state"] == "available"
