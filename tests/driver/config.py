"""Configurations in the `.tf.json` shape, and the evaluation of their values against a schema.

Supported: provider "<name>" (one, object or one-element array), resource and data blocks (object
or one-element array per name), output blocks, and the meta-arguments depends_on and lifecycle
(create_before_destroy, prevent_destroy). Strings may hold `${...}` references to other resources and
data sources (`ec2_ami.a.id`, `data.ec2_ami.b.tags["k"]`, `ec2_ami.a.block_device[0].size`); `$${` is a
literal `${`. count, for_each and variables are not supported and are reported as errors.
"""
import json
import os
import re
from dataclasses import dataclass, field

from .schema import GROUP, MAP, SINGLE
from .values import UNKNOWN, TypeMismatch, convert

META_ARGS = {"depends_on", "lifecycle", "provider", "//"}
UNSUPPORTED_META = {"count", "for_each", "provisioner", "connection"}
_TEMPLATE = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_REF_STEP = re.compile(r'\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["([^"]*)"\]')


class ConfigError(Exception):
    """A configuration problem: summary, detail, address and attribute path, like a diagnostic."""

    def __init__(self, summary, detail="", addr=None, path=None):
        self.summary, self.detail, self.addr, self.path = summary, detail, addr, list(path or [])
        super().__init__(f"{summary}: {detail}" if detail else summary)


@dataclass
class ResourceConfig:
    mode: str  # "managed" or "data"
    type: str
    name: str
    body: dict
    depends_on: list = field(default_factory=list)
    create_before_destroy: bool = False
    prevent_destroy: bool = False

    @property
    def addr(self):
        return f"{self.type}.{self.name}" if self.mode == "managed" else f"data.{self.type}.{self.name}"

    def references(self):
        """Addresses this block refers to (references and depends_on)."""
        refs = set(self.depends_on)
        for text in _strings(self.body):
            for m in _TEMPLATE.finditer(text):
                if m.group(1) is not None:
                    addr = parse_reference(m.group(1).strip())[0]
                    if addr:
                        refs.add(addr)
        return refs


@dataclass
class Config:
    provider_name: str = "ec2"
    provider_body: dict = field(default_factory=dict)
    resources: dict = field(default_factory=dict)  # addr -> ResourceConfig, in file order
    outputs: dict = field(default_factory=dict)  # name -> raw value
    filename: str = "main.tf.json"
    text: str = ""

    @classmethod
    def load(cls, source):
        """From a dict, a JSON text, a .tf.json file, or a directory of them (merged)."""
        if isinstance(source, dict):
            return cls.from_dict(source, "main.tf.json", json.dumps(source, indent=2))
        if isinstance(source, str) and source.lstrip().startswith("{"):
            return cls.from_dict(json.loads(source), "main.tf.json", source)
        if os.path.isdir(source):
            files = sorted(f for f in os.listdir(source) if f.endswith(".tf.json"))
            if not files:
                raise ConfigError("No configuration files", f"{source} has no *.tf.json file")
            merged, text = {}, ""
            for f in files:
                with open(os.path.join(source, f)) as fh:
                    t = fh.read()
                text += t
                _merge(merged, _parse_json(t, f))
            return cls.from_dict(merged, files[0] if len(files) == 1 else "configuration", text)
        with open(source) as fh:
            t = fh.read()
        return cls.from_dict(_parse_json(t, source), os.path.basename(source), t)

    @classmethod
    def from_dict(cls, d, filename, text):
        cfg = cls(filename=filename, text=text)
        for key, v in d.items():
            if key in ("terraform", "//"):
                continue
            if key == "provider":
                if len(v) != 1:
                    raise ConfigError("Unsupported configuration", "exactly one provider block is supported")
                cfg.provider_name, body = next(iter(v.items()))
                cfg.provider_body = _single(body, f"provider {cfg.provider_name}")
            elif key in ("resource", "data"):
                mode = "managed" if key == "resource" else "data"
                for type_name, by_name in v.items():
                    for name, body in by_name.items():
                        rc = _resource(mode, type_name, name, _single(body, f"{key} {type_name}.{name}"))
                        cfg.resources[rc.addr] = rc
            elif key == "output":
                for name, body in v.items():
                    cfg.outputs[name] = _single(body, f"output {name}").get("value")
            else:
                raise ConfigError("Unsupported block type", f'Blocks of type "{key}" are not supported by this driver.')
        return cfg

    def order(self):
        """Resource addresses, dependencies first (stable in file order otherwise)."""
        done, out, visiting = set(), [], set()

        def visit(addr):
            if addr in done:
                return
            if addr in visiting:
                raise ConfigError("Cycle", f"{addr} depends on itself through references")
            visiting.add(addr)
            for dep in sorted(self.resources[addr].references()):
                if dep not in self.resources:
                    raise ConfigError("Reference to undeclared resource",
                                      f'A managed resource or data source "{dep}" has not been declared.', addr)
                visit(dep)
            visiting.discard(addr)
            done.add(addr)
            out.append(addr)

        for addr in self.resources:
            visit(addr)
        return out

    def locate(self, addr, path):
        """(line number, line text) of the attribute at path in the block of addr, best effort: the
        first line naming the attribute after the block's name. (None, None) when not found."""
        lines = self.text.splitlines()
        if not lines:
            return None, None
        start = 0
        if addr == "provider":
            keys = ['"provider"', f'"{self.provider_name}"']
        elif addr:
            parts = addr.split(".")
            keys = (['"data"'] if parts[0] == "data" else ['"resource"']) + [f'"{p}"' for p in parts[-2:]]
        else:
            keys = []
        keys += [f'"{s}"' for s in path if isinstance(s, str)]
        found = None
        for k in keys:
            for i in range(start, len(lines)):
                if k in lines[i]:
                    found, start = i, i + 1
                    break
            else:
                break
        if found is None:
            return None, None
        return found + 1, lines[found].strip()


