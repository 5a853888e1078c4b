"""The real Terraform or OpenTofu CLI drives the provider, in both setups examples/terraform-setup
documents: a dev_overrides CLI configuration (a whole lifecycle against the emulator, whose destroy
reports every snapshot), and a filesystem mirror that `init` installs from offline. Skipped when
neither `terraform` nor `tofu` is on PATH: the driver-based tests cover the protocol either way."""
import os
import shutil
import subprocess

import pytest

from ami_env import emu  # noqa: F401
from conftest import BINARY, SCALE, SOURCE_DIR

CLI = shutil.which("terraform") or shutil.which("tofu")
SETUP = os.path.join(SOURCE_DIR, "examples", "terraform-setup")
pytestmark = pytest.mark.skipif(CLI is None, reason="neither terraform nor tofu is installed")


def cli_env(tfrc, **extra):
    env = dict(os.environ, TF_CLI_CONFIG_FILE=tfrc, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
               AWS_EC2_METADATA_DISABLED="true")
    env.pop("TF_LOG", None)
    env.update(extra)
    return env


def run(args, cwd, env):
    return subprocess.run([CLI, *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120 * SCALE)


def from_template(name, dest, **subst):
    text = open(os.path.join(SETUP, name)).read()
    for k, v in subst.items():
        text = text.replace(k, v)
    with open(dest, "w") as fh:
        fh.write(text)
    return dest


def test_dev_overrides_lifecycle_reports_each_snapshot(emu, tmp_path):
    emu.snapshot("snap-0123456789abcdef0")
    tfrc = from_template("dev-overrides.tfrc", str(tmp_path / "cli.tfrc"),
                         BUILD_DIR=os.path.dirname(os.path.abspath(BINARY)))
    work = tmp_path / "work"
    work.mkdir()
    main = open(os.path.join(SETUP, "main.tf")).read()
    # delete_snapshots so the destroy reports the snapshot; credentials and endpoint from the env.
    main = main.replace('  root_device_name = "/dev/xvda"\n',
                        '  root_device_name = "/dev/xvda"\n  delete_snapshots = true\n')
    (work / "main.tf").write_text(main)
    env = cli_env(tfrc, AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
                  AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                  AWS_ENDPOINT_URL_EC2=emu.url)
    out = run(["apply", "-auto-approve"], work, env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Apply complete! Resources: 1 added" in out.stdout
    images = [i for i in emu.state()["images"] if i["name"] == "example-image"]
    assert len(images) == 1 and images[0]["state"] == "available"
    out = run(["plan", "-detailed-exitcode"], work, env)
    assert out.returncode == 0, out.stdout + out.stderr  # 0: no changes
    out = run(["destroy", "-auto-approve"], work, env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Snapshot snap-0123456789abcdef0 will be deleted" in out.stdout + out.stderr
    assert "snap-0123456789abcdef0" not in emu.snapshot_ids()


def test_filesystem_mirror_installs_offline(tmp_path):
    mirror = tmp_path / "mirror"
    subprocess.run(["bash", os.path.join(SETUP, "make-mirror.sh"), os.path.dirname(os.path.abspath(BINARY)),
                    str(mirror)], check=True, capture_output=True, timeout=30)
    tfrc = from_template("filesystem-mirror.tfrc", str(tmp_path / "cli.tfrc"), MIRROR_DIR=str(mirror))
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(os.path.join(SETUP, "main.tf"), work / "main.tf")
    env = cli_env(tfrc)
    out = run(["init", "-input=false"], work, env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (work / ".terraform.lock.hcl").exists()
    assert "registry.terraform.io/ami-tools/ec2" in (work / ".terraform.lock.hcl").read_text()
    out = run(["validate"], work, env)
    assert out.returncode == 0, out.stdout + out.stderr
