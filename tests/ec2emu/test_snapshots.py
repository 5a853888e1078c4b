"""Snapshot operations of the emulator: describe (ids, owners, filters, pagination), create and delete."""

from conftest import OWNER, register


def snap_ids(reply):
    return [i.findtext("snapshotId") for i in reply.xml.findall("./snapshotSet/item")]


def test_describe_snapshot_fields(ec2, admin):
    s = admin.snapshot(volume_size=20, description="base disk", tags={"role": "root"})
    r = ec2.ok("DescribeSnapshots", {"SnapshotId.1": s["snapshot_id"]})
    (it,) = r.xml.findall("./snapshotSet/item")
    assert it.findtext("snapshotId") == s["snapshot_id"]
    assert it.findtext("volumeId") == s["volume_id"]
    assert it.findtext("status") == "completed"
    assert it.findtext("ownerId") == OWNER
    assert it.findtext("volumeSize") == "20"
    assert it.findtext("encrypted") == "false"
    assert it.findtext("description") == "base disk"
    assert it.findtext("startTime").endswith("Z")
    assert it.findtext("./tagSet/item/key") == "role"


def test_describe_snapshots_unknown_and_malformed(ec2, admin):
    r = ec2.call("DescribeSnapshots", {"SnapshotId.1": "snap-00000000000000000"})
    assert (r.status, r.code) == (400, "InvalidSnapshot.NotFound")
    assert ec2.call("DescribeSnapshots", {"SnapshotId.1": "snapshot-1"}).code == "InvalidSnapshotID.Malformed"


def test_describe_snapshots_owner_and_filters(ec2, admin):
    a = admin.snapshot(volume_size=8, tags={"env": "prod"})["snapshot_id"]
    b = admin.snapshot(volume_size=30, encrypted=True)["snapshot_id"]
    foreign = admin.snapshot(volume_size=8, owner_id="999988887777", public=True)["snapshot_id"]
    admin.snapshot(volume_size=8, owner_id="999988887777")

    def q(params):
        return sorted(snap_ids(ec2.ok("DescribeSnapshots", params)))

    assert q({}) == sorted([a, b, foreign])
    assert q({"Owner.1": "self"}) == sorted([a, b])
    assert q({"Owner.1": "999988887777"}) == [foreign]
    assert q({"Filter.1.Name": "tag:env", "Filter.1.Value.1": "prod"}) == [a]
    assert q({"Filter.1.Name": "volume-size", "Filter.1.Value.1": "30"}) == [b]
    assert q({"Filter.1.Name": "encrypted", "Filter.1.Value.1": "true"}) == [b]
    assert q({"Filter.1.Name": "snapshot-id", "Filter.1.Value.1": "snap-*", "Owner.1": "self"}) == sorted([a, b])
    assert ec2.call("DescribeSnapshots", {"Filter.1.Name": "bogus", "Filter.1.Value.1": "x"}).code == "InvalidParameterValue"


def test_describe_snapshots_pagination(ec2, admin):
    made = sorted(admin.snapshot(volume_size=1)["snapshot_id"] for _ in range(7))
    r1 = ec2.ok("DescribeSnapshots", {"MaxResults": "5"})
    assert len(snap_ids(r1)) == 5 and r1.text("nextToken")
    r2 = ec2.ok("DescribeSnapshots", {"MaxResults": "5", "NextToken": r1.text("nextToken")})
    assert len(snap_ids(r2)) == 2 and r2.text("nextToken") is None
    assert sorted(snap_ids(r1) + snap_ids(r2)) == made
    # A token of the other listing is refused.
    img_token = r1.text("nextToken")
    assert ec2.call("DescribeImages", {"NextToken": img_token}).code == "InvalidParameterValue"


def test_delete_snapshot_in_use_then_free(ec2, admin):
    iid, snap = register(ec2, admin)
    r = ec2.call("DeleteSnapshot", {"SnapshotId": snap})
    assert (r.status, r.code) == (400, "InvalidSnapshot.InUse")
    assert iid in r.message
    ec2.ok("DeregisterImage", {"ImageId": iid})
    assert ec2.ok("DeleteSnapshot", {"SnapshotId": snap}).text("return") == "true"
    assert ec2.call("DeleteSnapshot", {"SnapshotId": snap}).code == "InvalidSnapshot.NotFound"
    assert ec2.call("DeleteSnapshot", {}).code == "MissingParameter"


def test_create_snapshot_returns_completed_snapshot(ec2, admin):
    r = ec2.ok(
        "CreateSnapshot",
        {
            "VolumeId": "vol-0123456789abcdef0",
            "Description": "made by test",
            "TagSpecification.1.ResourceType": "snapshot",
            "TagSpecification.1.Tag.1.Key": "k",
            "TagSpecification.1.Tag.1.Value": "v",
        },
    )
    sid = r.text("snapshotId")
    assert sid.startswith("snap-")
    assert r.text("status") == "completed" and r.text("volumeId") == "vol-0123456789abcdef0"
    assert r.text("description") == "made by test" and r.text("./tagSet/item/value") == "v"
    assert snap_ids(ec2.ok("DescribeSnapshots", {"SnapshotId.1": sid})) == [sid]
    assert ec2.call("CreateSnapshot", {"VolumeId": "volume-1"}).code == "InvalidVolumeID.Malformed"
    # A fresh snapshot backs a new image.
    register(ec2, admin, name="from-created", snap=sid)