def _merge(into, d):
    """Merges top-level sections of several files: resource types and names are unioned."""
    for k, v in d.items():
        if k in ("resource", "data") and isinstance(v, dict):
            for type_name, by_name in v.items():
                into.setdefault(k, {}).setdefault(type_name, {}).update(by_name)
        elif isinstance(v, dict) and isinstance(into.get(k), dict):
            into[k].update(v)
        else:
            into[k] = v


def _parse_json(text, name):
    try:
        d = json.loads(text)
    except ValueError as e:
        raise ConfigError("Invalid JSON", f"{name}: {e}") from None
    if not isinstance(d, dict):
        raise ConfigError("Invalid configuration", f"{name}: the root must be a JSON object")
    return d


def _single(body, what):
    if isinstance(body, list):
        if len(body) != 1:
            raise ConfigError("Duplicate block", f"{what} must be declared once")
        body = body[0]
    if not isinstance(body, dict):
        raise ConfigError("Invalid block", f"{what} must be a JSON object")
    return body


def _resource(mode, type_name, name, body):
    for k in UNSUPPORTED_META:
        if k in body:
            raise ConfigError("Unsupported argument", f'"{k}" is not supported by this driver.',
                              f"{type_name}.{name}", [k])
    rc = ResourceConfig(mode, type_name, name, body)
    for dep in body.get("depends_on", []):
        rc.depends_on.append(dep)
    lc = body.get("lifecycle") or {}
    lc = lc[0] if isinstance(lc, list) and lc else lc
    rc.create_before_destroy = bool(lc.get("create_before_destroy", False))
    rc.prevent_destroy = bool(lc.get("prevent_destroy", False))
    return rc


