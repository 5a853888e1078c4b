"""Valgrind memcheck helpers for tests/valgrind/run.sh.

`summary LOG_DIR`: scans every vg.<pid>.log memcheck wrote there (one per provider process the e2e
suite launched, or per unit-test binary) and prints one line per process with a finding, the excerpt
of each error, and the totals: processes, complete runs (a process killed by SIGKILL leaves no leak
summary; errors it printed before dying still count), errors, definitely and indirectly lost bytes.
Exits 1 on any error or lost byte, or when there is no log at all (the wrapper was not used).

`unit BUILD_DIR LOG_DIR VALGRIND_ARGS...`: runs each cmocka test ctest knows as ^test_ under valgrind,
with the command, working directory and environment ctest would give it; logs go to LOG_DIR. Exits 1
when a test itself fails (valgrind's own findings are left to `summary`)."""
import glob
import json
import os
import re
import subprocess
import sys

ERROR_KINDS = re.compile(
    r"^==\d+== (Invalid (read|write|free)|Mismatched free|Conditional jump or move depends on uninitialised"
    r"|Use of uninitialised value|Syscall param .* (uninitialised|unaddressable)|Source and destination overlap"
    r"|Argument '.*' of function .* has a fishy|Invalid memory pool"
    r"|\d[\d,]* (\([\d,]+ direct, [\d,]+ indirect\) )?bytes in [\d,]+ blocks are (definitely|indirectly) lost)")
ERROR_SUMMARY = re.compile(r"ERROR SUMMARY: ([\d,]+) errors from [\d,]+ contexts \(suppressed: ([\d,]+)")
LOST = re.compile(r"(definitely|indirectly) lost: ([\d,]+) bytes in ([\d,]+) blocks")
COMMAND = re.compile(r"^==\d+== Command: (.*)$", re.M)
PARENT = re.compile(r"^==\d+== Parent PID: (\d+)$", re.M)
EXCERPT_LINES = 25


def _int(s):
    return int(s.replace(",", ""))


def scan(path):
    """One log's figures: dict with pid, command, complete, errors, suppressed, lost bytes/blocks and
    the error excerpts (headline plus its stack)."""
    text = open(path, errors="replace").read()
    lines = text.splitlines()
    r = {"log": path, "complete": False, "errors": 0, "suppressed": 0, "definitely": 0, "indirectly": 0,
         "definitely_blocks": 0, "indirectly_blocks": 0, "excerpts": []}
    m = COMMAND.search(text)
    r["command"] = m.group(1) if m else "?"
    m = PARENT.search(text)
    r["parent"] = m.group(1) if m else ""
    r["pid"] = os.path.basename(path).split(".")[1]
    for i, line in enumerate(lines):
        if ERROR_KINDS.match(line):
            block = [line]
            for nxt in lines[i + 1:i + EXCERPT_LINES]:
                if re.match(r"^==\d+== ?$", nxt):
                    break
                block.append(nxt)
            r["excerpts"].append("\n".join(block))
    m = ERROR_SUMMARY.search(text)
    if m:
        r["complete"] = True
        r["errors"] = _int(m.group(1))
        r["suppressed"] = _int(m.group(2))
    else:
        r["errors"] = len(r["excerpts"])  # killed before the summary: count what it printed
    for kind, nbytes, blocks in LOST.findall(text):
        r[kind] = _int(nbytes)
        r[kind + "_blocks"] = _int(blocks)
    return r


def summary(log_dir):
    logs = sorted(glob.glob(os.path.join(log_dir, "vg.*.log")))
    results = [scan(p) for p in logs]
    bad = [r for r in results if r["errors"] or r["definitely"] or r["indirectly"]]
    for r in bad:
        print(f"--- {r['log']}: {r['errors']} errors, definitely lost {r['definitely']} bytes, "
              f"indirectly lost {r['indirectly']} bytes ({r['command']})")
        for e in r["excerpts"]:
            print(e)
            print()
    total = {k: sum(r[k] for r in results) for k in
             ("errors", "suppressed", "definitely", "definitely_blocks", "indirectly", "indirectly_blocks")}
    pids = {r["pid"] for r in results}
    complete = sum(1 for r in results if r["complete"])
    execd = sum(1 for r in results if not r["complete"] and r["parent"] in pids)
    print(f"memcheck: {len(results)} processes: {complete} ran to their leak check, {execd} forked "
          f"children exec'd another program, {len(results) - complete - execd} ended without a leak check "
          f"(killed); {len(bad)} with findings")
    print(f"memcheck: {total['errors']} errors ({total['suppressed']} suppressed); definitely lost "
          f"{total['definitely']} bytes in {total['definitely_blocks']} blocks; indirectly lost "
          f"{total['indirectly']} bytes in {total['indirectly_blocks']} blocks")
    if not results:
        print(f"memcheck: no vg.*.log in {log_dir}: nothing ran under valgrind", file=sys.stderr)
        return 1
    return 1 if bad else 0


def unit(build_dir, log_dir, vg_args):
    out = subprocess.run(["ctest", "--show-only=json-v1", "-R", "^test_"], cwd=build_dir, check=True,
                         capture_output=True, text=True).stdout
    failed = []
    tests = json.loads(out)["tests"]
    for t in tests:
        props = {p["name"]: p["value"] for p in t.get("properties", [])}
        env = dict(os.environ)
        env.update(kv.split("=", 1) for kv in props.get("ENVIRONMENT", []))
        cmd = ["valgrind", *vg_args, f"--log-file={log_dir}/vg.%p.log", *t["command"]]
        rc = subprocess.run(cmd, cwd=props.get("WORKING_DIRECTORY", build_dir), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT).returncode
        print(f"{t['name']}: exit {rc}")
        if rc:
            failed.append(t["name"])
    print(f"unit: {len(tests)} tests under valgrind, {len(failed)} failed: {' '.join(failed)}")
    return 1 if failed else 0


def main(argv):
    if len(argv) == 2 and argv[0] == "summary":
        return summary(argv[1])
    if len(argv) >= 3 and argv[0] == "unit":
        return unit(argv[1], argv[2], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
