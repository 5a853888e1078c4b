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


def _lines_for_block(block, before, after, action, replace_paths, indent, out, prefix_path=()):
    """Appends the attribute and nested block lines of one object diff."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    rows, hidden = [], 0
    for name, a in block.attributes.items():
        b, n = before.get(name), after.get(name)
        forces = list(prefix_path) + [name] in replace_paths
        if action in ("create", "read") or (action == "replace" and not before):
            if n is None:
                continue
            rows.append(("+", name, _val(n, a.sensitive), forces))
        elif action == "delete":
            if b is None:
                continue
            rows.append(("-", name, f"{_val(b, a.sensitive)} -> null", False))
        elif equal(b, n, a.type):
            if name in ALWAYS_SHOWN and n is not None:
                rows.append((" ", name, _val(n, a.sensitive), False))
            elif n is not None:
                hidden += 1
        elif b is None:
            rows.append(("+", name, _val(n, a.sensitive), forces))
        elif n is None:
            rows.append(("-", name, f"{_val(b, a.sensitive)} -> null", forces))
        else:
            rows.append(("~", name, f"{_val(b, a.sensitive)} -> {_val(n, a.sensitive)}", forces))
    width = max((len(r[1]) for r in rows), default=0)
    for sym, name, text, forces in rows:
        line = f"{' ' * indent}{sym} {name.ljust(width)} = {text}"
        out.append(line + (" # forces replacement" if forces else ""))
    for name, nb in block.block_types.items():
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
