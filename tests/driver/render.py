"""Terraform's human output: the plan (per-resource diffs and the summary line) and diagnostics."""
from .schema import GROUP, MAP, SINGLE
from .values import UNKNOWN, equal, render as render_value

SYMBOL = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "read": "<=",
          "create_before_destroy": "+/-"}
HEADLINE = {
    "create": "will be created",
    "update": "will be updated in-place",
    "delete": "will be destroyed",
    "replace": "must be replaced",
    "read": "will be read during apply",
}
ALWAYS_SHOWN = ("id", "name")


def _val(v, sensitive):
    if sensitive and v is not UNKNOWN and v is not None:
        return "(sensitive value)"
    return render_value(v)


def _scalar_collection(v):
    """True for a non-empty, known list or map of scalars: Terraform prints those one element a line."""
    if isinstance(v, dict):
        items = v.values()
    elif isinstance(v, list):
        items = v
    else:
        return False
    return bool(v) and all(x is not UNKNOWN and not isinstance(x, (dict, list)) for x in items)


def _collection_lines(sym, v, pad, suffix=""):
    """A list or map of scalars over several lines, each element marked with sym."""
    if isinstance(v, dict):
        width = max(len(render_value(k)) for k in v)
        body = [f"{pad}    {sym} {render_value(k).ljust(width)} = {render_value(x)}" for k, x in sorted(v.items())]
        return ["{"] + body + [f"{pad}  }}{suffix}"]
    return ["["] + [f"{pad}    {sym} {render_value(x)}," for x in v] + [f"{pad}  ]{suffix}"]


def _map_diff_lines(b, n, pad):
    keys = sorted(set(b) | set(n))
    width = max(len(render_value(k)) for k in keys)
    lines, same = ["{"], 0
    for k in keys:
        kk = render_value(k).ljust(width)
        if k not in b:
            lines.append(f"{pad}    + {kk} = {render_value(n[k])}")
        elif k not in n:
            lines.append(f"{pad}    - {kk} = {render_value(b[k])} -> null")
        elif b[k] != n[k]:
            lines.append(f"{pad}    ~ {kk} = {render_value(b[k])} -> {render_value(n[k])}")
        else:
            same += 1
    if same:
        lines.append(f"{pad}      # ({same} unchanged {'element' if same == 1 else 'elements'} hidden)")
    return lines + [f"{pad}  }}"]


def _value_lines(sym, a, b, n, pad):
    """The text after "name = " for one attribute row: a list whose first item continues the row."""
    if a.sensitive:
        shown = {"+": _val(n, True), "-": f"{_val(b, True)} -> null", " ": _val(n, True),
                 "~": f"{_val(b, True)} -> {_val(n, True)}"}[sym]
        return [shown]
    if sym == "+" and _scalar_collection(n):
        return _collection_lines("+", n, pad)
    if sym == "-" and _scalar_collection(b):
        return _collection_lines("-", b, pad, " -> null")
    if sym == "~" and isinstance(b, dict) and isinstance(n, dict) and (b or n) \
            and all(x is not UNKNOWN and not isinstance(x, (dict, list)) for x in list(b.values()) + list(n.values())):
        return _map_diff_lines(b, n, pad)
    if sym == "-":
        return [f"{render_value(b)} -> null"]
    if sym == "~":
        return [f"{render_value(b)} -> {render_value(n)}"]
    return [render_value(n)]


