"""EC2 Query API operations of the emulator: parameter parsing, validation, state changes and XML replies.

`dispatch(state, params)` runs one action against `state` (the caller holds `state.lock`) and returns
(HTTP status, XML text). Every failure is an `Ec2Error` carrying EC2's status, code and a message in our own
words. Parameters outside an operation's allow-list are rejected with `UnknownParameter`, as EC2 does, so a
client that misspells a key fails loudly instead of being silently ignored.
"""

import base64
import json
import re
import secrets
import uuid
from xml.sax.saxutils import escape

import emu_state
from emu_state import Image, Snapshot, iso, new_id

XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"


class Ec2Error(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_value(message):
    return Ec2Error(400, "InvalidParameterValue", message)


def missing(name):
    return Ec2Error(400, "MissingParameter", f"The request must contain the parameter {name}")


# ---------------------------------------------------------------------------------------------------------
# XML rendering. A node list is [(name, value)]; value None is skipped, a list nests, bools render as
# true/false, anything else as escaped text.


def render(nodes):
    out = []
    for name, value in nodes:
        if value is None:
            continue
        if isinstance(value, list):
            out.append(f"<{name}>{render(value)}</{name}>")
        elif isinstance(value, bool):
            out.append(f"<{name}>{'true' if value else 'false'}</{name}>")
        else:
            out.append(f"<{name}>{escape(str(value))}</{name}>")
    return "".join(out)


def response_xml(action, nodes):
    rid = str(uuid.uuid4())
    body = render([("requestId", rid)] + nodes)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{XMLNS}">{body}</{action}Response>'


def error_xml(code, message):
    rid = str(uuid.uuid4())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
        f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"</Error></Errors><RequestID>{rid}</RequestID></Response>"
    )


def items(values):
    return [("item", v) for v in values]


def tag_set(tags):
    if not tags:
        return None
    return items([[("key", k), ("value", v)] for k, v in tags.items()])


# ---------------------------------------------------------------------------------------------------------
# Parameters


class Params:
    def __init__(self, raw):
        self.raw = raw

    def get(self, name, required=False):
        value = self.raw.get(name)
        if value is None and required:
            raise missing(name)
        return value

    def bool(self, name, default=None):
        value = self.raw.get(name)
        if value is None:
            return default
        if value.lower() == "true":
            return True
        if value.lower() == "false":
            return False
        raise bad_value(f"Value ({value}) for parameter {name} is invalid. Expected a boolean.")

    def int(self, name, default=None):
        value = self.raw.get(name)
        if value is None:
            return default
        if not re.fullmatch(r"-?\d{1,12}", value):
            raise bad_value(f"Value ({value}) for parameter {name} is invalid. Expected an integer.")
        return int(value)

    def indices(self, prefix):
        """Sorted distinct N for keys 'prefix.N' or 'prefix.N.rest'."""
        found = set()
        pat = re.compile(re.escape(prefix) + r"\.(\d+)(?:\.|$)")
        for key in self.raw:
            m = pat.match(key)
            if m:
                found.add(int(m.group(1)))
        return sorted(found)

    def list(self, prefix):
        return [self.raw[f"{prefix}.{n}"] for n in self.indices(prefix) if f"{prefix}.{n}" in self.raw]

    def sub(self, prefix):
        """The members 'prefix.N.*' as a list of Params whose keys drop 'prefix.N.'."""
        out = []
        for n in self.indices(prefix):
            head = f"{prefix}.{n}."
            out.append(Params({k[len(head):]: v for k, v in self.raw.items() if k.startswith(head)}))
        return out


_COMMON = [r"Action", r"Version", r"DryRun"]
_TAGSPEC = r"TagSpecification\.\d+\.(ResourceType|Tag\.\d+\.(Key|Value))"
_FILTER = r"Filter\.\d+\.(Name|Value\.\d+)"
_EBS = r"(SnapshotId|VolumeSize|VolumeType|Iops|Throughput|DeleteOnTermination|Encrypted|KmsKeyId|OutpostArn)"

ALLOWED = {
    "RegisterImage": [
        r"Name", r"Description", r"ImageLocation", r"Architecture", r"KernelId", r"RamdiskId", r"RootDeviceName",
        r"VirtualizationType", r"SriovNetSupport", r"EnaSupport", r"BootMode", r"TpmSupport", r"UefiData",
        r"ImdsSupport", r"BillingProduct\.\d+",
        r"BlockDeviceMapping\.\d+\.(DeviceName|VirtualName|NoDevice|Ebs\." + _EBS + ")", _TAGSPEC,
    ],
    "DescribeImages": [
        r"ImageId\.\d+", r"Owner\.\d+", r"ExecutableBy\.\d+", _FILTER, r"IncludeDeprecated", r"IncludeDisabled",
        r"MaxResults", r"NextToken",
    ],
    "DeregisterImage": [r"ImageId", r"DeleteAssociatedSnapshots"],
    "CreateTags": [r"ResourceId\.\d+", r"Tag\.\d+\.(Key|Value)"],
    "DeleteTags": [r"ResourceId\.\d+", r"Tag\.\d+\.(Key|Value)"],
    "ModifyImageAttribute": [
        r"ImageId", r"Attribute", r"Description\.Value", r"OperationType", r"Value", r"UserId\.\d+",
        r"UserGroup\.\d+", r"ProductCode\.\d+", r"OrganizationArn\.\d+", r"OrganizationalUnitArn\.\d+",
        r"ImdsSupport\.Value",
        r"LaunchPermission\.(Add|Remove)\.\d+\.(UserId|Group|OrganizationArn|OrganizationalUnitArn)",
    ],
    "DescribeImageAttribute": [r"ImageId", r"Attribute"],
    "EnableImageDeprecation": [r"ImageId", r"DeprecateAt"],
    "DisableImageDeprecation": [r"ImageId"],
    "EnableImageDeregistrationProtection": [r"ImageId", r"WithCooldown"],
    "DisableImageDeregistrationProtection": [r"ImageId"],
    "DescribeSnapshots": [r"SnapshotId\.\d+", r"Owner\.\d+", r"RestorableBy\.\d+", _FILTER, r"MaxResults", r"NextToken"],
    "DeleteSnapshot": [r"SnapshotId"],
    "CreateSnapshot": [r"VolumeId", r"Description", r"OutpostArn", r"Location", _TAGSPEC],
    "CopyImage": [
        r"Name", r"SourceImageId", r"SourceRegion", r"ClientToken", r"Description", r"Encrypted", r"KmsKeyId",
        r"DestinationOutpostArn", r"CopyImageTags", r"SnapshotCopyCompletionDurationMinutes", _TAGSPEC,
    ],
}
_ALLOWED_RE = {op: re.compile("^(" + "|".join(_COMMON + pats) + ")$") for op, pats in ALLOWED.items()}


