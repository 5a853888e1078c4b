"""Fault injection and the request log of the emulator."""

import http.client
import time

import pytest

from conftest import register


@pytest.mark.parametrize(
    "kind,status,code",
    [
        ("throttle", 400, "RequestLimitExceeded"),
        ("internal-error", 500, "InternalError"),
        ("unavailable", 503, "Unavailable"),
    ],
)
def test_error_faults_hit_the_next_n_calls(ec2, admin, kind, status, code):
    admin.req("POST", "faults", {"kind": kind, "count": 2})
    for _ in range(2):
        r = ec2.call("DescribeImages")
        assert (r.status, r.code) == (status, code)
        assert r.text("RequestID")
    assert ec2.call("DescribeImages").status == 200
    log = admin.requests()
    assert [e["fault"] for e in log] == [kind, kind, None]
    assert [e["status"] for e in log] == [status, status, 200]


def test_throttle_message(ec2, admin):
    admin.req("POST", "faults", {"kind": "throttle"})
    assert ec2.call("DescribeImages").message == "Request limit exceeded."


def test_fault_filtered_by_action(ec2, admin):
    admin.req("POST", "faults", {"kind": "internal-error", "action": "DeregisterImage"})
    assert ec2.call("DescribeImages").status == 200
    iid, _ = register(ec2, admin)
    assert ec2.call("DeregisterImage", {"ImageId": iid}).code == "InternalError"
    # The faulted call did not deregister.
    assert ec2.ok("DeregisterImage", {"ImageId": iid}).text("return") == "true"


def test_delay_fault(ec2, admin):
    admin.req("POST", "faults", {"kind": "delay", "delay": 0.6})
    start = time.time()
    assert ec2.call("DescribeImages").status == 200
    assert time.time() - start >= 0.55
    assert admin.requests()[-1]["status"] == 200


def test_drop_fault_closes_without_response_and_does_not_run(ec2, admin):
    admin.req("POST", "faults", {"kind": "drop"})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
        ec2.call("RegisterImage", {"Name": "never", "ImageLocation": "b/m.xml"})
    assert admin.state()["images"] == []
    assert admin.requests()[-1]["fault"] == "drop"


def test_drop_after_fault_runs_then_closes(ec2, admin):
    admin.req("POST", "faults", {"kind": "drop-after"})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
        ec2.call("RegisterImage", {"Name": "happened", "ImageLocation": "b/m.xml"})
    assert [i["name"] for i in admin.state()["images"]] == ["happened"]


def test_truncate_fault_cuts_body_short(ec2, admin):
    admin.req("POST", "faults", {"kind": "truncate"})
    with pytest.raises(http.client.IncompleteRead):
        ec2.call("DescribeImages")
    assert ec2.call("DescribeImages").status == 200


def test_random_faults_are_seeded_and_clearable(ec2, admin):
    def run():
        admin.req("DELETE", "faults")
        admin.req("POST", "faults", {"rate": 0.5, "kinds": ["throttle", "unavailable"], "seed": 7})
        return [ec2.call("DescribeImages").status for _ in range(12)]

    first, second = run(), run()
    assert first == second
    assert set(first) <= {200, 400, 503} and 200 in first and len(set(first)) > 1
    admin.req("DELETE", "faults")
    assert all(ec2.call("DescribeImages").status == 200 for _ in range(5))


def test_bad_fault_spec_is_refused(admin):
    out = admin.req("POST", "faults", {"kind": "meteor"}, expect=400)
    assert "meteor" in out["error"]
    admin.req("POST", "faults", {"rate": 2}, expect=400)


def test_request_log_records_params_and_can_be_cleared(ec2, admin):
    ec2.call("DescribeImages", {"Owner.1": "self", "Filter.1.Name": "name", "Filter.1.Value.1": "a b+c"})
    (entry,) = admin.requests()
    assert entry["action"] == "DescribeImages" and entry["status"] == 200
    assert entry["params"] == {
        "Action": "DescribeImages",
        "Version": "2016-11-15",
        "Owner.1": "self",
        "Filter.1.Name": "name",
        "Filter.1.Value.1": "a b+c",
    }
    assert entry["access_key"] == "AKIDEXAMPLE"
    assert "Filter.1.Value.1=a%20b%2Bc" in entry["body"]
    admin.req("DELETE", "requests")
    assert admin.requests() == []
