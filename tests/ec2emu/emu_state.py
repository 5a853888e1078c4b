"""The emulator's resource model: snapshots, images, credentials, policy, faults and the request log.

One `State` object holds everything and one lock guards it; the HTTP layer takes `state.lock` around each
operation, so operations and admin calls see a consistent world. Time-driven transitions (pending ->
available, deregistered -> gone) are applied lazily by `refresh()` from the emulator clock, which tests can
shift with a clock offset to exercise client clock-skew handling.
"""

import datetime
import random
import secrets
import threading
import time

DEFAULT_ACCESS_KEY = "AKIDEXAMPLE"
DEFAULT_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

FAULT_KINDS = ("throttle", "internal-error", "unavailable", "delay", "drop", "drop-after", "truncate")
SNAPSHOT_RESULT_CODES = ("internal-error", "client-error", "missing-permissions")


def new_id(prefix):
    return f"{prefix}-{secrets.token_hex(9)[:17]}"


def iso(ts):
    """EC2's timestamp style: millisecond precision, Z suffix."""
    dt = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class Snapshot:
    def __init__(self, snapshot_id, owner_id, volume_size, now, **kw):
        self.id = snapshot_id
        self.owner_id = owner_id
        self.volume_id = kw.get("volume_id") or new_id("vol")
        self.volume_size = int(volume_size)
        self.status = kw.get("status", "completed")
        self.encrypted = bool(kw.get("encrypted", False))
        self.kms_key_id = kw.get("kms_key_id")
        self.description = kw.get("description", "")
        self.public = bool(kw.get("public", False))
        self.start_time = now
        self.tags = dict(kw.get("tags") or {})

    def to_json(self):
        return {
            "snapshot_id": self.id,
            "owner_id": self.owner_id,
            "volume_id": self.volume_id,
            "volume_size": self.volume_size,
            "status": self.status,
            "encrypted": self.encrypted,
            "kms_key_id": self.kms_key_id,
            "description": self.description,
            "public": self.public,
            "start_time": iso(self.start_time),
            "tags": self.tags,
        }


class Image:
    """An AMI. `bdms` is a list of dicts with snake_case keys (device_name, virtual_name, no_device,
    ebs: {snapshot_id, volume_size, volume_type, iops, throughput, delete_on_termination, encrypted,
    kms_key_id}); absent optional members are simply missing so responses omit them."""

    def __init__(self, image_id, owner_id, name, now, **kw):
        self.id = image_id
        self.owner_id = owner_id
        self.name = name
        self.created = now
        self.available_at = now + float(kw.get("pending_delay", 0))
        self.state = kw.get("state", "pending")
        self.final_state = kw.get("final_state", "available")  # what pending turns into
        self.state_reason = kw.get("state_reason")  # {"code", "message"} or None
        self.description = kw.get("description")
        self.image_location = kw.get("image_location") or f"{owner_id}/{name}"
        self.architecture = kw.get("architecture") or "x86_64"
        self.kernel_id = kw.get("kernel_id")
        self.ramdisk_id = kw.get("ramdisk_id")
        self.root_device_name = kw.get("root_device_name")
        self.root_device_type = "ebs" if kw.get("bdms") else "instance-store"
        self.virtualization_type = kw.get("virtualization_type") or "hvm"
        self.sriov_net_support = kw.get("sriov_net_support")
        self.ena_support = kw.get("ena_support")
        self.boot_mode = kw.get("boot_mode")
        self.tpm_support = kw.get("tpm_support")
        self.uefi_data = kw.get("uefi_data")
        self.imds_support = kw.get("imds_support")
        self.bdms = list(kw.get("bdms") or [])
        self.tags = dict(kw.get("tags") or {})
        self.deprecation_time = kw.get("deprecation_time")  # epoch seconds or None
        self.protection = kw.get("protection", "disabled")
        self.protection_cooldown_until = None
        self.launch_permissions = list(kw.get("launch_permissions") or [])  # [{"UserId"|"Group"|...: v}]
        self.owner_alias = kw.get("owner_alias")
        self.source_image_id = kw.get("source_image_id")
        self.source_region = kw.get("source_region")
        self.deregistered_at = now if self.state == "deregistered" else None

    @property
    def public(self):
        return {"Group": "all"} in self.launch_permissions

    def snapshot_ids(self):
        out = []
        for bdm in self.bdms:
            sid = (bdm.get("ebs") or {}).get("snapshot_id")
            if sid and sid not in out:
                out.append(sid)
        return out

    def to_json(self):
        return {
            "image_id": self.id,
            "owner_id": self.owner_id,
            "name": self.name,
            "state": self.state,
            "state_reason": self.state_reason,
            "description": self.description,
            "image_location": self.image_location,
            "architecture": self.architecture,
            "root_device_name": self.root_device_name,
            "root_device_type": self.root_device_type,
            "virtualization_type": self.virtualization_type,
            "ena_support": self.ena_support,
            "sriov_net_support": self.sriov_net_support,
            "boot_mode": self.boot_mode,
            "tpm_support": self.tpm_support,
            "imds_support": self.imds_support,
            "kernel_id": self.kernel_id,
            "ramdisk_id": self.ramdisk_id,
            "block_device_mappings": self.bdms,
            "tags": self.tags,
            "deprecation_time": iso(self.deprecation_time) if self.deprecation_time else None,
            "deregistration_protection": self.protection,
            "protection_cooldown_until": iso(self.protection_cooldown_until) if self.protection_cooldown_until else None,
            "launch_permissions": self.launch_permissions,
            "public": self.public,
            "owner_alias": self.owner_alias,
            "source_image_id": self.source_image_id,
            "source_region": self.source_region,
            "creation_date": iso(self.created),
            "deregistered_at": iso(self.deregistered_at) if self.deregistered_at else None,
        }