def check_params(action, params):
    pat = _ALLOWED_RE[action]
    for key in sorted(params.raw):
        if not pat.match(key):
            raise Ec2Error(400, "UnknownParameter", f"The parameter {key} is not recognized")


# ---------------------------------------------------------------------------------------------------------
# Ids, lookups, shared validation

_ID_RE = {p: re.compile(rf"^{p}-([0-9a-f]{{8}}|[0-9a-f]{{17}})$") for p in ("ami", "snap", "vol", "aki", "ari")}
_MALFORMED = {
    "ami": "InvalidAMIID.Malformed",
    "snap": "InvalidSnapshotID.Malformed",
    "vol": "InvalidVolumeID.Malformed",
    "aki": "InvalidAMIID.Malformed",
    "ari": "InvalidAMIID.Malformed",
}


def check_id(prefix, value):
    if not _ID_RE[prefix].match(value or ""):
        raise Ec2Error(400, _MALFORMED[prefix], f'Invalid id: "{value}" (expecting "{prefix}-...")')


def not_found_image(ids):
    return Ec2Error(400, "InvalidAMIID.NotFound", f"The image id '[{', '.join(ids)}]' does not exist")


def not_found_snapshot(sid):
    return Ec2Error(400, "InvalidSnapshot.NotFound", f"The snapshot '{sid}' does not exist.")


def visible(state, img):
    return (
        img.owner_id == state.owner_id
        or img.public
        or {"UserId": state.owner_id} in img.launch_permissions
    )


def find_image(state, image_id, owned=True, allow_deregistered=False):
    check_id("ami", image_id)
    img = state.images.get(image_id)
    if img is None or not visible(state, img):
        raise not_found_image([image_id])
    if img.state == "deregistered" and not allow_deregistered:
        raise Ec2Error(400, "InvalidAMIID.Unavailable", f"The image '{image_id}' is no longer available: it was deregistered.")
    if owned and img.owner_id != state.owner_id:
        raise Ec2Error(401, "AuthFailure", f"Not authorized for image: {image_id}")
    return img


def find_snapshot(state, sid):
    check_id("snap", sid)
    snap = state.snapshots.get(sid)
    if snap is None:
        raise not_found_snapshot(sid)
    return snap


_TAG_TYPES = {"RegisterImage": ("image",), "CopyImage": ("image", "snapshot"), "CreateSnapshot": ("snapshot",)}


def parse_tag_specs(action, params):
    """-> {resource type: {key: value}}"""
    out = {}
    for spec in params.sub("TagSpecification"):
        rtype = spec.get("ResourceType")
        if rtype is None:
            raise missing("TagSpecification.N.ResourceType")
        if rtype not in _TAG_TYPES[action]:
            raise bad_value(f"'{rtype}' is not a valid taggable resource type for this operation.")
        tags = out.setdefault(rtype, {})
        tags.update(parse_tags(spec, required_key=True))
    return out


def parse_tags(params, required_key):
    tags = {}
    for t in params.sub("Tag"):
        key = t.get("Key")
        if key is None:
            if required_key:
                raise missing("Tag.N.Key")
            continue
        validate_tag(key, t.get("Value") or "")
        tags[key] = t.get("Value") or ""
    return tags


def validate_tag(key, value):
    if not 1 <= len(key) <= 128:
        raise bad_value("Tag keys must be between 1 and 128 characters long.")
    if len(value) > 256:
        raise bad_value("Tag values must be at most 256 characters long.")
    if key.lower().startswith("aws:"):
        raise bad_value("Tag keys starting with 'aws:' are reserved for internal use.")


def add_tags(target, tags):
    merged = dict(target)
    merged.update(tags)
    if len(merged) > 50:
        raise Ec2Error(400, "TagLimitExceeded", "The maximum number of tags (50) for a resource has been reached.")
    target.clear()
    target.update(merged)


def wildcard_match(pattern, value):
    """EC2 filter values: '*' any run, '?' one character, backslash escapes either."""
    rx, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            rx.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        rx.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return value is not None and re.fullmatch("".join(rx), str(value), re.S) is not None


