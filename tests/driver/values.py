"""Terraform values in Python, and their wire form (msgpack DynamicValue) and state form (JSON).

A value is plain Python: None (null), str, bool, int/float (number), list (list, set, tuple), dict
(map, object), or the UNKNOWN sentinel. Types are the JSON type text of the protocol, parsed:
"string", "number", "bool", "dynamic", ["list", T], ["set", T], ["map", T], ["object", {..}],
["tuple", [..]]. Encoding is driven by the type, so objects always carry exactly one key per
attribute, as Terraform core writes them; decoding is strict in the same way and names the path of
the first mismatch, so a provider that answers with a missing or extra attribute is caught.
"""
import json
import math

import msgpack


class _Unknown:
    """The one unknown value ("known after apply"). Compares equal only to itself."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "UNKNOWN"

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self


UNKNOWN = _Unknown()

# Terraform writes an unknown as the 1-byte extension 0: d4 00 00.
_UNKNOWN_EXT = msgpack.ExtType(0, b"\x00")


class TypeMismatch(ValueError):
    """A value does not fit its type; path is the attribute path as a list of steps."""

    def __init__(self, path, message):
        self.path = list(path)
        super().__init__(f"{format_path(path)}: {message}" if path else message)


def format_path(path):
    """Terraform's rendering of a path: name.sub[0]["key"]."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif isinstance(step, tuple):  # ("key", "x") - a map key
            out += f'["{step[1]}"]'
        else:
            out += ("." if out else "") + step
    return out


def parse_type(raw):
    """The protocol's type bytes (JSON text) -> parsed type."""
    if isinstance(raw, (bytes, bytearray)):
        raw = raw.decode()
    return json.loads(raw) if isinstance(raw, str) else raw


def type_kind(t):
    return t if isinstance(t, str) else t[0]


def object_type(attrs):
    return ["object", attrs]


def is_known(value):
    """True when the value holds no unknown anywhere inside."""
    if value is UNKNOWN:
        return False
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    return True


def infer_type(value):
    """The type of a value given for a dynamic attribute (JSON-like inference, as HCL does)."""
    if value is None or value is UNKNOWN:
        return "dynamic"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return ["tuple", [infer_type(v) for v in value]]
    if isinstance(value, dict):
        return ["object", {k: infer_type(v) for k, v in value.items()}]
    raise TypeMismatch([], f"unsupported value {value!r}")


def convert(value, t, path=()):
    """Converts a JSON-ish value to type t the way Terraform converts config (numbers <-> strings,
    "true"/"false" strings to bool); raises TypeMismatch with the path when it cannot."""
    path = list(path)
    if value is None or value is UNKNOWN:
        return value
    kind = type_kind(t)
    if kind == "dynamic":
        return value
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return _number_text(value)
        if isinstance(value, str):
            return value
        raise TypeMismatch(path, "string required")
    if kind == "number":
        if isinstance(value, bool):
            raise TypeMismatch(path, "number required")
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            try:
                return _number_from_text(value)
            except ValueError:
                raise TypeMismatch(path, f'a number is required, got "{value}"') from None
        raise TypeMismatch(path, "number required")
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise TypeMismatch(path, "bool required")
    if kind in ("list", "set"):
        if not isinstance(value, list):
            raise TypeMismatch(path, f"{kind} required")
        return [convert(v, t[1], path + [i]) for i, v in enumerate(value)]
    if kind == "tuple":
        if not isinstance(value, list) or len(value) != len(t[1]):
            raise TypeMismatch(path, f"tuple of {len(t[1])} elements required")
        return [convert(v, et, path + [i]) for i, (v, et) in enumerate(zip(value, t[1]))]
    if kind == "map":
        if not isinstance(value, dict):
            raise TypeMismatch(path, "map required")
        return {k: convert(v, t[1], path + [("key", k)]) for k, v in value.items()}
    if kind == "object":
        if not isinstance(value, dict):
            raise TypeMismatch(path, "object required")
        extra = sorted(set(value) - set(t[1]))
        if extra:
            raise TypeMismatch(path + [extra[0]], "unsupported attribute")
        return {k: convert(value.get(k), at, path + [k]) for k, at in t[1].items()}
    raise TypeMismatch(path, f"unsupported type {t!r}")


def _number_text(n):
    if isinstance(n, float) and n.is_integer() and abs(n) < 2**63:
        n = int(n)
    return str(n)


def _number_from_text(s):
    try:
        return int(s)
    except ValueError:
        f = float(s)
        if math.isnan(f) or math.isinf(f):
            raise ValueError(s) from None
        return f


# --- msgpack -------------------------------------------------------------------------------------


def _to_wire(value, t, path):
    if value is UNKNOWN:
        return _UNKNOWN_EXT
    if value is None:
        return None
    kind = type_kind(t)
    if kind == "dynamic":
        vt = infer_type(value)
        return [json.dumps(vt).encode(), _to_wire(value, vt, path)]
    if kind == "number":
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
            return int(value)
        return value
    if kind in ("string", "bool"):
        return value
    if kind in ("list", "set"):
        return [_to_wire(v, t[1], path + [i]) for i, v in enumerate(value)]
    if kind == "tuple":
        return [_to_wire(v, et, path + [i]) for i, (v, et) in enumerate(zip(value, t[1]))]
    if kind == "map":
        return {k: _to_wire(value[k], t[1], path + [("key", k)]) for k in sorted(value)}
    if kind == "object":
        extra = sorted(set(value) - set(t[1]))
        if extra:
            raise TypeMismatch(path + [extra[0]], "unsupported attribute")
        return {k: _to_wire(value.get(k), t[1][k], path + [k]) for k in sorted(t[1])}
    raise TypeMismatch(path, f"unsupported type {t!r}")


