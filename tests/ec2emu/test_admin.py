"""The unsigned JSON admin API, the command line and TLS mode of the emulator."""

import datetime
import http.client
import json
import os
import shutil
import ssl
import subprocess

import pytest

from conftest import Client, start_emulator, stop_emulator, wait_until


def test_state_seed_and_reset(ec2, admin):
    s = admin.snapshot(snapshot_id="snap-0123456789abcdef0", volume_size=9)
    assert s["snapshot_id"] == "snap-0123456789abcdef0" and s["volume_size"] == 9
    img = admin.image(
        image_id="ami-0123456789abcdef0",
        name="seeded",
        block_device_mappings=[{"device_name": "/dev/xvda", "snapshot_id": "snap-0123456789abcdef0"}],
        tags={"k": "v"},
    )
    assert img["state"] == "available" and img["root_device_name"] == "/dev/xvda"
    assert ec2.call("DeleteSnapshot", {"SnapshotId": "snap-0123456789abcdef0"}).code == "InvalidSnapshot.InUse"
    st = admin.state()
    assert [i["image_id"] for i in st["images"]] == ["ami-0123456789abcdef0"]
    assert st["owner_id"] == "123456789012" and st["region"] == "us-east-1"
    admin.req("POST", "reset")
    st = admin.state()
    assert st["images"] == [] and st["snapshots"] == [] and st["request_count"] == 0


def test_seeded_states_evolve(ec2, admin):
    admin.image(image_id="ami-0123456789abcdef1", name="later", state="pending", pending_delay=0.2, final_state="failed")
    admin.image(image_id="ami-0123456789abcdef2", name="going", state="deregistered")
    states = {i["image_id"]: i["state"] for i in admin.state()["images"]}
    assert states == {"ami-0123456789abcdef1": "pending", "ami-0123456789abcdef2": "deregistered"}
    assert wait_until(lambda: {i["image_id"] for i in admin.state()["images"]} == {"ami-0123456789abcdef1"})
    assert admin.state()["images"][0]["state"] == "failed"


def test_seed_errors_are_reported(admin):
    admin.snapshot(snapshot_id="snap-0123456789abcdef0")
    assert "already exists" in admin.req("POST", "snapshots", {"snapshot_id": "snap-0123456789abcdef0"}, expect=400)["error"]
    admin.req("POST", "images", {"name": "x", "block_device_mappings": [{"device_name": "/dev/xvda", "snapshot_id": "snap-00000000000000001"}]}, expect=400)
    admin.req("POST", "policy", {"snapshot_results": {"snap-1": "explode"}}, expect=400)
    admin.req("GET", "nothing-here", expect=404)


def test_invalid_json_is_rejected(emu_url, admin):
    c = http.client.HTTPConnection(admin.host, admin.port, timeout=5)
    c.request("POST", "/_emu/policy", body=b"{not json")
    r = c.getresponse()
    assert r.status == 400 and "invalid JSON" in json.loads(r.read())["error"]
    c.close()


def test_policy_roundtrip(admin):
    admin.req("POST", "policy", {"deny_actions": ["RegisterImage"], "deny_snapshot_deletion": True})
    assert admin.req("GET", "policy") == {
        "deny_actions": ["RegisterImage"],
        "deny_snapshot_deletion": True,
        "snapshot_results": {},
        "fail_new_images": False,
    }


def test_command_line_options(tmp_path):
    proc, url = start_emulator(["--region", "eu-west-3", "--owner-id", "210987654321"])
    try:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        assert Client(url, region="eu-west-3").call("DescribeImages").status == 200
        assert Client(url).call("DescribeImages").code == "SignatureDoesNotMatch"
        c = Client(url, region="eu-west-3")
        r = c.call("RegisterImage", {"Name": "owner-test", "ImageLocation": "b/m.xml"})
        iid = r.text("imageId")
        owner = c.call("DescribeImages", {"ImageId.1": iid}).text("./imagesSet/item/imageOwnerId")
        assert owner == "210987654321"
    finally:
        stop_emulator(proc)
    bad = subprocess.run(
        ["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "ec2emu.py"), "--owner-id", "12"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "owner-id" in bad.stderr


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl command not installed")
def test_tls_mode(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    proc, url = start_emulator(["--tls-cert", str(cert), "--tls-key", str(key)])
    try:
        assert url.startswith("https://")
        c = Client(url)
        c.ssl_context = ssl.create_default_context(cafile=str(cert))
        assert c.call("DescribeImages").status == 200
        untrusted = Client(url)
        untrusted.ssl_context = ssl.create_default_context()
        with pytest.raises(ssl.SSLError):
            untrusted.call("DescribeImages")
    finally:
        stop_emulator(proc)


def test_concurrent_requests_keep_state_consistent(ec2, admin):
    import threading

    snap = admin.snapshot(volume_size=8)["snapshot_id"]
    ids, errors = [], []

    def worker(n):
        try:
            for k in range(5):
                r = ec2.call(
                    "RegisterImage",
                    {
                        "Name": f"par-{n}-{k}",
                        "RootDeviceName": "/dev/xvda",
                        "BlockDeviceMapping.1.DeviceName": "/dev/xvda",
                        "BlockDeviceMapping.1.Ebs.SnapshotId": snap,
                    },
                )
                assert r.status == 200, r
                ids.append(r.text("imageId"))
        except Exception as e:  # collected: an assertion in a thread would be lost
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(ids)) == 30
    assert sorted(i["image_id"] for i in admin.state()["images"]) == sorted(ids)
    assert len(admin.requests()) == 30


def test_keep_alive_and_expect_continue(ec2, admin):
    # libcurl reuses connections and may send Expect: 100-continue; both must work.
    c = ec2.conn()
    try:
        for n in range(3):
            body = ec2.body_for("DescribeImages", {"Owner.1": "self"})
            headers = ec2.sign(body, datetime.datetime.now(datetime.timezone.utc))
            if n == 2:
                headers["Expect"] = "100-continue"
            c.request("POST", "/", body=body, headers=headers)
            r = c.getresponse()
            assert r.status == 200
            r.read()
    finally:
        c.close()
    assert len(admin.requests()) == 3