def parse_filters(params, known):
    """-> [(name, [values])]; names outside `known` (besides tag:<key>) are refused up front, so a bad
    filter fails even when nothing would have been matched against it."""
    out = []
    for f in params.sub("Filter"):
        name = f.get("Name")
        if name is None:
            raise missing("Filter.N.Name")
        if name not in known and not (name.startswith("tag:") and len(name) > 4):
            raise bad_value(f"The filter '{name}' is invalid")
        out.append((name, f.list("Value")))
    return out


def apply_filters(filters, resource, fields):
    """fields(name, resource) -> list of candidate values, or raises for unknown filter names."""
    for name, values in filters:
        candidates = fields(name, resource)
        if not any(wildcard_match(v, c) for v in values for c in candidates):
            return False
    return True


def paginate(params, results, token_kind, ids_given):
    max_results = params.int("MaxResults")
    token = params.get("NextToken")
    if max_results is not None and ids_given:
        raise Ec2Error(400, "InvalidParameterCombination", "MaxResults cannot be used together with explicit ids.")
    if max_results is not None and not 5 <= max_results <= 1000:
        raise bad_value(f"Value ({max_results}) for parameter maxResults is invalid. Expect a number between 5 and 1000.")
    start = 0
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
            if decoded["k"] != token_kind:
                raise ValueError(token_kind)
            start = int(decoded["o"])
        except (ValueError, KeyError, TypeError):
            raise Ec2Error(400, "InvalidParameterValue", "The NextToken value is not valid.")
    if max_results is None and not token:
        return results, None
    limit = max_results if max_results is not None else 1000
    page = results[start : start + limit]
    nxt = None
    if start + limit < len(results):
        nxt = base64.urlsafe_b64encode(json.dumps({"k": token_kind, "o": start + limit}).encode()).decode()
    return page, nxt


def bool_field(v):
    return None if v is None else ("true" if v else "false")


# ---------------------------------------------------------------------------------------------------------
# Image rendering and filters


def bdm_nodes(bdm):
    ebs = bdm.get("ebs")
    ebs_nodes = None
    if ebs is not None:
        ebs_nodes = [
            ("snapshotId", ebs.get("snapshot_id")),
            ("volumeSize", ebs.get("volume_size")),
            ("deleteOnTermination", ebs.get("delete_on_termination")),
            ("volumeType", ebs.get("volume_type")),
            ("iops", ebs.get("iops")),
            ("throughput", ebs.get("throughput")),
            ("encrypted", ebs.get("encrypted")),
            ("kmsKeyId", ebs.get("kms_key_id")),
        ]
    return [
        ("deviceName", bdm.get("device_name")),
        ("virtualName", bdm.get("virtual_name")),
        ("noDevice", "" if bdm.get("no_device") is not None else None),
        ("ebs", ebs_nodes),
    ]


def image_nodes(state, img):
    reason = None
    if img.state_reason:
        reason = [("code", img.state_reason.get("code")), ("message", img.state_reason.get("message"))]
    return [
        ("imageId", img.id),
        ("imageLocation", img.image_location),
        ("imageState", img.state),
        ("imageOwnerId", img.owner_id),
        ("creationDate", iso(img.created)),
        ("isPublic", img.public),
        ("architecture", img.architecture),
        ("imageType", "machine"),
        ("kernelId", img.kernel_id),
        ("ramdiskId", img.ramdisk_id),
        ("platformDetails", "Linux/UNIX"),
        ("usageOperation", "RunInstances"),
        ("stateReason", reason),
        ("imageOwnerAlias", img.owner_alias),
        ("name", img.name),
        ("description", img.description),
        ("rootDeviceType", img.root_device_type),
        ("rootDeviceName", img.root_device_name),
        ("blockDeviceMapping", items([bdm_nodes(b) for b in img.bdms])),
        ("virtualizationType", img.virtualization_type),
        ("tagSet", tag_set(img.tags)),
        ("hypervisor", "xen"),
        ("enaSupport", img.ena_support),
        ("sriovNetSupport", img.sriov_net_support),
        ("bootMode", img.boot_mode),
        ("tpmSupport", img.tpm_support),
        ("imdsSupport", img.imds_support),
        ("deprecationTime", iso(img.deprecation_time) if img.deprecation_time else None),
        ("deregistrationProtection", img.protection),
        ("sourceImageId", img.source_image_id),
        ("sourceImageRegion", img.source_region),
    ]


def image_filter_values(state, name, img):
    if name.startswith("tag:"):
        key = name[4:]
        return [img.tags[key]] if key in img.tags else []
    ebs = [b.get("ebs") or {} for b in img.bdms]
    simple = {
        "name": [img.name],
        "image-id": [img.id],
        "state": [img.state],
        "architecture": [img.architecture],
        "owner-id": [img.owner_id],
        "owner-alias": [img.owner_alias] if img.owner_alias else [],
        "description": [img.description] if img.description is not None else [],
        "is-public": [bool_field(img.public)],
        "image-type": ["machine"],
        "root-device-type": [img.root_device_type],
        "root-device-name": [img.root_device_name] if img.root_device_name else [],
        "virtualization-type": [img.virtualization_type],
        "hypervisor": ["xen"],
        "ena-support": [bool_field(img.ena_support)] if img.ena_support is not None else [],
        "tag-key": list(img.tags),
        "block-device-mapping.device-name": [b.get("device_name") for b in img.bdms],
        "block-device-mapping.snapshot-id": [e["snapshot_id"] for e in ebs if e.get("snapshot_id")],
        "block-device-mapping.volume-size": [str(e["volume_size"]) for e in ebs if e.get("volume_size") is not None],
        "block-device-mapping.volume-type": [e["volume_type"] for e in ebs if e.get("volume_type")],
        "block-device-mapping.encrypted": [bool_field(e.get("encrypted")) for e in ebs if e.get("encrypted") is not None],
        "source-image-id": [img.source_image_id] if img.source_image_id else [],
        "platform-details": ["Linux/UNIX"],
        "usage-operation": ["RunInstances"],
    }
    return simple[name]


