"""The state file, shaped like terraform.tfstate (format version 4): resources with their attributes
as JSON, private bytes as base64, a tainted status, dependencies, and the outputs. Values are held
decoded (values.py); they must be wholly known to be stored. Saving is atomic (write and rename)."""
import base64
import json
import os
import uuid
from dataclasses import dataclass, field

from .values import to_json

PROVIDER_ADDR = 'provider["registry.terraform.io/hashicorp/{name}"]'


@dataclass
class Instance:
    mode: str
    type: str
    name: str
    attributes: object
    private: bytes = b""
    tainted: bool = False
    schema_version: int = 0
    dependencies: list = field(default_factory=list)
    raw_attributes: object = None  # JSON as read from the file, before UpgradeResourceState

    @property
    def addr(self):
        return f"{self.type}.{self.name}" if self.mode == "managed" else f"data.{self.type}.{self.name}"


@dataclass
class State:
    resources: dict = field(default_factory=dict)  # addr -> Instance
    outputs: dict = field(default_factory=dict)
    serial: int = 0
    lineage: str = ""
    provider_name: str = "ec2"

    @classmethod
    def load(cls, path, provider_name="ec2"):
        st = cls(provider_name=provider_name)
        if not path or not os.path.exists(path):
            st.lineage = str(uuid.uuid4())
            return st
        with open(path) as fh:
            d = json.load(fh)
        if d.get("version") != 4:
            raise ValueError(f"{path}: unsupported state format version {d.get('version')}")
        st.serial = d.get("serial", 0)
        st.lineage = d.get("lineage") or str(uuid.uuid4())
        st.outputs = {k: v.get("value") for k, v in d.get("outputs", {}).items()}
        for r in d.get("resources", []):
            for inst in r.get("instances", []):
                i = Instance(
                    mode=r["mode"],
                    type=r["type"],
                    name=r["name"],
                    attributes=inst.get("attributes"),
                    raw_attributes=inst.get("attributes"),
                    private=base64.b64decode(inst["private"]) if inst.get("private") else b"",
                    tainted=inst.get("status") == "tainted",
                    schema_version=inst.get("schema_version", 0),
                    dependencies=list(inst.get("dependencies", [])),
                )
                st.resources[i.addr] = i
        return st

    def to_dict(self):
        resources = []
        for i in self.resources.values():
            inst = {"schema_version": i.schema_version, "attributes": to_json(i.attributes),
                    "sensitive_attributes": []}
            if i.private:
                inst["private"] = base64.b64encode(i.private).decode()
            if i.tainted:
                inst["status"] = "tainted"
            if i.dependencies:
                inst["dependencies"] = sorted(i.dependencies)
            resources.append({"mode": i.mode, "type": i.type, "name": i.name,
                              "provider": PROVIDER_ADDR.format(name=self.provider_name),
                              "instances": [inst]})
        return {
            "version": 4,
            "terraform_version": "1.9.8",
            "serial": self.serial,
            "lineage": self.lineage,
            "outputs": {k: {"value": to_json(v), "type": _json_type(v)} for k, v in self.outputs.items()},
            "resources": resources,
            "check_results": None,
        }

    def save(self, path):
        if not path:
            return
        self.serial += 1
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w") as fh:
            json.dump(self.to_dict(), fh, indent=2)
            fh.write("\n")
        os.replace(tmp, path)


def _json_type(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "dynamic"