class Faults:
    """Queued one-shot faults plus an optional random mode. `take(action)` returns the fault spec to apply
    to this request, or None."""

    def __init__(self):
        self.queue = []  # [{"kind", "remaining", "action"?, "delay"?}]
        self.random = None  # {"rate", "kinds", "actions"?, "delay", "rng"}

    def add(self, spec):
        kind = spec.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        count = int(spec.get("count", 1))
        if count < 1:
            raise ValueError("count must be at least 1")
        self.queue.append(
            {"kind": kind, "remaining": count, "action": spec.get("action"), "delay": float(spec.get("delay", 1.0))}
        )

    def set_random(self, spec):
        rate = float(spec["rate"])
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        kinds = list(spec.get("kinds") or ["throttle", "internal-error", "unavailable"])
        for k in kinds:
            if k not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {k!r}")
        self.random = {
            "rate": rate,
            "kinds": kinds,
            "actions": spec.get("actions"),
            "delay": float(spec.get("delay", 0.2)),
            "rng": random.Random(spec.get("seed")),
        }

    def take(self, action):
        for f in self.queue:
            if f["action"] in (None, action):
                f["remaining"] -= 1
                if f["remaining"] == 0:
                    self.queue.remove(f)
                return {"kind": f["kind"], "delay": f["delay"]}
        r = self.random
        if r and (not r["actions"] or action in r["actions"]) and r["rng"].random() < r["rate"]:
            return {"kind": r["rng"].choice(r["kinds"]), "delay": r["delay"]}
        return None

    def to_json(self):
        rnd = None
        if self.random:
            rnd = {k: v for k, v in self.random.items() if k != "rng"}
        return {"queue": [dict(f) for f in self.queue], "random": rnd}


