"""Hardening at scale: measuring and checking scripts shared by bench/soak.py, bench/wait_overhead.py,
bench/stop_under_load.py and their bounded end-to-end tests (tests/e2e/test_soak_small.py,
test_stop_under_load.py, test_wait_overhead.py).

harness.py   the emulator process, the provider process (with its CPU and memory figures) and the
             Terraform-core side of an ec2_ami lifecycle (plan rules and apply checks of tests/driver)
soak.py      N lifecycles at a given parallelism against one provider, under random faults, and the
             invariants checked at the end
waits.py     time from "image available" (or gone) to ApplyResourceChange's return, and polls per wait
stop_load.py StopProvider while many creates and destroys are in flight

Nothing here is collected by pytest directly (no test_ files): the e2e tests import it.
"""
