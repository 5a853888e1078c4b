"""Image operations of the emulator: registration and its validation, describe (filters, owners,
pagination), the pending/deregistered lifecycle, tags, attributes, deprecation, protection and copies."""

import time

import pytest

from conftest import OWNER, register, wait_until


def image_item(ec2, image_id):
    r = ec2.ok("DescribeImages", {"ImageId.1": image_id})
    found = r.xml.findall("./imagesSet/item")
    assert len(found) == 1
    return found[0]


def ids_of(reply):
    return [i.findtext("imageId") for i in reply.xml.findall("./imagesSet/item")]


def test_register_image_describes_every_documented_field(ec2, admin):
    snap = admin.snapshot(volume_size=10, encrypted=True, kms_key_id="arn:aws:kms:us-east-1:123456789012:key/k1")
    data = admin.snapshot(volume_size=4)["snapshot_id"]
    iid, _ = register(
        ec2,
        admin,
        name="full [image] (v1.0) @x's_y/z",
        snap=snap["snapshot_id"],
        extra={
            "Description": "a test image",
            "Architecture": "arm64",
            "VirtualizationType": "hvm",
            "EnaSupport": "true",
            "SriovNetSupport": "simple",
            "BootMode": "uefi",
            "TpmSupport": "v2.0",
            "ImdsSupport": "v2.0",
            "BlockDeviceMapping.1.Ebs.VolumeSize": "12",
            "BlockDeviceMapping.1.Ebs.VolumeType": "gp3",
            "BlockDeviceMapping.1.Ebs.Iops": "4000",
            "BlockDeviceMapping.1.Ebs.Throughput": "250",
            "BlockDeviceMapping.1.Ebs.DeleteOnTermination": "false",
            "BlockDeviceMapping.2.DeviceName": "/dev/sdb",
            "BlockDeviceMapping.2.Ebs.SnapshotId": data,
            "BlockDeviceMapping.2.Ebs.VolumeType": "io2",
            "BlockDeviceMapping.2.Ebs.Iops": "1000",
            "BlockDeviceMapping.3.DeviceName": "/dev/sdc",
            "BlockDeviceMapping.3.VirtualName": "ephemeral0",
            "BlockDeviceMapping.4.DeviceName": "/dev/sdd",
            "BlockDeviceMapping.4.NoDevice": "",
            "TagSpecification.1.ResourceType": "image",
            "TagSpecification.1.Tag.1.Key": "Name",
            "TagSpecification.1.Tag.1.Value": "full",
            "TagSpecification.1.Tag.2.Key": "empty",
        },
    )
    assert iid.startswith("ami-") and len(iid) == 21
    it = image_item(ec2, iid)
    expect = {
        "imageState": "pending",
        "imageOwnerId": OWNER,
        "isPublic": "false",
        "architecture": "arm64",
        "imageType": "machine",
        "platformDetails": "Linux/UNIX",
        "usageOperation": "RunInstances",
        "name": "full [image] (v1.0) @x's_y/z",
        "description": "a test image",
        "rootDeviceType": "ebs",
        "rootDeviceName": "/dev/xvda",
        "virtualizationType": "hvm",
        "hypervisor": "xen",
        "enaSupport": "true",
        "sriovNetSupport": "simple",
        "bootMode": "uefi",
        "tpmSupport": "v2.0",
        "imdsSupport": "v2.0",
        "deregistrationProtection": "disabled",
    }
    for k, v in expect.items():
        assert it.findtext(k) == v, k
    assert it.findtext("creationDate").endswith("Z")
    bdms = it.findall("./blockDeviceMapping/item")
    assert [b.findtext("deviceName") for b in bdms] == ["/dev/xvda", "/dev/sdb", "/dev/sdc", "/dev/sdd"]
    root = bdms[0].find("ebs")
    assert root.findtext("snapshotId") == snap["snapshot_id"]
    assert root.findtext("volumeSize") == "12"
    assert root.findtext("deleteOnTermination") == "false"
    assert root.findtext("iops") == "4000" and root.findtext("throughput") == "250"
    assert root.findtext("encrypted") == "true"
    assert root.findtext("kmsKeyId") == snap["kms_key_id"]
    assert bdms[1].find("ebs").findtext("volumeSize") == "4"
    assert bdms[2].findtext("virtualName") == "ephemeral0"
    assert bdms[3].find("noDevice") is not None
    tags = {t.findtext("key"): t.findtext("value") for t in it.findall("./tagSet/item")}
    assert tags == {"Name": "full", "empty": ""}