IMAGE_FILTERS = frozenset(
    """name image-id state architecture owner-id owner-alias description is-public image-type root-device-type
    root-device-name virtualization-type hypervisor ena-support tag-key block-device-mapping.device-name
    block-device-mapping.snapshot-id block-device-mapping.volume-size block-device-mapping.volume-type
    block-device-mapping.encrypted source-image-id platform-details usage-operation""".split()
)

# ---------------------------------------------------------------------------------------------------------
# Operations. Each takes (state, params) and returns the member node list of its response.

_NAME_RE = re.compile(r"^[A-Za-z0-9()\[\] ./\-'@_]{3,128}$")
ARCHITECTURES = ("i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac")
VOLUME_TYPES = ("standard", "io1", "io2", "gp2", "gp3", "sc1", "st1")


def check_name(state, name, owner_id):
    if not _NAME_RE.match(name):
        raise bad_value(
            "AMI names must be between 3 and 128 characters long and may contain only letters, digits, spaces, "
            "parentheses, square brackets, periods, slashes, dashes, single quotes, at-signs and underscores."
        )
    for other in state.images.values():
        if other.owner_id == owner_id and other.name == name and other.state != "deregistered":
            raise Ec2Error(400, "InvalidAMIName.Duplicate", f"AMI name {name} is already in use by AMI {other.id}")


def check_enum(name, value, allowed):
    if value is not None and value not in allowed:
        raise bad_value(f"Value ({value}) for parameter {name} is invalid. Valid values: {', '.join(allowed)}.")


def parse_bdms(state, params):
    bdms, seen = [], set()
    for n, m in zip(params.indices("BlockDeviceMapping"), params.sub("BlockDeviceMapping")):
        dev = m.get("DeviceName")
        if not dev:
            raise missing(f"BlockDeviceMapping.{n}.DeviceName")
        if dev in seen:
            raise bad_value(f"The device name {dev} appears more than once in the block device mapping.")
        seen.add(dev)
        bdm = {"device_name": dev}
        if m.get("VirtualName") is not None:
            bdm["virtual_name"] = m.get("VirtualName")
        if m.get("NoDevice") is not None:
            bdm["no_device"] = m.get("NoDevice")
        ebs_keys = {k[4:]: v for k, v in m.raw.items() if k.startswith("Ebs.")}
        if ebs_keys:
            bdm["ebs"] = parse_ebs(state, Params(ebs_keys), n)
        if len([k for k in ("virtual_name", "no_device", "ebs") if k in bdm]) > 1:
            raise Ec2Error(
                400,
                "InvalidParameterCombination",
                f"Block device mapping {dev} must have exactly one of Ebs, VirtualName or NoDevice.",
            )
        bdms.append(bdm)
    return bdms


def parse_ebs(state, ebs, n):
    out = {}
    sid = ebs.get("SnapshotId")
    snap = None
    if sid is not None:
        check_id("snap", sid)
        snap = state.snapshots.get(sid)
        if snap is None or (snap.owner_id != state.owner_id and not snap.public):
            raise not_found_snapshot(sid)
        out["snapshot_id"] = sid
    size = ebs.int("VolumeSize")
    if size is None and snap is None:
        raise missing(f"BlockDeviceMapping.{n}.Ebs.VolumeSize")
    if size is not None and not 1 <= size <= 65536:
        raise bad_value(f"Volume size {size} is out of range (1-65536 GiB).")
    if snap is not None and size is not None and size < snap.volume_size:
        raise bad_value(f"Volume of size {size} is smaller than snapshot '{sid}', expect size >= {snap.volume_size}")
    out["volume_size"] = size if size is not None else snap.volume_size
    out["delete_on_termination"] = ebs.bool("DeleteOnTermination", True)
    vtype = ebs.get("VolumeType") or "gp2"
    check_enum("VolumeType", vtype, VOLUME_TYPES)
    out["volume_type"] = vtype
    iops = ebs.int("Iops")
    if vtype in ("io1", "io2") and iops is None:
        raise missing(f"BlockDeviceMapping.{n}.Ebs.Iops")
    if iops is not None and vtype not in ("io1", "io2", "gp3"):
        raise Ec2Error(400, "InvalidParameterCombination", f"Iops is not supported for volume type {vtype}.")
    if iops is not None:
        out["iops"] = iops
    thr = ebs.int("Throughput")
    if thr is not None and vtype != "gp3":
        raise Ec2Error(400, "InvalidParameterCombination", "Throughput is only supported for gp3 volumes.")
    if thr is not None:
        out["throughput"] = thr
    enc = ebs.bool("Encrypted")
    if enc is None:
        enc = snap.encrypted if snap else False
    if snap is not None and snap.encrypted and enc is False:
        raise Ec2Error(400, "InvalidParameterCombination", f"The snapshot {sid} is encrypted; Encrypted cannot be false.")
    out["encrypted"] = enc
    kms = ebs.get("KmsKeyId")
    if kms is not None and not enc:
        raise Ec2Error(400, "InvalidParameterCombination", "KmsKeyId requires Encrypted to be true.")
    if kms is not None:
        out["kms_key_id"] = kms
    elif snap is not None and snap.kms_key_id:
        out["kms_key_id"] = snap.kms_key_id
    return out