class State:
    def __init__(self, region, owner_id, pending_delay, deregistered_linger, protection_cooldown):
        self.lock = threading.RLock()
        self.region = region
        self.owner_id = owner_id
        self.pending_delay = pending_delay
        self.deregistered_linger = deregistered_linger
        self.protection_cooldown = protection_cooldown
        self.reset()

    def reset(self):
        self.snapshots = {}
        self.images = {}
        self.client_tokens = {}  # CopyImage ClientToken -> (fingerprint, image id)
        self.credentials = {DEFAULT_ACCESS_KEY: (DEFAULT_SECRET_KEY, None)}
        self.policy = {
            "deny_actions": [],
            "deny_snapshot_deletion": False,
            "snapshot_results": {},
            "fail_new_images": False,
        }
        self.faults = Faults()
        self.requests = []
        self.seq = 0
        self.clock_offset = 0.0

    def now(self):
        return time.time() + self.clock_offset

    def refresh(self):
        """Applies the transitions that time alone drives."""
        now = self.now()
        for img in list(self.images.values()):
            if img.state == "pending" and now >= img.available_at:
                img.state = img.final_state
                if img.state == "failed" and img.state_reason is None:
                    img.state_reason = {
                        "code": "Server.InternalError",
                        "message": "Server.InternalError: image creation failed (injected by the emulator policy)",
                    }
            elif img.state == "deregistered" and now >= img.deregistered_at + self.deregistered_linger:
                del self.images[img.id]

    def lookup_credentials(self, access_key):
        return self.credentials.get(access_key)

    def action_denied(self, action):
        if action in self.policy["deny_actions"]:
            return True
        return action == "DeleteSnapshot" and self.policy["deny_snapshot_deletion"]

    def set_policy(self, spec):
        deny = spec.get("deny_actions", [])
        results = spec.get("snapshot_results", {})
        if not isinstance(deny, list) or not all(isinstance(a, str) for a in deny):
            raise ValueError("deny_actions must be a list of action names")
        if not isinstance(results, dict) or any(v not in SNAPSHOT_RESULT_CODES for v in results.values()):
            raise ValueError(f"snapshot_results values must be one of {', '.join(SNAPSHOT_RESULT_CODES)}")
        self.policy = {
            "deny_actions": deny,
            "deny_snapshot_deletion": bool(spec.get("deny_snapshot_deletion", False)),
            "snapshot_results": results,
            "fail_new_images": bool(spec.get("fail_new_images", False)),
        }

    def images_using(self, snapshot_id, exclude=None):
        return [
            i.id
            for i in self.images.values()
            if i.id != exclude and i.state != "deregistered" and snapshot_id in i.snapshot_ids()
        ]

    def record(self, entry):
        self.seq += 1
        entry["seq"] = self.seq
        self.requests.append(entry)
        return entry

    def seed_snapshot(self, spec):
        sid = spec.get("snapshot_id") or new_id("snap")
        if sid in self.snapshots:
            raise ValueError(f"snapshot {sid} already exists")
        extra = {k: v for k, v in spec.items() if k not in ("snapshot_id", "owner_id", "volume_size")}
        snap = Snapshot(sid, spec.get("owner_id") or self.owner_id, spec.get("volume_size", 8), self.now(), **extra)
        self.snapshots[sid] = snap
        return snap

    def seed_image(self, spec):
        iid = spec.get("image_id") or new_id("ami")
        if iid in self.images:
            raise ValueError(f"image {iid} already exists")
        if not spec.get("name"):
            raise ValueError("name is required")
        bdms = []
        for b in spec.get("block_device_mappings") or []:
            bdm = {"device_name": b["device_name"]}
            if "snapshot_id" in b or "ebs" in b:
                ebs = dict(b.get("ebs") or {})
                if "snapshot_id" in b:
                    ebs["snapshot_id"] = b["snapshot_id"]
                snap = self.snapshots.get(ebs.get("snapshot_id"))
                if ebs.get("snapshot_id") and snap is None:
                    raise ValueError(f"snapshot {ebs['snapshot_id']} does not exist")
                ebs.setdefault("volume_size", snap.volume_size if snap else 8)
                ebs.setdefault("volume_type", "gp3")
                ebs.setdefault("delete_on_termination", True)
                ebs.setdefault("encrypted", snap.encrypted if snap else False)
                bdm["ebs"] = ebs
            bdms.append(bdm)
        kw = {k: v for k, v in spec.items() if k not in ("image_id", "owner_id", "name", "block_device_mappings")}
        kw["bdms"] = bdms
        kw.setdefault("state", "available")
        if kw.get("deprecation_time"):
            kw["deprecation_time"] = parse_time(kw["deprecation_time"])
        if kw.get("public"):
            kw["launch_permissions"] = list(kw.get("launch_permissions") or []) + [{"Group": "all"}]
        if bdms and not kw.get("root_device_name"):
            kw["root_device_name"] = bdms[0]["device_name"]
        img = Image(iid, spec.get("owner_id") or self.owner_id, spec["name"], self.now(), **kw)
        self.images[iid] = img
        return img

    def to_json(self):
        self.refresh()
        return {
            "region": self.region,
            "owner_id": self.owner_id,
            "now": iso(self.now()),
            "clock_offset": self.clock_offset,
            "images": [i.to_json() for i in self.images.values()],
            "snapshots": [s.to_json() for s in self.snapshots.values()],
            "policy": self.policy,
            "faults": self.faults.to_json(),
            "access_keys": sorted(self.credentials),
            "request_count": len(self.requests),
        }


def parse_time(text):
    """ISO-8601 UTC timestamp -> epoch seconds; raises ValueError."""
    t = text.strip()
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    dt = datetime.datetime.fromisoformat(t)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()