def test_image_becomes_available_after_pending_delay(ec2, admin):
    iid, _ = register(ec2, admin)
    assert image_item(ec2, iid).findtext("imageState") == "pending"
    assert wait_until(lambda: image_item(ec2, iid).findtext("imageState") == "available")


def test_policy_can_make_new_images_fail(ec2, admin):
    admin.req("POST", "policy", {"fail_new_images": True})
    iid, _ = register(ec2, admin)
    assert wait_until(lambda: image_item(ec2, iid).findtext("imageState") == "failed")
    it = image_item(ec2, iid)
    assert it.findtext("./stateReason/code") == "Server.InternalError"
    assert "failed" in it.findtext("./stateReason/message")


@pytest.mark.parametrize(
    "params,code",
    [
        ({"Name": None}, "MissingParameter"),
        ({"Name": "ab"}, "InvalidParameterValue"),
        ({"Name": "bad*name"}, "InvalidParameterValue"),
        ({"Name": "x" * 129}, "InvalidParameterValue"),
        ({"RootDeviceName": None}, "MissingParameter"),
        ({"RootDeviceName": "/dev/sda1"}, "InvalidParameterValue"),
        ({"BlockDeviceMapping.1.Ebs.SnapshotId": "snap-0000000000000dead"}, "InvalidSnapshot.NotFound"),
        ({"BlockDeviceMapping.1.Ebs.SnapshotId": "snap-xyz"}, "InvalidSnapshotID.Malformed"),
        ({"BlockDeviceMapping.1.Ebs.VolumeSize": "2"}, "InvalidParameterValue"),
        ({"BlockDeviceMapping.1.Ebs.VolumeType": "gp9"}, "InvalidParameterValue"),
        ({"BlockDeviceMapping.1.Ebs.VolumeType": "io1"}, "MissingParameter"),
        ({"BlockDeviceMapping.1.Ebs.Throughput": "300"}, "InvalidParameterCombination"),
        ({"Architecture": "sparc"}, "InvalidParameterValue"),
        ({"TpmSupport": "v2.0"}, "InvalidParameterCombination"),
        ({"EnaSupport": "yes"}, "InvalidParameterValue"),
        ({"KernelId": "aki-nope"}, "InvalidAMIID.Malformed"),
        ({"TagSpecification.1.ResourceType": "snapshot", "TagSpecification.1.Tag.1.Key": "k"}, "InvalidParameterValue"),
        ({"TagSpecification.1.ResourceType": "image", "TagSpecification.1.Tag.1.Key": "aws:x"}, "InvalidParameterValue"),
    ],
)
def test_register_image_validation(ec2, admin, params, code):
    snap = admin.snapshot(volume_size=8)["snapshot_id"]
    base = {
        "Name": "valid-name",
        "RootDeviceName": "/dev/xvda",
        "BlockDeviceMapping.1.DeviceName": "/dev/xvda",
        "BlockDeviceMapping.1.Ebs.SnapshotId": snap,
    }
    for k, v in params.items():
        if v is None:
            base.pop(k)
        else:
            base[k] = v
    r = ec2.call("RegisterImage", base)
    assert (r.status, r.code) == (400, code), r
    assert admin.state()["images"] == []


def test_register_duplicate_name(ec2, admin):
    iid, snap = register(ec2, admin, name="dup-name")
    r = ec2.call(
        "RegisterImage",
        {"Name": "dup-name", "ImageLocation": "bucket/manifest.xml"},
    )
    assert r.code == "InvalidAMIName.Duplicate" and iid in r.message


def test_register_with_image_location_only(ec2, admin):
    r = ec2.ok("RegisterImage", {"Name": "s3-backed", "ImageLocation": "bucket/img.manifest.xml"})
    it = image_item(ec2, r.text("imageId"))
    assert it.findtext("imageLocation") == "bucket/img.manifest.xml"
    assert it.findtext("rootDeviceType") == "instance-store"