def op_register_image(state, p):
    name = p.get("Name", required=True)
    check_name(state, name, state.owner_id)
    location = p.get("ImageLocation")
    bdms = parse_bdms(state, p)
    root = p.get("RootDeviceName")
    if not location and not bdms:
        raise missing("ImageLocation or BlockDeviceMapping")
    if bdms and not location:
        if not root:
            raise missing("RootDeviceName")
        root_bdm = next((b for b in bdms if b["device_name"] == root), None)
        if root_bdm is None or not (root_bdm.get("ebs") or {}).get("snapshot_id"):
            raise bad_value(f"The root device name {root} must map to an EBS snapshot in the block device mapping.")
    arch = p.get("Architecture") or "x86_64"
    check_enum("Architecture", arch, ARCHITECTURES)
    check_enum("VirtualizationType", p.get("VirtualizationType"), ("hvm", "paravirtual"))
    check_enum("SriovNetSupport", p.get("SriovNetSupport"), ("simple",))
    check_enum("BootMode", p.get("BootMode"), ("legacy-bios", "uefi", "uefi-preferred"))
    check_enum("TpmSupport", p.get("TpmSupport"), ("v2.0",))
    check_enum("ImdsSupport", p.get("ImdsSupport"), ("v2.0",))
    if p.get("TpmSupport") and p.get("BootMode") not in ("uefi", "uefi-preferred"):
        raise Ec2Error(400, "InvalidParameterCombination", "TpmSupport requires BootMode uefi or uefi-preferred.")
    for key, prefix in (("KernelId", "aki"), ("RamdiskId", "ari")):
        if p.get(key) is not None:
            check_id(prefix, p.get(key))
    tags = parse_tag_specs("RegisterImage", p).get("image", {})
    img = Image(
        new_id("ami"),
        state.owner_id,
        name,
        state.now(),
        pending_delay=state.pending_delay,
        final_state="failed" if state.policy["fail_new_images"] else "available",
        description=p.get("Description"),
        image_location=location,
        architecture=arch,
        kernel_id=p.get("KernelId"),
        ramdisk_id=p.get("RamdiskId"),
        root_device_name=root,
        virtualization_type=p.get("VirtualizationType"),
        sriov_net_support=p.get("SriovNetSupport"),
        ena_support=p.bool("EnaSupport"),
        boot_mode=p.get("BootMode"),
        tpm_support=p.get("TpmSupport"),
        uefi_data=p.get("UefiData"),
        imds_support=p.get("ImdsSupport"),
        bdms=bdms,
        tags=tags,
    )
    state.images[img.id] = img
    return [("imageId", img.id)]


def op_describe_images(state, p):
    ids = p.list("ImageId")
    owners = p.list("Owner")
    execs = p.list("ExecutableBy")
    filters = parse_filters(p, IMAGE_FILTERS)
    include_deprecated = p.bool("IncludeDeprecated", False)
    p.bool("IncludeDisabled", False)
    for i in ids:
        check_id("ami", i)
    now = state.now()

    if ids:
        gone = [i for i in ids if i not in state.images or not visible(state, state.images[i])]
        if gone:
            raise not_found_image(gone)
        candidates = [state.images[i] for i in dict.fromkeys(ids)]
    else:
        candidates = [i for i in state.images.values() if visible(state, i) and i.state != "deregistered"]
        if not include_deprecated:
            candidates = [
                i
                for i in candidates
                if i.owner_id == state.owner_id or not i.deprecation_time or i.deprecation_time > now
            ]

    def owner_ok(img):
        for o in owners:
            if o == "self" and img.owner_id == state.owner_id:
                return True
            if o in (img.owner_id, img.owner_alias):
                return True
        return not owners

    def exec_ok(img):
        for e in execs:
            if e == "all":
                ok = img.public
            elif e in ("self", state.owner_id):
                ok = img.owner_id == state.owner_id or {"UserId": state.owner_id} in img.launch_permissions
            else:
                ok = img.public or {"UserId": e} in img.launch_permissions
            if ok:
                return True
        return not execs

    out = [
        img
        for img in candidates
        if owner_ok(img)
        and exec_ok(img)
        and apply_filters(filters, img, lambda n, r: image_filter_values(state, n, r))
    ]
    page, nxt = paginate(p, out, "images", bool(ids))
    return [("imagesSet", items([image_nodes(state, i) for i in page])), ("nextToken", nxt)]


def op_deregister_image(state, p):
    img = find_image(state, p.get("ImageId", required=True))
    now = state.now()
    if img.protection != "disabled":
        raise Ec2Error(
            400,
            "OperationNotPermitted",
            f"The image {img.id} has deregistration protection enabled; disable it before deregistering the image.",
        )
    if img.protection_cooldown_until and now < img.protection_cooldown_until:
        raise Ec2Error(
            400,
            "OperationNotPermitted",
            f"The image {img.id} is in its deregistration protection cooldown until {iso(img.protection_cooldown_until)}.",
        )
    delete_snapshots = p.bool("DeleteAssociatedSnapshots", False)
    img.state = "deregistered"
    img.deregistered_at = now
    nodes = [("return", True)]
    if delete_snapshots:
        results = []
        for sid in img.snapshot_ids():
            results.append([("snapshotId", sid), ("returnCode", delete_associated(state, img, sid))])
        nodes.append(("deleteSnapshotResultSet", items(results)))
    return nodes