def _strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from _strings(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from _strings(x)


def parse_reference(expr):
    """`[data.]type.name<steps>` -> (address, steps). (None, None) when not a reference."""
    m = re.match(r"(data\.)?([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_-]*)", expr)
    if not m:
        return None, None
    addr = m.group(0)
    steps, pos = [], m.end()
    while pos < len(expr):
        s = _REF_STEP.match(expr, pos)
        if not s:
            return None, None
        steps.append(s.group(1) if s.group(1) is not None else int(s.group(2)) if s.group(2) is not None
                     else ("key", s.group(3)))
        pos = s.end()
    return addr, steps


def _lookup(ctx, expr, addr):
    ref, steps = parse_reference(expr)
    if ref is None:
        raise ConfigError("Unsupported expression", f'"${{{expr}}}": only references to resources and '
                          "data sources are supported by this driver.", addr)
    if ref not in ctx:
        raise ConfigError("Reference to undeclared resource", f'"{ref}" has not been declared.', addr)
    v = ctx[ref]
    for step in steps:
        if v is UNKNOWN:
            return UNKNOWN
        if v is None:
            raise ConfigError("Attempt to get attribute from null value", f'"${{{expr}}}"', addr)
        try:
            v = v[step[1]] if isinstance(step, tuple) else v[step]
        except (KeyError, IndexError, TypeError):
            raise ConfigError("Unsupported attribute", f'"${{{expr}}}": no such attribute or element.', addr) from None
    return v


def evaluate(raw, ctx, addr=None):
    """Resolves `${...}` templates in a raw JSON value; ctx maps addresses to object values (which may
    be or hold UNKNOWN: a template touching one becomes UNKNOWN)."""
    if isinstance(raw, list):
        return [evaluate(v, ctx, addr) for v in raw]
    if isinstance(raw, dict):
        return {k: evaluate(v, ctx, addr) for k, v in raw.items()}
    if not isinstance(raw, str) or "$" not in raw:
        return raw
    whole = _TEMPLATE.fullmatch(raw)
    if whole and whole.group(1) is not None:
        return _lookup(ctx, whole.group(1).strip(), addr)
    unknown = False

    def sub(m):
        nonlocal unknown
        if m.group(1) is None:
            return "${"
        v = _lookup(ctx, m.group(1).strip(), addr)
        if v is UNKNOWN:
            unknown = True
            return ""
        if isinstance(v, (dict, list)) or v is None:
            raise ConfigError("Invalid template interpolation value", f'"${{{m.group(1)}}}" is not a string.', addr)
        return convert(v, "string")

    text = _TEMPLATE.sub(sub, raw)
    return UNKNOWN if unknown else text


def decode_block(block, body, ctx, addr, path=()):
    """A configuration body -> the object value of a block (exactly one key per attribute and block
    type). Raises ConfigError as Terraform core would: unknown arguments, missing required ones,
    values set for computed-only attributes, wrong block counts, type mismatches."""
    path = list(path)
    known_keys = set(block.attributes) | set(block.block_types)
    for k in body:
        if k in known_keys or (not path and k in META_ARGS):
            continue
        raise ConfigError("Unsupported argument", f'An argument named "{k}" is not expected here.', addr, path + [k])
    out = {}
    for name, a in block.attributes.items():
        if name not in body or body[name] is None:
            if a.required:
                raise ConfigError("Missing required argument",
                                  f'The argument "{name}" is required, but no definition was found.', addr, path + [name])
            out[name] = None
            continue
        if a.computed and not a.optional:
            raise ConfigError("Value for unconfigurable attribute",
                              f'Can\'t configure a value for "{name}": its value will be decided automatically '
                              "based on the result of applying this configuration.", addr, path + [name])
        try:
            out[name] = convert(evaluate(body[name], ctx, addr), a.type, path + [name])
        except TypeMismatch as e:
            raise ConfigError("Incorrect attribute value type",
                              f'Inappropriate value for attribute "{name}": {e}.', addr, e.path) from None
    for name, nb in block.block_types.items():
        raw = body.get(name)
        if raw is None:
            items = []
        elif nb.nesting == MAP:
            items = raw if isinstance(raw, dict) else None
        else:
            items = raw if isinstance(raw, list) else [raw]
        if items is None or (nb.nesting != MAP and not all(isinstance(i, dict) for i in items)):
            raise ConfigError("Invalid block", f'"{name}" must be a block (a JSON object).', addr, path + [name])
        n = len(items)
        if nb.min_items and n < nb.min_items:
            raise ConfigError(f'Insufficient {name} blocks',
                              f'At least {nb.min_items} "{name}" blocks are required.', addr, path + [name])
        if nb.max_items and n > nb.max_items:
            raise ConfigError(f"Too many {name} blocks",
                              f'No more than {nb.max_items} "{name}" blocks are allowed.', addr, path + [name])
        if nb.nesting in (SINGLE, GROUP):
            out[name] = decode_block(nb.block, items[0], ctx, addr, path + [name]) if items else nb.empty()
        elif nb.nesting == MAP:
            out[name] = {k: decode_block(nb.block, _single(v, name), ctx, addr, path + [name, ("key", k)])
                         for k, v in items.items()}
        else:
            out[name] = [decode_block(nb.block, v, ctx, addr, path + [name, i]) for i, v in enumerate(items)]
    return out
