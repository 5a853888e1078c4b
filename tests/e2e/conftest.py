"""Fixtures for the end-to-end tests: paths from the environment tf_add_pytest sets (TF_PROVIDER_BIN,
TF_TEST_BINARY_DIR, TF_TEST_SOURCE_DIR, TF_TEST_TIMEOUT_SCALE), with fallbacks to the source tree's
build directories when run by hand, and a launcher that always ends the provider it started."""
import glob
import os
import sys

import pytest

SOURCE_DIR = os.environ.get("TF_TEST_SOURCE_DIR") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))
if SOURCE_DIR not in sys.path:
    sys.path.insert(0, SOURCE_DIR)

from tests.driver import Provider  # noqa: E402


def _binary():
    if os.environ.get("TF_PROVIDER_BIN"):
        return os.environ["TF_PROVIDER_BIN"]
    found = sorted(glob.glob(os.path.join(SOURCE_DIR, "build*", "terraform-provider-ec2")), key=os.path.getmtime)
    return found[-1] if found else os.path.join(SOURCE_DIR, "build-h5", "terraform-provider-ec2")


BINARY = _binary()
SCALE = float(os.environ.get("TF_TEST_TIMEOUT_SCALE") or 1)
os.environ.setdefault("TF_PROTO_PYTHON_DIR", os.path.join(
    os.environ.get("TF_TEST_BINARY_DIR") or os.path.dirname(BINARY), "python"))


def scaled(seconds):
    """A timeout scaled for slow (sanitizer) builds."""
    return seconds * SCALE


# Environment that keeps the provider off the network and away from the user's AWS settings.
QUIET_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def binary():
    if not os.access(BINARY, os.X_OK):
        pytest.skip(f"provider binary not built: {BINARY}")
    return BINARY


@pytest.fixture
def launch(binary):
    """launch(**kw) -> Provider; every provider started is closed (or killed) at teardown."""
    started = []

    def _launch(**kw):
        kw.setdefault("timeout", scaled(10))
        env = dict(QUIET_ENV)
        env.update(kw.pop("env", None) or {})
        p = Provider.launch(binary, env=env, **kw)
        started.append(p)
        return p

    yield _launch
    for p in started:
        if p.proc.poll() is None:
            p.close(grace=scaled(2))


@pytest.fixture(params=[5, 6], ids=["v5", "v6"])
def protocol(request):
    return request.param


@pytest.fixture
def provider(launch, protocol):
    """A provider on the parametrized protocol, launched with AutoMTLS."""
    return launch(protocol=protocol, versions=str(protocol))