def delete_associated(state, img, sid):
    override = state.policy["snapshot_results"].get(sid)
    if override:
        return override
    snap = state.snapshots.get(sid)
    if snap is None:
        return "client-error"
    if state.images_using(sid, exclude=img.id):
        return "skipped"
    if state.action_denied("DeleteSnapshot"):
        return "missing-permissions"
    if snap.owner_id != state.owner_id:
        return "client-error"
    del state.snapshots[sid]
    return "success"


def tag_target(state, rid):
    if rid.startswith("ami-"):
        img = find_image(state, rid)
        return img.tags
    if rid.startswith("snap-"):
        snap = find_snapshot(state, rid)
        if snap.owner_id != state.owner_id:
            raise Ec2Error(401, "AuthFailure", f"Not authorized for snapshot: {rid}")
        return snap.tags
    raise Ec2Error(400, "InvalidID", f"The ID '{rid}' is not valid")


def op_create_tags(state, p):
    rids = p.list("ResourceId")
    if not rids:
        raise missing("ResourceId")
    tags = parse_tags(p, required_key=True)
    if not tags:
        raise missing("Tag")
    targets = [tag_target(state, r) for r in rids]
    for t in targets:
        add_tags(t, tags)
    return [("return", True)]


def op_delete_tags(state, p):
    rids = p.list("ResourceId")
    if not rids:
        raise missing("ResourceId")
    specs = []
    for t in p.sub("Tag"):
        if t.get("Key") is None:
            raise missing("Tag.N.Key")
        specs.append((t.get("Key"), t.get("Value")))
    targets = [tag_target(state, r) for r in rids]
    for tags in targets:
        if not specs:
            tags.clear()
        for key, value in specs:
            if key in tags and (value is None or tags[key] == value):
                del tags[key]
    return [("return", True)]


def parse_permission(item, where):
    if item.get("UserId") is not None:
        if not re.fullmatch(r"\d{12}", item.get("UserId")):
            raise Ec2Error(400, "InvalidAMIAttributeItemValue", f"Invalid attribute item value {item.get('UserId')} for {where}")
        return {"UserId": item.get("UserId")}
    if item.get("Group") is not None:
        if item.get("Group") != "all":
            raise Ec2Error(400, "InvalidAMIAttributeItemValue", f"Invalid attribute item value {item.get('Group')} for {where}")
        return {"Group": "all"}
    for key in ("OrganizationArn", "OrganizationalUnitArn"):
        if item.get(key) is not None:
            return {key: item.get(key)}
    raise missing(f"{where}.UserId or Group")


def op_modify_image_attribute(state, p):
    img = find_image(state, p.get("ImageId", required=True))
    changed = False
    adds = [parse_permission(i, "LaunchPermission.Add") for i in p.sub("LaunchPermission.Add")]
    removes = [parse_permission(i, "LaunchPermission.Remove") for i in p.sub("LaunchPermission.Remove")]
    attr = p.get("Attribute")
    if attr is not None:
        check_enum("Attribute", attr, ("description", "launchPermission", "imdsSupport"))
    if attr == "launchPermission":
        op_type = p.get("OperationType", required=True)
        check_enum("OperationType", op_type, ("add", "remove"))
        perms = [{"UserId": u} for u in p.list("UserId")] + [{"Group": g} for g in p.list("UserGroup")]
        for perm in perms:
            parse_permission(Params(perm), "launchPermission")
        (adds if op_type == "add" else removes).extend(perms)
    elif attr == "description":
        if p.get("Value") is None:
            raise missing("Value")
        img.description = p.get("Value")
        changed = True
    elif attr == "imdsSupport":
        check_enum("Value", p.get("Value", required=True), ("v2.0",))
        img.imds_support = p.get("Value")
        changed = True
    if p.get("Description.Value") is not None:
        img.description = p.get("Description.Value")
        changed = True
    if p.get("ImdsSupport.Value") is not None:
        check_enum("ImdsSupport.Value", p.get("ImdsSupport.Value"), ("v2.0",))
        img.imds_support = p.get("ImdsSupport.Value")
        changed = True
    for perm in adds:
        if perm not in img.launch_permissions:
            img.launch_permissions.append(perm)
        changed = True
    for perm in removes:
        if perm in img.launch_permissions:
            img.launch_permissions.remove(perm)
        changed = True
    if not changed:
        raise missing("Attribute, Description, LaunchPermission or ImdsSupport")
    return [("return", True)]


IMAGE_ATTRIBUTES = (
    "description", "kernel", "ramdisk", "launchPermission", "productCodes", "blockDeviceMapping",
    "sriovNetSupport", "bootMode", "tpmSupport", "uefiData", "lastLaunchedTime", "imdsSupport",
    "deregistrationProtection",
)