def _lines_for_block(block, before, after, action, replace_paths, indent, out, prefix_path=()):
    """Appends the attribute and nested block lines of one object diff."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    rows, hidden = [], 0
    for name, a in sorted(block.attributes.items()):  # Terraform lists attributes by name
        b, n = before.get(name), after.get(name)
        forces = list(prefix_path) + [name] in replace_paths
        if action in ("create", "read") or (action == "replace" and not before):
            sym = "+" if n is not None else None
        elif action == "delete":
            sym = "-" if b is not None else None
        elif equal(b, n, a.type):
            sym = " " if name in ALWAYS_SHOWN and n is not None else None
            hidden += sym is None and n is not None
        else:
            sym = "+" if b is None else "-" if n is None else "~"
        if sym is not None:
            rows.append((sym, name, a, b, n, forces and sym != " "))
    width = max((len(r[1]) for r in rows), default=0)
    pad = " " * indent
    for sym, name, a, b, n, forces in rows:
        text = _value_lines(sym, a, b, n, pad)
        out.append(f"{pad}{sym} {name.ljust(width)} = {text[0]}" + (" # forces replacement" if forces else ""))
        out.extend(text[1:])
    for name, nb in sorted(block.block_types.items()):
        bs, ns = _as_list(before.get(name), nb), _as_list(after.get(name), nb)
        for i in range(max(len(bs), len(ns))):
            b = bs[i] if i < len(bs) else None
            n = ns[i] if i < len(ns) else None
            sub = action if action in ("create", "delete", "read") else (
                "create" if b is None else "delete" if n is None else "update")
            sym = {"create": "+", "delete": "-", "read": "+", "update": "~"}[sub]
            inner = []
            _lines_for_block(nb.block, b, n, sub, replace_paths, indent + 4, inner, list(prefix_path) + [name])
            if sub == "update" and not any(line.strip()[:1] in "+-~" for line in inner):
                hidden += 1
                continue
            out.append(f"{' ' * indent}{sym} {name} {{")
            out.extend(inner)
            out.append(f"{' ' * (indent + 2)}}}")
    if hidden:
        out.append(f"{' ' * (indent + 2)}# ({hidden} unchanged {'attribute' if hidden == 1 else 'attributes'} hidden)")


def _as_list(v, nb):
    if v is None or v is UNKNOWN:
        return []
    if nb.nesting in (SINGLE, GROUP):
        return [v]
    return list(v.values()) if nb.nesting == MAP else list(v)


def render_change(change):
    """Lines for one planned change (see engine.Change)."""
    rc = change
    out = []
    if rc.action == "replace" and rc.tainted:
        out.append(f"  # {rc.addr} is tainted, so must be replaced")
    elif rc.action == "read":
        out.append(f"  # {rc.addr} will be read during apply")
        out.append("  # (config refers to values not yet known)")
    else:
        out.append(f"  # {rc.addr} {HEADLINE[rc.action]}")
    sym = SYMBOL["create_before_destroy" if rc.action == "replace" and rc.create_before_destroy else rc.action]
    kind = "data" if rc.mode == "data" else "resource"
    out.append(f"{sym.rjust(3) if len(sym) < 3 else sym} {kind} \"{rc.type}\" \"{rc.name}\" {{")
    before = rc.before if rc.action != "replace" or not rc.tainted else None
    _lines_for_block(rc.block, before, rc.after, rc.action, rc.replace_paths, 6, out)
    out.append("    }")
    return out


def render_plan(changes):
    """The plan text, Terraform style, ending with the summary line."""
    acting = [c for c in changes if c.action != "no-op"]
    if not acting:
        return ["", "No changes. Your infrastructure matches the configuration.", ""]
    symbols = []
    for a, text in (("create", "create"), ("update", "update in-place"), ("delete", "destroy"),
                    ("replace", "destroy and then create replacement"), ("read", "read (data resources)")):
        if any(c.action == a for c in acting):
            symbols.append(f"  {SYMBOL[a]} {text}".replace("  -/+", "-/+").replace("  <=", " <="))
    out = ["", "Terraform used the selected providers to generate the following execution plan. Resource",
           "actions are indicated with the following symbols:"] + symbols + ["", "Terraform will perform the following actions:", ""]
    for c in acting:
        out.extend(render_change(c))
        out.append("")
    add, change, destroy = plan_counts(changes)
    out.append(f"Plan: {add} to add, {change} to change, {destroy} to destroy.")
    return out


def plan_counts(changes):
    add = sum(1 for c in changes if c.action in ("create", "replace"))
    change = sum(1 for c in changes if c.action == "update")
    destroy = sum(1 for c in changes if c.action in ("delete", "replace"))
    return add, change, destroy


def render_diagnostic(d, addr, config, provider_name):
    """A diagnostic as Terraform prints it: severity and summary, the object and config line, detail."""
    out = ["", f"{'Warning' if d.severity == 'warning' else 'Error'}: {d.summary}", ""]
    ctx = []
    if addr == "provider":
        ctx.append(f'  with provider["registry.terraform.io/hashicorp/{provider_name}"],')
    elif addr:
        ctx.append(f"  with {addr},")
    if config is not None and addr and (d.path or addr):
        line, text = config.locate(addr, d.path)
        if line:
            where = f'provider "{provider_name}"' if addr == "provider" else (
                ("data " if addr.startswith("data.") else "resource ") +
                " ".join(f'"{p}"' for p in addr.split(".")[-2:]))
            ctx.append(f"  on {config.filename} line {line}, in {where}:")
            ctx.append(f"  {line:>3}: {text}")
    if ctx:
        out.extend(ctx)
        out.append("")
    if d.detail:
        out.append(d.detail)
        out.append("")
    return out
