"""Schemas as the provider reports them (GetProviderSchema), in a protocol-neutral model.

A Block holds attributes and nested block types; its object type (block.type()) is what values of
that block are encoded with: one key per attribute and per nested block type, as Terraform core
builds it. Nested blocks use NestingMode numbers: SINGLE=1 LIST=2 SET=3 MAP=4 GROUP=5.
"""
from dataclasses import dataclass, field

from .values import UNKNOWN, parse_type

SINGLE, LIST, SET, MAP, GROUP = 1, 2, 3, 4, 5
NESTING_NAMES = {SINGLE: "single", LIST: "list", SET: "set", MAP: "map", GROUP: "group"}


@dataclass
class Attribute:
    name: str
    type: object
    required: bool = False
    optional: bool = False
    computed: bool = False
    sensitive: bool = False
    deprecated: bool = False
    write_only: bool = False
    description: str = ""
    raw_type: str = ""  # the JSON type text exactly as the provider sent it


@dataclass
class NestedBlock:
    type_name: str
    nesting: int
    block: "Block"
    min_items: int = 0
    max_items: int = 0

    def type(self):
        inner = self.block.type()
        if self.nesting in (SINGLE, GROUP):
            return inner
        return [{LIST: "list", SET: "set", MAP: "map"}[self.nesting], inner]

    def empty(self):
        """The value of this block type when the configuration has no such block."""
        if self.nesting in (LIST, SET):
            return []
        if self.nesting == MAP:
            return {}
        if self.nesting == GROUP:
            return self.block.null_object()
        return None


@dataclass
class Block:
    attributes: dict = field(default_factory=dict)
    block_types: dict = field(default_factory=dict)
    description: str = ""
    deprecated: bool = False

    def type(self):
        t = {name: a.type for name, a in self.attributes.items()}
        t.update({name: nb.type() for name, nb in self.block_types.items()})
        return ["object", t]

    def null_object(self):
        """An object with every attribute null and every nested block empty."""
        obj = {name: None for name in self.attributes}
        obj.update({name: nb.empty() for name, nb in self.block_types.items()})
        return obj

    def unknown_computed(self, obj):
        """obj with every computed attribute that is null set unknown (what a create plan does)."""
        out = dict(obj)
        for name, a in self.attributes.items():
            if a.computed and out.get(name) is None:
                out[name] = UNKNOWN
        return out


@dataclass
class Schema:
    version: int
    block: Block

    def type(self):
        return self.block.type()


@dataclass
class ProviderSchema:
    provider: Schema
    resources: dict
    data_sources: dict
    provider_meta: Schema = None
    plan_destroy: bool = False
    get_provider_schema_optional: bool = False
    move_resource_state: bool = False
    diagnostics: list = field(default_factory=list)


def _nested_attr_type(nested):
    # Protocol 6 nested attributes: an Object{attributes, nesting} standing for an object type.
    inner = ["object", {a.name: _attr_type(a) for a in nested.attributes}]
    return {1: inner, 2: ["list", inner], 3: ["set", inner], 4: ["map", inner]}.get(nested.nesting, inner)


def _attr_type(pa):
    if pa.type:
        return parse_type(pa.type)
    if hasattr(pa, "nested_type") and pa.HasField("nested_type"):
        return _nested_attr_type(pa.nested_type)
    return "dynamic"


def block_from_proto(pb):
    block = Block(description=pb.description, deprecated=pb.deprecated)
    for pa in pb.attributes:
        block.attributes[pa.name] = Attribute(
            name=pa.name,
            type=_attr_type(pa),
            raw_type=pa.type.decode() if pa.type else "",
            required=pa.required,
            optional=pa.optional,
            computed=pa.computed,
            sensitive=pa.sensitive,
            deprecated=pa.deprecated,
            write_only=getattr(pa, "write_only", False),
            description=pa.description,
        )
    for nb in pb.block_types:
        block.block_types[nb.type_name] = NestedBlock(
            type_name=nb.type_name,
            nesting=nb.nesting,
            block=block_from_proto(nb.block),
            min_items=nb.min_items,
            max_items=nb.max_items,
        )
    return block


def schema_from_proto(ps):
    return Schema(version=ps.version, block=block_from_proto(ps.block))


def to_json(block):
    """A block as JSON (the shape of `terraform providers schema -json`), for printing."""
    out = {}
    if block.attributes:
        out["attributes"] = {}
        for name, a in block.attributes.items():
            entry = {"type": a.type}
            for flag in ("required", "optional", "computed", "sensitive", "deprecated", "write_only"):
                if getattr(a, flag):
                    entry[flag] = True
            if a.description:
                entry["description"] = a.description
            out["attributes"][name] = entry
    if block.block_types:
        out["block_types"] = {
            name: {
                "nesting_mode": NESTING_NAMES.get(nb.nesting, str(nb.nesting)),
                "block": to_json(nb.block),
                **({"min_items": nb.min_items} if nb.min_items else {}),
                **({"max_items": nb.max_items} if nb.max_items else {}),
            }
            for name, nb in block.block_types.items()
        }
    return out