def op_describe_image_attribute(state, p):
    attr = p.get("Attribute", required=True)
    check_enum("Attribute", attr, IMAGE_ATTRIBUTES)
    img = find_image(state, p.get("ImageId", required=True))

    def value(v):
        return [("value", v)] if v is not None else []

    if attr == "launchPermission":
        perms = []
        for perm in img.launch_permissions:
            (key, val), = perm.items()
            perms.append([(key[0].lower() + key[1:], val)])
        body = items(perms)
    elif attr == "blockDeviceMapping":
        body = items([bdm_nodes(b) for b in img.bdms])
    elif attr == "productCodes":
        body = []
    else:
        field = {
            "description": img.description,
            "kernel": img.kernel_id,
            "ramdisk": img.ramdisk_id,
            "sriovNetSupport": img.sriov_net_support,
            "bootMode": img.boot_mode,
            "tpmSupport": img.tpm_support,
            "uefiData": img.uefi_data,
            "lastLaunchedTime": None,
            "imdsSupport": img.imds_support,
            "deregistrationProtection": img.protection,
        }[attr]
        body = value(field)
    return [("imageId", img.id), (attr, body)]


def op_enable_image_deprecation(state, p):
    img = find_image(state, p.get("ImageId", required=True))
    raw = p.get("DeprecateAt", required=True)
    try:
        when = emu_state.parse_time(raw)
    except ValueError:
        raise bad_value(f"Value ({raw}) for parameter DeprecateAt is invalid. Expected an ISO-8601 timestamp.")
    when = round(when / 60.0) * 60  # EC2 rounds to the nearest minute
    if when < state.now():
        raise bad_value("The deprecation time must be in the future.")
    img.deprecation_time = when
    return [("return", True)]


def op_disable_image_deprecation(state, p):
    img = find_image(state, p.get("ImageId", required=True))
    img.deprecation_time = None
    return [("return", True)]


def op_enable_protection(state, p):
    img = find_image(state, p.get("ImageId", required=True))
    img.protection = "enabled-with-cooldown" if p.bool("WithCooldown", False) else "enabled-without-cooldown"
    img.protection_cooldown_until = None
    return [("return", img.protection)]


def op_disable_protection(state, p):
    img = find_image(state, p.get("ImageId", required=True))
    if img.protection == "enabled-with-cooldown":
        img.protection_cooldown_until = state.now() + state.protection_cooldown
    img.protection = "disabled"
    return [("return", "disabled")]


def snapshot_nodes(snap):
    return [
        ("snapshotId", snap.id),
        ("volumeId", snap.volume_id),
        ("status", snap.status),
        ("startTime", iso(snap.start_time)),
        ("progress", "100%" if snap.status == "completed" else "0%"),
        ("ownerId", snap.owner_id),
        ("volumeSize", snap.volume_size),
        ("description", snap.description),
        ("encrypted", snap.encrypted),
        ("kmsKeyId", snap.kms_key_id),
        ("tagSet", tag_set(snap.tags)),
        ("storageTier", "standard"),
    ]


def snapshot_filter_values(name, snap):
    if name.startswith("tag:"):
        key = name[4:]
        return [snap.tags[key]] if key in snap.tags else []
    simple = {
        "snapshot-id": [snap.id],
        "status": [snap.status],
        "volume-id": [snap.volume_id],
        "volume-size": [str(snap.volume_size)],
        "owner-id": [snap.owner_id],
        "description": [snap.description],
        "encrypted": [bool_field(snap.encrypted)],
        "progress": ["100%" if snap.status == "completed" else "0%"],
        "storage-tier": ["standard"],
        "tag-key": list(snap.tags),
    }
    return simple[name]


SNAPSHOT_FILTERS = frozenset(
    "snapshot-id status volume-id volume-size owner-id description encrypted progress storage-tier tag-key".split()
)


def op_describe_snapshots(state, p):
    ids = p.list("SnapshotId")
    owners = p.list("Owner")
    restorable = p.list("RestorableBy")
    filters = parse_filters(p, SNAPSHOT_FILTERS)
    for sid in ids:
        check_id("snap", sid)
    if ids:
        for sid in ids:
            snap = state.snapshots.get(sid)
            if snap is None or (snap.owner_id != state.owner_id and not snap.public):
                raise not_found_snapshot(sid)
        candidates = [state.snapshots[s] for s in dict.fromkeys(ids)]
    else:
        candidates = [s for s in state.snapshots.values() if s.owner_id == state.owner_id or s.public]

    def owner_ok(snap):
        return not owners or any(o in (snap.owner_id,) or (o == "self" and snap.owner_id == state.owner_id) for o in owners)

    def restorable_ok(snap):
        return not restorable or snap.public or any(
            r in ("self", state.owner_id) and snap.owner_id == state.owner_id for r in restorable
        )

    out = [
        s
        for s in candidates
        if owner_ok(s) and restorable_ok(s) and apply_filters(filters, s, snapshot_filter_values)
    ]
    page, nxt = paginate(p, out, "snapshots", bool(ids))
    return [("snapshotSet", items([snapshot_nodes(s) for s in page])), ("nextToken", nxt)]


def op_delete_snapshot(state, p):
    snap = find_snapshot(state, p.get("SnapshotId", required=True))
    if snap.owner_id != state.owner_id:
        raise Ec2Error(401, "AuthFailure", f"Not authorized for snapshot: {snap.id}")
    users = state.images_using(snap.id)
    if users:
        raise Ec2Error(400, "InvalidSnapshot.InUse", f"The snapshot {snap.id} is currently in use by {users[0]}")
    del state.snapshots[snap.id]
    return [("return", True)]