def encode(value, t):
    """Python value -> msgpack bytes for a DynamicValue, with exactly one key per object attribute
    (missing attributes are written as null) and object and map keys in sorted order, as Terraform's
    encoder (cty) writes them."""
    return msgpack.packb(_to_wire(value, t, []), use_bin_type=True)


def _ext_hook(code, data):
    # Extension 0 is the plain unknown, 12 a refined unknown; every extension means unknown.
    return UNKNOWN


def _from_wire(raw, t, path):
    if raw is UNKNOWN or raw is None:
        return raw
    kind = type_kind(t)
    if kind == "dynamic":
        if not (isinstance(raw, list) and len(raw) == 2 and isinstance(raw[0], (bytes, str))):
            raise TypeMismatch(path, "dynamic value must be [type, value]")
        return _from_wire(raw[1], parse_type(raw[0]), path)
    if kind == "string":
        if not isinstance(raw, str):
            raise TypeMismatch(path, f"string expected, got {type(raw).__name__}")
        return raw
    if kind == "bool":
        if not isinstance(raw, bool):
            raise TypeMismatch(path, f"bool expected, got {type(raw).__name__}")
        return raw
    if kind == "number":
        if isinstance(raw, bool):
            raise TypeMismatch(path, "number expected, got bool")
        if isinstance(raw, (int, float)):
            return raw
        if isinstance(raw, str):
            try:
                return _number_from_text(raw)
            except ValueError:
                pass
        raise TypeMismatch(path, f"number expected, got {raw!r}")
    if kind in ("list", "set", "tuple"):
        if not isinstance(raw, list):
            raise TypeMismatch(path, f"{kind} expected, got {type(raw).__name__}")
        if kind == "tuple":
            if len(raw) != len(t[1]):
                raise TypeMismatch(path, f"tuple of {len(t[1])} expected")
            return [_from_wire(v, et, path + [i]) for i, (v, et) in enumerate(zip(raw, t[1]))]
        return [_from_wire(v, t[1], path + [i]) for i, v in enumerate(raw)]
    if kind == "map":
        if not isinstance(raw, dict):
            raise TypeMismatch(path, f"map expected, got {type(raw).__name__}")
        return {k: _from_wire(v, t[1], path + [("key", k)]) for k, v in raw.items()}
    if kind == "object":
        if not isinstance(raw, dict):
            raise TypeMismatch(path, f"object expected, got {type(raw).__name__}")
        missing = sorted(set(t[1]) - set(raw))
        if missing:
            raise TypeMismatch(path + [missing[0]], "attribute missing from the object")
        extra = sorted(set(raw) - set(t[1]))
        if extra:
            raise TypeMismatch(path + [str(extra[0])], "unsupported attribute")
        return {k: _from_wire(raw[k], at, path + [k]) for k, at in t[1].items()}
    raise TypeMismatch(path, f"unsupported type {t!r}")


def unpack(data):
    """msgpack bytes -> raw Python (no type applied; extensions -> UNKNOWN)."""
    return msgpack.unpackb(data, raw=False, ext_hook=_ext_hook, strict_map_key=False)


def decode(data, t):
    """msgpack bytes of a DynamicValue -> Python value checked against type t. Empty bytes (an unset
    DynamicValue) decode to None. Raises TypeMismatch on a mismatch."""
    if not data:
        return None
    return _from_wire(unpack(data), t, [])


# --- comparison and walking ------------------------------------------------------------------------


def equal(a, b, t):
    """Value equality under type t: sets compare without order, numbers by value."""
    if a is UNKNOWN or b is UNKNOWN:
        return a is b
    if a is None or b is None:
        return a is None and b is None
    kind = type_kind(t)
    if kind == "dynamic":
        return equal(a, b, infer_type(a)) if type_kind(infer_type(a)) == type_kind(infer_type(b)) else False
    if kind in ("string", "bool"):
        return a == b and type(a) is type(b)
    if kind == "number":
        return not isinstance(a, bool) and not isinstance(b, bool) and a == b
    if kind == "list":
        return len(a) == len(b) and all(equal(x, y, t[1]) for x, y in zip(a, b))
    if kind == "tuple":
        return len(a) == len(b) and all(equal(x, y, et) for x, y, et in zip(a, b, t[1]))
    if kind == "set":
        if len(a) != len(b):
            return False
        rest = list(b)
        for x in a:
            for i, y in enumerate(rest):
                if equal(x, y, t[1]):
                    del rest[i]
                    break
            else:
                return False
        return True
    if kind == "map":
        return set(a) == set(b) and all(equal(a[k], b[k], t[1]) for k in a)
    if kind == "object":
        return all(equal(a.get(k), b.get(k), at) for k, at in t[1].items())
    return a == b


def to_json(value):
    """A wholly known value -> JSON-ready Python (the state file form). Raises on unknown."""
    if value is UNKNOWN:
        raise TypeMismatch([], "unknown value cannot be stored")
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def render(value):
    """Terraform-like rendering of a value for plan output."""
    if value is UNKNOWN:
        return "(known after apply)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {render(v)}" for k, v in value.items()) + "}"
    return repr(value)