def test_describe_unknown_and_malformed_ids(ec2, admin):
    r = ec2.call("DescribeImages", {"ImageId.1": "ami-00000000000000000"})
    assert (r.status, r.code) == (400, "InvalidAMIID.NotFound")
    assert "ami-00000000000000000" in r.message
    r = ec2.call("DescribeImages", {"ImageId.1": "ami-zz"})
    assert r.code == "InvalidAMIID.Malformed"


def test_unknown_filter_fails_even_with_nothing_to_match(ec2, admin):
    r = ec2.call("DescribeImages", {"Filter.1.Name": "nam", "Filter.1.Value.1": "x"})
    assert (r.status, r.code) == (400, "InvalidParameterValue") and "nam" in r.message
    assert ec2.call("DescribeSnapshots", {"Filter.1.Name": "tag:", "Filter.1.Value.1": "x"}).code == "InvalidParameterValue"


def test_describe_filters(ec2, admin):
    a, snap_a = register(ec2, admin, name="web-2024-01", extra={"Architecture": "arm64"})
    b, snap_b = register(ec2, admin, name="web-2024-02")
    c, _ = register(ec2, admin, name="db-2024-01")
    ec2.ok("CreateTags", {"ResourceId.1": b, "Tag.1.Key": "team", "Tag.1.Value": "blue"})

    def q(*filters):
        params = {}
        for n, (name, values) in enumerate(filters, 1):
            params[f"Filter.{n}.Name"] = name
            for m, v in enumerate(values, 1):
                params[f"Filter.{n}.Value.{m}"] = v
        return sorted(ids_of(ec2.ok("DescribeImages", params)))

    assert q(("name", ["web-*"])) == sorted([a, b])
    assert q(("name", ["web-2024-0?"])) == sorted([a, b])
    assert q(("name", ["*-01"])) == sorted([a, c])
    assert q(("name", ["web-*"]), ("architecture", ["arm64"])) == [a]
    assert q(("image-id", [c])) == [c]
    assert q(("tag:team", ["blue"])) == [b]
    assert q(("tag:team", ["red"])) == []
    assert q(("tag-key", ["team"])) == [b]
    assert q(("block-device-mapping.snapshot-id", [snap_a])) == [a]
    assert q(("state", ["pending", "available"])) == sorted([a, b, c])
    assert q(("state", ["failed"])) == []
    r = ec2.call("DescribeImages", {"Filter.1.Name": "no-such-filter", "Filter.1.Value.1": "x"})
    assert r.code == "InvalidParameterValue"


def test_describe_owners_and_executable_by(ec2, admin):
    mine, _ = register(ec2, admin, name="mine")
    admin.image(image_id="ami-0aaaaaaaaaaaaaaaa", name="amzn-public", owner_id="137112412989", owner_alias="amazon", public=True)
    admin.image(
        image_id="ami-0bbbbbbbbbbbbbbbb",
        name="shared-with-me",
        owner_id="222222222222",
        launch_permissions=[{"UserId": OWNER}],
    )
    admin.image(image_id="ami-0cccccccccccccccc", name="hidden", owner_id="333333333333")

    def q(params):
        return sorted(ids_of(ec2.ok("DescribeImages", params)))

    assert q({}) == sorted([mine, "ami-0aaaaaaaaaaaaaaaa", "ami-0bbbbbbbbbbbbbbbb"])
    assert q({"Owner.1": "self"}) == [mine]
    assert q({"Owner.1": OWNER}) == [mine]
    assert q({"Owner.1": "amazon"}) == ["ami-0aaaaaaaaaaaaaaaa"]
    assert q({"Owner.1": "self", "Owner.2": "222222222222"}) == sorted([mine, "ami-0bbbbbbbbbbbbbbbb"])
    assert q({"ExecutableBy.1": "all"}) == ["ami-0aaaaaaaaaaaaaaaa"]
    assert q({"ExecutableBy.1": "self"}) == sorted([mine, "ami-0bbbbbbbbbbbbbbbb"])
    r = ec2.call("DescribeImages", {"ImageId.1": "ami-0cccccccccccccccc"})
    assert r.code == "InvalidAMIID.NotFound"


