"""StopProvider under load (tests/soak/stop_load.py, the code behind bench/stop_under_load.py):
creates waiting on pending images and destroys held in DeregisterImage, all in flight on one
provider; StopProvider must make every call return within 1 s, leave no image that EC2 registered
out of the responses, and GRPCController.Shutdown must then end the process with 0 within 1 s."""
import pytest

from conftest import scaled
from tests.soak import stop_load


@pytest.mark.parametrize("creates,destroys", [(5, 5), (10, 10)], ids=["parallelism-10", "parallelism-20"])
def test_stop_provider_under_load(binary, creates, destroys):
    res = stop_load.run(creates, destroys, bound=scaled(1.0), hold=30.0, binary=binary, join_timeout=scaled(5))
    report = stop_load.format_report(res, creates, destroys)
    assert sum(res.in_flight.values()) > 0, report
    assert not res.problems, report
