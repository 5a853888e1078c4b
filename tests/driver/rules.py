"""Terraform core's side of the resource lifecycle: the proposed new state it sends to
PlanResourceChange, and the checks it makes on what the provider answers.

check_plan mirrors "Provider produced invalid plan": a planned value must equal the config value, or
equal the prior value when the config sets one (the provider kept a normalised form), or be any value
for a computed attribute the config leaves null; a non-computed attribute null in config must stay
null; a config value that is unknown must stay unknown; nested block counts must match the config.
check_apply mirrors "Provider produced inconsistent result after apply": every known planned value is
kept and nothing is unknown. Each returns a list of messages (empty = valid).
"""
from .schema import GROUP, LIST, MAP, SINGLE
from .values import UNKNOWN, equal, format_path, is_known, render


def _obj(v, block):
    return v if isinstance(v, dict) else block.null_object()


def proposed_new(block, prior, config):
    """objchange.ProposedNew: the config, with computed attributes the config leaves null taken from
    the prior state (so a create proposes them null). Nested blocks recurse, pairing LIST blocks by
    index, MAP blocks by key, SET blocks by equal non-computed attributes."""
    if config is None:
        return None
    if config is UNKNOWN:
        return UNKNOWN
    prior_obj = _obj(prior, block)
    out = {}
    for name, a in block.attributes.items():
        cv = config.get(name)
        if a.computed and cv is None:
            out[name] = prior_obj.get(name)
        else:
            out[name] = cv
    for name, nb in block.block_types.items():
        cv = config.get(name)
        pv = prior_obj.get(name)
        if cv is UNKNOWN or cv is None:
            out[name] = cv if cv is not None else nb.empty()
        elif nb.nesting in (SINGLE, GROUP):
            out[name] = proposed_new(nb.block, pv if isinstance(pv, dict) else None, cv)
        elif nb.nesting == LIST:
            plist = pv if isinstance(pv, list) else []
            out[name] = [proposed_new(nb.block, plist[i] if i < len(plist) else None, c)
                         for i, c in enumerate(cv)]
        elif nb.nesting == MAP:
            pmap = pv if isinstance(pv, dict) else {}
            out[name] = {k: proposed_new(nb.block, pmap.get(k), c) for k, c in cv.items()}
        else:
            plist = list(pv) if isinstance(pv, list) else []
            out[name] = [proposed_new(nb.block, _match_set_elem(nb.block, plist, c), c) for c in cv]
    return out


def _match_set_elem(block, priors, cfg):
    for i, p in enumerate(priors):
        if all(equal(p.get(n), cfg.get(n), a.type)
               for n, a in block.attributes.items() if not a.computed):
            return priors.pop(i)
    return None


def check_plan(block, prior, config, planned, path=()):
    """Terraform's AssertPlanValid over one object; returns error messages."""
    errs = []
    path = list(path)
    if planned is UNKNOWN:
        return errs if config is UNKNOWN or not path else [f"{format_path(path) or 'root'}: planned unknown object"]
    if config is None:
        return errs if planned is None else [f"{format_path(path) or 'root'}: planned an object for a null config"]
    if planned is None:
        return [f"{format_path(path) or 'root'}: planned null for a non-null config"]
    prior_obj = prior if isinstance(prior, dict) else None
    for name, a in block.attributes.items():
        cv, pv = config.get(name), planned.get(name)
        rv = prior_obj.get(name) if prior_obj else None
        errs += _check_attr(a, rv, cv, pv, path + [name])
    for name, nb in block.block_types.items():
        errs += _check_nested(nb, prior_obj.get(name) if prior_obj else None, config.get(name),
                              planned.get(name), path + [name])
    return errs


def _check_attr(a, prior, config, planned, path):
    if equal(planned, config, a.type) or (config is UNKNOWN and planned is UNKNOWN):
        return []
    if prior is not None and config is not None and equal(planned, prior, a.type):
        return []
    if a.computed and not a.optional:
        return []
    if config is None and a.computed:
        return []
    shown = "(sensitive value)" if a.sensitive else render(planned)
    where = format_path(path)
    if config is None:
        return [f"{where}: planned value {shown} for a non-computed attribute"]
    if prior is None:
        return [f"{where}: planned value {shown} does not match config value "
                f"{'(sensitive value)' if a.sensitive else render(config)}"]
    return [f"{where}: planned value {shown} does not match config value "
            f"{'(sensitive value)' if a.sensitive else render(config)} nor prior value "
            f"{'(sensitive value)' if a.sensitive else render(prior)}"]