def test_include_deprecated_hides_only_foreign_deprecated_images(ec2, admin):
    mine, _ = register(ec2, admin, name="mine-old")
    ec2.ok("EnableImageDeprecation", {"ImageId": mine, "DeprecateAt": "2099-01-01T00:00:00Z"})
    admin.image(
        image_id="ami-0dddddddddddddddd",
        name="old-public",
        owner_id="444444444444",
        public=True,
        deprecation_time="2001-01-01T00:00:00Z",
    )
    assert "ami-0dddddddddddddddd" not in ids_of(ec2.ok("DescribeImages"))
    assert "ami-0dddddddddddddddd" in ids_of(ec2.ok("DescribeImages", {"IncludeDeprecated": "true"}))
    # An owner always sees their own, deprecated or not.
    state = admin.state()
    assert [i for i in state["images"] if i["image_id"] == mine][0]["deprecation_time"] == "2099-01-01T00:00:00.000Z"


def test_describe_pagination(ec2, admin):
    created = [register(ec2, admin, name=f"page-{n:02d}")[0] for n in range(12)]
    seen, token, pages = [], None, 0
    while True:
        params = {"MaxResults": "5", "Owner.1": "self"}
        if token:
            params["NextToken"] = token
        r = ec2.ok("DescribeImages", params)
        got = ids_of(r)
        assert len(got) <= 5
        seen += got
        pages += 1
        token = r.text("nextToken")
        if not token:
            break
    assert pages == 3 and sorted(seen) == sorted(created)
    assert ec2.call("DescribeImages", {"MaxResults": "4"}).code == "InvalidParameterValue"
    assert ec2.call("DescribeImages", {"MaxResults": "5", "ImageId.1": created[0]}).code == "InvalidParameterCombination"
    assert ec2.call("DescribeImages", {"NextToken": "garbage"}).code == "InvalidParameterValue"


def test_deregistered_image_lingers_then_is_not_found(ec2, admin):
    iid, snap = register(ec2, admin)
    r = ec2.ok("DeregisterImage", {"ImageId": iid})
    assert r.text("return") == "true"
    assert r.xml.find("deleteSnapshotResultSet") is None
    assert image_item(ec2, iid).findtext("imageState") == "deregistered"
    assert iid not in ids_of(ec2.ok("DescribeImages", {"Owner.1": "self"}))
    assert ec2.call("DeregisterImage", {"ImageId": iid}).code == "InvalidAMIID.Unavailable"
    assert wait_until(lambda: ec2.call("DescribeImages", {"ImageId.1": iid}).code == "InvalidAMIID.NotFound")
    assert ec2.call("DeregisterImage", {"ImageId": iid}).code == "InvalidAMIID.NotFound"
    # The snapshot survives a plain deregistration and is free to delete now.
    ec2.ok("DeleteSnapshot", {"SnapshotId": snap})


def snapshot_results(reply):
    return {
        i.findtext("snapshotId"): i.findtext("returnCode") for i in reply.xml.findall("./deleteSnapshotResultSet/item")
    }


def test_delete_associated_snapshots_success_and_skipped(ec2, admin):
    shared = admin.snapshot(volume_size=8)["snapshot_id"]
    own = admin.snapshot(volume_size=8)["snapshot_id"]
    iid, _ = register(
        ec2,
        admin,
        name="two-disks",
        snap=shared,
        extra={"BlockDeviceMapping.2.DeviceName": "/dev/sdb", "BlockDeviceMapping.2.Ebs.SnapshotId": own},
    )
    register(ec2, admin, name="other-user", snap=shared)
    r = ec2.ok("DeregisterImage", {"ImageId": iid, "DeleteAssociatedSnapshots": "true"})
    assert snapshot_results(r) == {shared: "skipped", own: "success"}
    snaps = {s["snapshot_id"] for s in admin.state()["snapshots"]}
    assert shared in snaps and own not in snaps


def test_delete_associated_snapshots_missing_permissions(ec2, admin):
    iid, snap = register(ec2, admin)
    admin.req("POST", "policy", {"deny_snapshot_deletion": True})
    r = ec2.ok("DeregisterImage", {"ImageId": iid, "DeleteAssociatedSnapshots": "true"})
    assert snapshot_results(r) == {snap: "missing-permissions"}
    assert ec2.call("DeleteSnapshot", {"SnapshotId": snap}).code == "UnauthorizedOperation"