def op_create_snapshot(state, p):
    vol = p.get("VolumeId", required=True)
    check_id("vol", vol)
    tags = parse_tag_specs("CreateSnapshot", p).get("snapshot", {})
    snap = Snapshot(
        new_id("snap"),
        state.owner_id,
        8,
        state.now(),
        volume_id=vol,
        description=p.get("Description") or "",
        tags=tags,
    )
    state.snapshots[snap.id] = snap
    return snapshot_nodes(snap)


def op_copy_image(state, p):
    name = p.get("Name", required=True)
    src_id = p.get("SourceImageId", required=True)
    src_region = p.get("SourceRegion", required=True)
    token = p.get("ClientToken")
    fingerprint = [name, src_id, src_region]
    if token is not None:
        if len(token) > 64:
            raise bad_value("ClientToken must be at most 64 characters long.")
        prior = state.client_tokens.get(token)
        if prior is not None:
            if prior[0] != fingerprint:
                raise Ec2Error(
                    400,
                    "IdempotentParameterMismatch",
                    "The client token was already used with different parameters.",
                )
            return [("imageId", prior[1])]
    src = find_image(state, src_id, owned=False)
    if src.state != "available":
        raise Ec2Error(400, "InvalidAMIID.Unavailable", f"The image {src_id} is not available for copying (state {src.state}).")
    check_name(state, name, state.owner_id)
    encrypted = p.bool("Encrypted", False)
    kms = p.get("KmsKeyId")
    if kms is not None and not encrypted:
        raise Ec2Error(400, "InvalidParameterCombination", "KmsKeyId requires Encrypted to be true.")
    tag_specs = parse_tag_specs("CopyImage", p)
    new_image_id = new_id("ami")
    bdms = []
    for b in src.bdms:
        nb = json.loads(json.dumps(b))
        ebs = nb.get("ebs")
        if ebs and ebs.get("snapshot_id"):
            old = state.snapshots.get(ebs["snapshot_id"])
            copy = Snapshot(
                new_id("snap"),
                state.owner_id,
                ebs.get("volume_size") or (old.volume_size if old else 8),
                state.now(),
                volume_id="vol-ffffffff",
                description=f"Copied for DestinationAmi {new_image_id} from SourceAmi {src_id} for SourceSnapshot "
                f"{ebs['snapshot_id']}.",
                encrypted=encrypted or ebs.get("encrypted", False),
                kms_key_id=kms if encrypted else ebs.get("kms_key_id"),
                tags=tag_specs.get("snapshot", {}),
            )
            state.snapshots[copy.id] = copy
            ebs["snapshot_id"] = copy.id
            ebs["encrypted"] = copy.encrypted
            if copy.kms_key_id:
                ebs["kms_key_id"] = copy.kms_key_id
        bdms.append(nb)
    tags = dict(src.tags) if p.bool("CopyImageTags", False) else {}
    tags.update(tag_specs.get("image", {}))
    img = Image(
        new_image_id,
        state.owner_id,
        name,
        state.now(),
        pending_delay=state.pending_delay,
        final_state="failed" if state.policy["fail_new_images"] else "available",
        description=p.get("Description"),
        architecture=src.architecture,
        kernel_id=src.kernel_id,
        ramdisk_id=src.ramdisk_id,
        root_device_name=src.root_device_name,
        virtualization_type=src.virtualization_type,
        sriov_net_support=src.sriov_net_support,
        ena_support=src.ena_support,
        boot_mode=src.boot_mode,
        tpm_support=src.tpm_support,
        uefi_data=src.uefi_data,
        imds_support=src.imds_support,
        bdms=bdms,
        tags=tags,
        source_image_id=src_id,
        source_region=src_region,
    )
    state.images[img.id] = img
    if token is not None:
        state.client_tokens[token] = (fingerprint, img.id)
    return [("imageId", img.id)]


OPERATIONS = {
    "RegisterImage": op_register_image,
    "DescribeImages": op_describe_images,
    "DeregisterImage": op_deregister_image,
    "CreateTags": op_create_tags,
    "DeleteTags": op_delete_tags,
    "ModifyImageAttribute": op_modify_image_attribute,
    "DescribeImageAttribute": op_describe_image_attribute,
    "EnableImageDeprecation": op_enable_image_deprecation,
    "DisableImageDeprecation": op_disable_image_deprecation,
    "EnableImageDeregistrationProtection": op_enable_protection,
    "DisableImageDeregistrationProtection": op_disable_protection,
    "DescribeSnapshots": op_describe_snapshots,
    "DeleteSnapshot": op_delete_snapshot,
    "CreateSnapshot": op_create_snapshot,
    "CopyImage": op_copy_image,
}


def dispatch(state, raw_params):
    """Runs one EC2 action; returns (status, xml, error code or None). The caller holds state.lock."""
    try:
        params = Params(raw_params)
        action = params.get("Action")
        if action is None:
            raise missing("Action")
        if action not in OPERATIONS:
            raise Ec2Error(400, "InvalidAction", f"The action {action} is not valid for this web service.")
        if params.get("Version") is None:
            raise missing("Version")
        check_params(action, params)
        dry_run = params.bool("DryRun", False)
        if state.action_denied(action):
            encoded = base64.b64encode(secrets.token_bytes(48)).decode()
            raise Ec2Error(
                403,
                "UnauthorizedOperation",
                f"You are not authorized to perform this operation. Encoded authorization failure message: {encoded}",
            )
        if dry_run:
            raise Ec2Error(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
        state.refresh()
        nodes = OPERATIONS[action](state, params)
        return 200, response_xml(action, nodes), None
    except Ec2Error as e:
        return e.status, error_xml(e.code, e.message), e.code
