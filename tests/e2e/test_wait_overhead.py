"""The waiters keep to their schedule (tests/soak/waits.py, the code behind bench/wait_overhead.py):
a create returns at the first scheduled DescribeImages after the image turns available (plus the
read back), with no extra polls; a destroy returns at its first poll after DeregisterImage. The goal
figures (median overhead <= 0.5 s over waits of a few seconds) are measured by the bench."""
import pytest

from conftest import scaled
from tests.soak import waits

SLACK_S = 0.25  # request latencies the schedule does not count (each poll, the read back), and jitter


@pytest.mark.parametrize("pending", [2.5, 3.5])
def test_waits_follow_the_schedule(binary, pending):
    ws = waits.measure(pending, 2, binary)
    schedule = waits.expected_polls(pending + 30)
    due = next(t for t in schedule if t >= pending)  # first scheduled poll at or after readiness
    polls_due = schedule.index(due) + 1
    for w in ws:
        if w.kind == "create":
            assert w.overhead <= due - pending + scaled(SLACK_S), (w, due)
            assert len(w.polls) <= polls_due + 1, (w.polls, polls_due)  # + the read back
        else:
            assert w.overhead <= waits.WAITER_INITIAL_S + scaled(SLACK_S), w
            assert len(w.polls) == 1, w.polls