@pytest.mark.parametrize("code", ["internal-error", "client-error", "missing-permissions"])
def test_delete_associated_snapshots_injected_result(ec2, admin, code):
    iid, snap = register(ec2, admin)
    admin.req("POST", "policy", {"snapshot_results": {snap: code}})
    r = ec2.ok("DeregisterImage", {"ImageId": iid, "DeleteAssociatedSnapshots": "true"})
    assert snapshot_results(r) == {snap: code}
    # The image is gone, the snapshot is not; once the fault clears a plain delete works.
    assert image_item(ec2, iid).findtext("imageState") == "deregistered"
    admin.req("POST", "policy", {})
    ec2.ok("DeleteSnapshot", {"SnapshotId": snap})


def test_deregistration_protection(ec2, admin):
    iid, _ = register(ec2, admin)
    r = ec2.ok("EnableImageDeregistrationProtection", {"ImageId": iid})
    assert r.text("return") == "enabled-without-cooldown"
    assert image_item(ec2, iid).findtext("deregistrationProtection") == "enabled-without-cooldown"
    r = ec2.call("DeregisterImage", {"ImageId": iid})
    assert (r.status, r.code) == (400, "OperationNotPermitted")
    assert "protection" in r.message
    assert ec2.ok("DisableImageDeregistrationProtection", {"ImageId": iid}).text("return") == "disabled"
    ec2.ok("DeregisterImage", {"ImageId": iid})


def test_deregistration_protection_with_cooldown(ec2, admin):
    iid, _ = register(ec2, admin)
    r = ec2.ok("EnableImageDeregistrationProtection", {"ImageId": iid, "WithCooldown": "true"})
    assert r.text("return") == "enabled-with-cooldown"
    ec2.ok("DisableImageDeregistrationProtection", {"ImageId": iid})
    r = ec2.call("DeregisterImage", {"ImageId": iid})
    assert r.code == "OperationNotPermitted" and "cooldown" in r.message
    assert wait_until(lambda: ec2.call("DeregisterImage", {"ImageId": iid}).status == 200)


def tags_of(ec2, iid):
    return {t.findtext("key"): t.findtext("value") for t in image_item(ec2, iid).findall("./tagSet/item")}


def test_create_and_delete_tags(ec2, admin):
    iid, snap = register(ec2, admin)
    ec2.ok(
        "CreateTags",
        {
            "ResourceId.1": iid,
            "ResourceId.2": snap,
            "Tag.1.Key": "a",
            "Tag.1.Value": "1",
            "Tag.2.Key": "b",
            "Tag.2.Value": "2",
            "Tag.3.Key": "c",
        },
    )
    assert tags_of(ec2, iid) == {"a": "1", "b": "2", "c": ""}
    ec2.ok("DeleteTags", {"ResourceId.1": iid, "Tag.1.Key": "a", "Tag.1.Value": "wrong", "Tag.2.Key": "b"})
    assert tags_of(ec2, iid) == {"a": "1", "c": ""}
    ec2.ok("DeleteTags", {"ResourceId.1": iid, "Tag.1.Key": "a", "Tag.1.Value": "1"})
    assert tags_of(ec2, iid) == {"c": ""}
    ec2.ok("DeleteTags", {"ResourceId.1": iid})
    assert tags_of(ec2, iid) == {}
    snap_tags = [s["tags"] for s in admin.state()["snapshots"] if s["snapshot_id"] == snap][0]
    assert snap_tags == {"a": "1", "b": "2", "c": ""}
    assert ec2.call("CreateTags", {"ResourceId.1": "ami-00000000000000001", "Tag.1.Key": "k"}).code == "InvalidAMIID.NotFound"
    assert ec2.call("CreateTags", {"ResourceId.1": "i-1234", "Tag.1.Key": "k"}).code == "InvalidID"
    assert ec2.call("CreateTags", {"ResourceId.1": iid}).code == "MissingParameter"


