"""SigV4 verification and request-level errors of the emulator's EC2 endpoint."""

import datetime
import email.utils

from conftest import Client


def test_valid_signature_is_accepted_and_reply_is_namespaced(ec2):
    r = ec2.call("DescribeImages")
    assert r.status == 200, r
    assert r.xml.tag == "DescribeImagesResponse"
    assert b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"' in r.body
    assert r.text("requestId")
    assert [n for n, _ in r.header_list if n.lower() == "date"] == ["Date"]
    assert r.headers["x-amzn-RequestId"] == r.text("requestId")


def test_tampered_body_gives_signature_does_not_match(ec2):
    r = ec2.call("DescribeImages", {"Owner.1": "self"}, tamper=lambda b, h: (b.replace(b"self", b"selg"), h))
    assert (r.status, r.code) == (403, "SignatureDoesNotMatch")
    assert r.xml.tag == "Response" and r.text("RequestID")


def test_wrong_secret_gives_signature_does_not_match(emu_url, admin):
    r = Client(emu_url, sk="not-the-secret").call("DescribeImages")
    assert (r.status, r.code) == (403, "SignatureDoesNotMatch")
    assert "not-the-secret" not in r.body.decode()


def test_unknown_access_key_gives_auth_failure(emu_url, admin):
    r = Client(emu_url, ak="AKIDUNKNOWN").call("DescribeImages")
    assert (r.status, r.code) == (401, "AuthFailure")


def test_missing_authorization_gives_auth_failure(ec2):
    def strip(body, headers):
        headers = dict(headers)
        del headers["authorization"]
        return body, headers

    r = ec2.call("DescribeImages", tamper=strip)
    assert (r.status, r.code) == (401, "AuthFailure")


def test_unsigned_host_is_rejected(ec2):
    # Re-sign without host in SignedHeaders by editing the header after signing: the list no longer
    # names host, which EC2 refuses whatever the signature.
    def drop_host(body, headers):
        headers = dict(headers)
        headers["authorization"] = headers["authorization"].replace("host;", "")
        return body, headers

    r = ec2.call("DescribeImages", tamper=drop_host)
    assert (r.status, r.code) == (403, "SignatureDoesNotMatch")


def test_stale_date_gives_request_expired_with_server_date(ec2):
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    r = ec2.call("DescribeImages", when=old)
    assert (r.status, r.code) == (400, "RequestExpired")
    server = email.utils.parsedate_to_datetime(r.headers["Date"])
    assert abs((server - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 60


def test_date_within_fifteen_minutes_is_accepted(ec2):
    skewed = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=14)
    assert ec2.call("DescribeImages", when=skewed).status == 200


def test_server_clock_offset_drives_expiry_and_date_header(ec2, admin):
    admin.req("POST", "clock", {"offset": 3600})
    r = ec2.call("DescribeImages")
    assert r.code == "RequestExpired"
    server = email.utils.parsedate_to_datetime(r.headers["Date"])
    ahead = (server - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 3500 < ahead < 3700
    # A client that corrects its clock from Date succeeds.
    assert ec2.call("DescribeImages", when=server).status == 200


def test_wrong_region_scope_is_rejected(emu_url, admin):
    r = Client(emu_url, region="eu-west-1").call("DescribeImages")
    assert (r.status, r.code) == (403, "SignatureDoesNotMatch")
    assert "region" in r.message


def test_session_credentials_need_their_token(emu_url, admin):
    admin.req("POST", "credentials", {"access_key": "ASIATEMP", "secret_key": "tempsecret", "session_token": "tok123"})
    assert Client(emu_url, ak="ASIATEMP", sk="tempsecret", token="tok123").call("DescribeImages").status == 200
    r = Client(emu_url, ak="ASIATEMP", sk="tempsecret").call("DescribeImages")
    assert (r.status, r.code) == (401, "AuthFailure")
    r = Client(emu_url, ak="ASIATEMP", sk="tempsecret", token="wrong").call("DescribeImages")
    assert r.code == "AuthFailure"


def test_added_static_key_works(emu_url, admin):
    admin.req("POST", "credentials", {"access_key": "AKIDSECOND", "secret_key": "second"})
    assert Client(emu_url, ak="AKIDSECOND", sk="second").call("DescribeImages").status == 200


def test_unknown_action_and_unknown_parameter(ec2):
    r = ec2.call("RunInstances")
    assert (r.status, r.code) == (400, "InvalidAction")
    r = ec2.call("DescribeImages", {"ImageIds.1": "ami-12345678"})
    assert (r.status, r.code) == (400, "UnknownParameter")
    assert "ImageIds.1" in r.message


def test_rejected_requests_are_logged_with_status(ec2, admin):
    ec2.call("DescribeImages", tamper=lambda b, h: (b + b"&X=1", h))
    log = admin.requests()
    assert log[-1]["status"] == 403 and log[-1]["error_code"] == "SignatureDoesNotMatch"


def test_missing_amz_date_is_incomplete_signature(ec2):
    def strip(body, headers):
        headers = {k: v for k, v in headers.items() if k != "x-amz-date"}
        return body, headers

    r = ec2.call("DescribeImages", tamper=strip)
    assert (r.status, r.code) == (400, "IncompleteSignature")
