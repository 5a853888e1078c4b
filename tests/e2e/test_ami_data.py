"""The ec2_ami data source: owners, filters, name_regex, most_recent, include_deprecated; zero matches and
ambiguous matches are errors that help narrow the search."""
import time

from ami_env import config, driver, emu, find_diag  # noqa: F401

ADDR = "data.ec2_ami.pick"


def seed(emu):
    emu.snapshot("snap-14000000000000001")
    bdm = [{"device_name": "/dev/xvda", "snapshot_id": "snap-14000000000000001"}]
    ids = {}
    for name, arch in [("web-2024.01", "x86_64"), ("web-2024.02", "x86_64"), ("web-2024.03", "arm64"),
                       ("db-2024.01", "x86_64"), ("web-test", "x86_64")]:
        ids[name] = emu.image(name=name, architecture=arch, root_device_name="/dev/xvda",
                              block_device_mappings=bdm, tags={"Name": name})["image_id"]
        time.sleep(0.01)  # distinct creation dates (EC2 keeps milliseconds)
    return ids


def read(emu, tmp_path, protocol, body):
    cfg = config(emu, data={"pick": body}, outputs={"id": {"value": "${data.ec2_ami.pick.id}"}})
    return driver(cfg, str(tmp_path / "s"), protocol).apply()


def test_filters_regex_and_most_recent(emu, tmp_path, protocol):
    ids = seed(emu)
    out = read(emu, tmp_path, protocol, {
        "owners": ["self"], "most_recent": True, "name_regex": "^web-[0-9]{4}\\.[0-9]{2}$",
        "filter": [{"name": "architecture", "values": ["x86_64"]}, {"name": "name", "values": ["web-*"]}]})
    assert out.exit_code == 0, out.output
    a = out.state.resources[ADDR].attributes
    assert a["id"] == ids["web-2024.02"]  # seeded last of the two that match
    assert a["name"] == "web-2024.02"
    assert a["root_snapshot_id"] == "snap-14000000000000001"
    assert a["tags"] == {"Name": "web-2024.02"}
    assert a["block_device_mappings"][0]["snapshot_id"] == "snap-14000000000000001"
    assert a["arn"].endswith(ids["web-2024.02"])
    assert out.state.outputs["id"] == ids["web-2024.02"]
    sent = emu.requests("DescribeImages")[-1]["params"]
    assert sent["Owner.1"] == "self" and sent["Filter.1.Name"] in ("architecture", "name")


def test_exactly_one_match_needs_no_most_recent(emu, tmp_path, protocol):
    ids = seed(emu)
    out = read(emu, tmp_path, protocol, {"owners": ["self"], "filter": [{"name": "name", "values": ["db-*"]}]})
    assert out.exit_code == 0, out.output
    assert out.state.resources[ADDR].attributes["id"] == ids["db-2024.01"]


def test_several_matches_is_an_error_listing_them(emu, tmp_path, protocol):
    ids = seed(emu)
    out = read(emu, tmp_path, protocol, {"owners": ["self"], "filter": [{"name": "name", "values": ["web-*"]}]})
    assert out.exit_code == 1
    d = find_diag(out.errors(), "more than one result")
    assert d is not None, out.output
    assert d.detail.startswith("4 images match")
    assert ids["web-2024.01"] in d.detail and "most_recent" in d.detail


def test_no_match_is_an_error(emu, tmp_path, protocol):
    seed(emu)
    out = read(emu, tmp_path, protocol, {"owners": ["self"], "name_regex": "^nothing$"})
    assert out.exit_code == 1
    assert find_diag(out.errors(), "no results"), out.output


def test_invalid_regex_points_at_name_regex(emu, tmp_path, protocol):
    out = read(emu, tmp_path, protocol, {"owners": ["self"], "name_regex": "web-(["})
    assert out.exit_code == 1
    d = find_diag(out.errors(), "Invalid regular expression")
    assert d is not None and d.path == ["name_regex"], out.output


def test_deprecated_images_of_others_only_on_request(emu, tmp_path, protocol):
    # EC2 always shows an owner its own deprecated images; include_deprecated matters for others'.
    other = "210987654321"
    emu.snapshot("snap-14000000000000009", owner_id=other)
    old = emu.image(name="old-1", owner_id=other, root_device_name="/dev/xvda",
                    deprecation_time="2020-01-01T00:00:00Z", launch_permissions=[{"Group": "all"}],
                    block_device_mappings=[{"device_name": "/dev/xvda", "snapshot_id": "snap-14000000000000009"}])
    out = read(emu, tmp_path, protocol, {"owners": [other], "filter": [{"name": "name", "values": ["old-*"]}]})
    assert out.exit_code == 1, out.output
    assert find_diag(out.errors(), "no results")
    out = read(emu, tmp_path, protocol, {"owners": [other], "include_deprecated": True,
                                         "filter": [{"name": "name", "values": ["old-*"]}]})
    assert out.exit_code == 0, out.output
    a = out.state.resources[ADDR].attributes
    assert a["id"] == old["image_id"] and a["deprecation_time"].startswith("2020-01-01T00:00:00")
    assert a["owner_id"] == other and a["public"] is True