def test_modify_image_attribute_description_and_launch_permissions(ec2, admin):
    iid, _ = register(ec2, admin)
    ec2.ok("ModifyImageAttribute", {"ImageId": iid, "Description.Value": "new text"})
    assert image_item(ec2, iid).findtext("description") == "new text"
    ec2.ok(
        "ModifyImageAttribute",
        {"ImageId": iid, "LaunchPermission.Add.1.UserId": "111122223333", "LaunchPermission.Add.2.Group": "all"},
    )
    assert image_item(ec2, iid).findtext("isPublic") == "true"
    r = ec2.ok("DescribeImageAttribute", {"ImageId": iid, "Attribute": "launchPermission"})
    perms = [(i[0].tag, i[0].text) for i in r.xml.findall("./launchPermission/item")]
    assert perms == [("userId", "111122223333"), ("group", "all")]
    ec2.ok("ModifyImageAttribute", {"ImageId": iid, "LaunchPermission.Remove.1.Group": "all"})
    assert image_item(ec2, iid).findtext("isPublic") == "false"
    # The older Attribute/OperationType form.
    ec2.ok(
        "ModifyImageAttribute",
        {"ImageId": iid, "Attribute": "launchPermission", "OperationType": "remove", "UserId.1": "111122223333"},
    )
    r = ec2.ok("DescribeImageAttribute", {"ImageId": iid, "Attribute": "launchPermission"})
    assert r.xml.findall("./launchPermission/item") == []
    r = ec2.ok("DescribeImageAttribute", {"ImageId": iid, "Attribute": "description"})
    assert r.text("./description/value") == "new text"
    bad = ec2.call("ModifyImageAttribute", {"ImageId": iid, "LaunchPermission.Add.1.UserId": "12"})
    assert bad.code == "InvalidAMIAttributeItemValue"
    assert ec2.call("ModifyImageAttribute", {"ImageId": iid}).code == "MissingParameter"


def test_image_deprecation(ec2, admin):
    iid, _ = register(ec2, admin)
    ec2.ok("EnableImageDeprecation", {"ImageId": iid, "DeprecateAt": "2031-05-06T07:08:40Z"})
    assert image_item(ec2, iid).findtext("deprecationTime") == "2031-05-06T07:09:00.000Z"
    ec2.ok("DisableImageDeprecation", {"ImageId": iid})
    assert image_item(ec2, iid).find("deprecationTime") is None
    assert ec2.call("EnableImageDeprecation", {"ImageId": iid, "DeprecateAt": "2001-01-01T00:00:00Z"}).code == (
        "InvalidParameterValue"
    )
    assert ec2.call("EnableImageDeprecation", {"ImageId": iid, "DeprecateAt": "soon"}).code == "InvalidParameterValue"
    assert ec2.call("EnableImageDeprecation", {"ImageId": iid}).code == "MissingParameter"


def test_copy_image_and_client_token_idempotency(ec2, admin):
    src, snap = register(ec2, admin, name="source")
    ec2.ok("CreateTags", {"ResourceId.1": src, "Tag.1.Key": "from", "Tag.1.Value": "src"})
    r = ec2.call("CopyImage", {"Name": "copy", "SourceImageId": src, "SourceRegion": "us-east-1"})
    assert r.code == "InvalidAMIID.Unavailable"  # still pending
    assert wait_until(lambda: image_item(ec2, src).findtext("imageState") == "available")
    params = {
        "Name": "copy",
        "SourceImageId": src,
        "SourceRegion": "us-east-1",
        "ClientToken": "token-1",
        "Description": "copied",
        "Encrypted": "true",
        "KmsKeyId": "alias/mine",
        "CopyImageTags": "true",
        "TagSpecification.1.ResourceType": "image",
        "TagSpecification.1.Tag.1.Key": "copy",
        "TagSpecification.1.Tag.1.Value": "yes",
        "TagSpecification.2.ResourceType": "snapshot",
        "TagSpecification.2.Tag.1.Key": "snapcopy",
        "TagSpecification.2.Tag.1.Value": "yes",
    }
    first = ec2.ok("CopyImage", params).text("imageId")
    again = ec2.ok("CopyImage", params).text("imageId")
    assert first == again and first != src
    assert len([i for i in admin.state()["images"] if i["name"] == "copy"]) == 1
    it = image_item(ec2, first)
    assert it.findtext("sourceImageId") == src
    assert tags_of(ec2, first) == {"from": "src", "copy": "yes"}
    new_snap = it.find("./blockDeviceMapping/item/ebs/snapshotId").text
    assert new_snap != snap
    copied = [s for s in admin.state()["snapshots"] if s["snapshot_id"] == new_snap][0]
    assert copied["encrypted"] and copied["tags"] == {"snapcopy": "yes"}
    changed = dict(params, Name="copy-2")
    assert ec2.call("CopyImage", changed).code == "IdempotentParameterMismatch"
    del params["ClientToken"]
    assert ec2.call("CopyImage", params).code == "InvalidAMIName.Duplicate"


