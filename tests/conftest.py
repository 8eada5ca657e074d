import os
import sys

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))

settings.register_profile(
    "default", deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much])
settings.register_profile(
    "long", deadline=None, max_examples=500, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(params=[True, False], ids=["optimized", "unoptimized"])
def optimizations(request):
    """Run the test with linad's optimisations on and off (the answers must be equal)."""
    import linad
    before = linad.optimize.set_enabled(request.param)
    yield request.param
    linad.optimize.set_enabled(before)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``fuzz`` (long random-program fuzzing) run only when selected with -m fuzz.

    ``pytest -m fuzz --hypothesis-profile=long`` runs them with the long profile.
    """
    if "fuzz" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="long fuzzing: run with pytest -m fuzz "
                                   "--hypothesis-profile=long")
    for item in items:
        if item.get_closest_marker("fuzz") is not None:
            item.add_marker(skip)