def _check_nested(nb, prior, config, planned, path):
    where = format_path(path)
    if config is UNKNOWN:
        return []
    if nb.nesting in (SINGLE, GROUP):
        if config is None and planned is not None and nb.nesting == SINGLE:
            return [f"{where}: planned a block that the configuration does not have"]
        return check_plan(nb.block, prior, config, planned, path) if config is not None else []
    if planned is UNKNOWN:
        return [f"{where}: planned unknown for a known block collection"]
    config = config or ([] if nb.nesting != MAP else {})
    planned = planned if planned is not None else ([] if nb.nesting != MAP else {})
    if nb.nesting == MAP:
        if set(config) != set(planned):
            return [f"{where}: planned block keys {sorted(planned)} do not match config keys {sorted(config)}"]
        pm = prior if isinstance(prior, dict) else {}
        return [e for k in config for e in check_plan(nb.block, pm.get(k), config[k], planned[k],
                                                      path + [("key", k)])]
    if len(config) != len(planned):
        return [f"{where}: block count in plan ({len(planned)}) disagrees with count in config ({len(config)})"]
    if nb.nesting == LIST:
        pl = prior if isinstance(prior, list) else []
        return [e for i, (c, p) in enumerate(zip(config, planned))
                for e in check_plan(nb.block, pl[i] if i < len(pl) else None, c, p, path + [i])]
    return []  # SET: counts checked; elements are matched by value, as far as this driver goes


def check_apply(t, planned, new, path=()):
    """Terraform's AssertObjectCompatible(planned, new) plus "no unknown in the result"; t is the
    value type. Returns error messages."""
    errs = []
    if not is_known(new):
        errs.append(f"{format_path(path) or 'root'}: the result contains unknown values")
    _compat(t, planned, new, list(path), errs)
    return errs


def _compat(t, planned, new, path, errs):
    if planned is UNKNOWN:
        return
    kind = t if isinstance(t, str) else t[0]
    if kind == "object" and isinstance(planned, dict) and isinstance(new, dict):
        for k, at in t[1].items():
            _compat(at, planned.get(k), new.get(k), path + [k], errs)
        return
    if kind == "list" and isinstance(planned, list) and isinstance(new, list) and len(planned) == len(new):
        for i, (p, n) in enumerate(zip(planned, new)):
            _compat(t[1], p, n, path + [i], errs)
        return
    if kind == "map" and isinstance(planned, dict) and isinstance(new, dict) and set(planned) == set(new):
        for k in planned:
            _compat(t[1], planned[k], new[k], path + [("key", k)], errs)
        return
    if kind == "set" and isinstance(planned, list) and isinstance(new, list) and not is_known(planned):
        if len(planned) != len(new):
            errs.append(f"{format_path(path)}: planned set of {len(planned)} elements, got {len(new)}")
        return  # elements with unknowns inside cannot be matched more precisely than this
    if not equal(planned, new, t):
        errs.append(f"{format_path(path) or 'root'}: was {render(planned)}, but now {render(new)}")


def changed_paths(t, a, b, path=()):
    """Paths of the top-level attributes whose values differ between a and b (objects of type t)."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        return [] if equal(a, b, t) else [list(path)]
    return [list(path) + [k] for k, at in t[1].items() if not equal(a.get(k), b.get(k), at)]


def value_at(v, path):
    for step in path:
        if v is None or v is UNKNOWN:
            return v
        if isinstance(step, tuple):
            v = v.get(step[1]) if isinstance(v, dict) else None
        elif isinstance(step, int):
            v = v[step] if isinstance(v, list) and step < len(v) else None
        else:
            v = v.get(step) if isinstance(v, dict) else None
    return v


def type_at(t, path):
    for step in path:
        kind = t if isinstance(t, str) else t[0]
        if kind == "object" and isinstance(step, str):
            t = t[1].get(step, "dynamic")
        elif kind in ("list", "set", "map"):
            t = t[1]
        elif kind == "tuple" and isinstance(step, int) and step < len(t[1]):
            t = t[1][step]
        else:
            return "dynamic"
    return t


def replace_paths(t, prior, planned, requires_replace):
    """The requires_replace paths whose value really changes (Terraform ignores the others)."""
    out = []
    for p in requires_replace:
        if not equal(value_at(prior, p), value_at(planned, p), type_at(t, p)):
            out.append(p)
    return out