def test_foreign_image_cannot_be_modified(ec2, admin):
    admin.image(image_id="ami-0eeeeeeeeeeeeeeee", name="theirs", owner_id="555555555555", public=True)
    r = ec2.call("DeregisterImage", {"ImageId": "ami-0eeeeeeeeeeeeeeee"})
    assert r.code == "AuthFailure"
    assert ec2.call("CreateTags", {"ResourceId.1": "ami-0eeeeeeeeeeeeeeee", "Tag.1.Key": "k"}).code == "AuthFailure"


OPS = {
    "RegisterImage": lambda iid, snap: {"Name": "dry", "ImageLocation": "b/m.xml"},
    "DescribeImages": lambda iid, snap: {},
    "DeregisterImage": lambda iid, snap: {"ImageId": iid},
    "CreateTags": lambda iid, snap: {"ResourceId.1": iid, "Tag.1.Key": "k"},
    "DeleteTags": lambda iid, snap: {"ResourceId.1": iid},
    "ModifyImageAttribute": lambda iid, snap: {"ImageId": iid, "Description.Value": "d"},
    "DescribeImageAttribute": lambda iid, snap: {"ImageId": iid, "Attribute": "description"},
    "EnableImageDeprecation": lambda iid, snap: {"ImageId": iid, "DeprecateAt": "2040-01-01T00:00:00Z"},
    "DisableImageDeprecation": lambda iid, snap: {"ImageId": iid},
    "EnableImageDeregistrationProtection": lambda iid, snap: {"ImageId": iid},
    "DisableImageDeregistrationProtection": lambda iid, snap: {"ImageId": iid},
    "DescribeSnapshots": lambda iid, snap: {},
    "DeleteSnapshot": lambda iid, snap: {"SnapshotId": snap},
    "CreateSnapshot": lambda iid, snap: {"VolumeId": "vol-0123456789abcdef0"},
    "CopyImage": lambda iid, snap: {"Name": "c", "SourceImageId": iid, "SourceRegion": "us-east-1"},
}


@pytest.mark.parametrize("action", sorted(OPS))
def test_dry_run_allowed_and_denied(ec2, admin, action):
    iid, snap = register(ec2, admin)
    before = admin.state()
    params = dict(OPS[action](iid, snap), DryRun="true")
    r = ec2.call(action, params)
    assert (r.status, r.code) == (412, "DryRunOperation"), r
    assert r.message == "Request would have succeeded, but DryRun flag is set."
    after = admin.state()
    assert after["images"] == before["images"] and after["snapshots"] == before["snapshots"]
    admin.req("POST", "policy", {"deny_actions": [action]})
    for dry in ("true", "false"):
        r = ec2.call(action, dict(params, DryRun=dry))
        assert (r.status, r.code) == (403, "UnauthorizedOperation"), r
        assert r.message.startswith("You are not authorized to perform this operation. Encoded authorization failure message: ")
    assert admin.state()["images"] == before["images"]


def test_describe_image_attribute_values(ec2, admin):
    iid, snap = register(ec2, admin, extra={"BootMode": "uefi"})
    r = ec2.ok("DescribeImageAttribute", {"ImageId": iid, "Attribute": "bootMode"})
    assert r.text("./bootMode/value") == "uefi"
    r = ec2.ok("DescribeImageAttribute", {"ImageId": iid, "Attribute": "blockDeviceMapping"})
    assert r.text("./blockDeviceMapping/item/ebs/snapshotId") == snap
    assert ec2.call("DescribeImageAttribute", {"ImageId": iid, "Attribute": "colour"}).code == "InvalidParameterValue"


def test_pending_image_transition_uses_emulator_clock(ec2, admin):
    iid, _ = register(ec2, admin)
    time.sleep(0.01)
    admin.req("POST", "clock", {"offset": 10})
    # The request is signed with the real time, 10 s behind the server: well within 15 minutes.
    assert image_item(ec2, iid).findtext("imageState") == "available"
