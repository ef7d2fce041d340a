import pathlib

import pytest

GOLDEN = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "cases"


@pytest.fixture(scope="session")
def golden_dir():
    if not GOLDEN.is_dir():
        pytest.fail("no golden corpus (run `make golden`)")
    return GOLDEN
