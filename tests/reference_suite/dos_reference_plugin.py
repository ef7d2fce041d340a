"""pytest plugin for running dos-kernel 0.22.0's own test suite as a gate.

Loaded with ``-p dos_reference_plugin`` (this directory on PYTHONPATH), so it
is imported while pytest parses its options, before any test module is
collected and so before any test module imports ``dos``.

Environment:
  DOS_REFERENCE_MODE     ``accelerated`` calls ``dos_native.accelerate()`` now
                         (and again once collection is over, for the modules
                         accelerate() only swaps after the program imported
                         them); ``plain`` (the default) leaves ``dos`` alone and
                         never imports ``dos_native``.
  DOS_REFERENCE_RESULTS  where to write the outcome of every test (JSON).

Both modes point ``DISPATCH_HOME`` at a fresh temporary directory for the
session (the reference repo's own conftest does the same; its sdist does not
ship it), so no run writes into the machine's real DOS home.

The results file maps each test id to ``{"outcome", "summary", "duration"}``
with outcome one of passed, failed, error, skipped, xfailed, xpassed. A test
module that fails to import is recorded under its file path as ``error``.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile

import pytest

MODE = os.environ.get("DOS_REFERENCE_MODE", "plain")
if MODE not in ("plain", "accelerated"):
    raise RuntimeError(f"DOS_REFERENCE_MODE must be plain or accelerated, not {MODE!r}")

# The prefix is the one the reference repo's conftest uses (its
# test_home_no_temp_pollution.py checks for it).
_HOME = tempfile.mkdtemp(prefix="dos-suite-home-")
os.environ["DISPATCH_HOME"] = _HOME

SWAPPED: list[str] = []
if MODE == "accelerated":
    import dos_native

    SWAPPED = dos_native.accelerate()
    if not SWAPPED:
        raise RuntimeError("dos_native.accelerate() swapped nothing: is dos installed in this interpreter?")


_results: dict[str, dict] = {}

# Worse outcomes win when a test reports more than once (setup, call, teardown).
_RANK = {"passed": 0, "skipped": 1, "xfailed": 1, "xpassed": 1, "failed": 2, "error": 3}


def _summary(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return f"{os.path.basename(crash.path)}:{crash.lineno}: {crash.message}"
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:  # a skip
        return str(report.longrepr[2])
    text = str(report.longrepr or "")
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _record(nodeid: str, outcome: str, summary: str, duration: float = 0.0) -> None:
    old = _results.get(nodeid)
    if old is None:
        _results[nodeid] = old = {"outcome": outcome, "summary": summary[:2000], "duration": 0.0}
    elif _RANK[outcome] > _RANK[old["outcome"]]:
        old["outcome"], old["summary"] = outcome, summary[:2000]
    old["duration"] = round(old["duration"] + duration, 3)


def pytest_report_header(config):
    if MODE == "accelerated":
        return [f"dos_reference_plugin: accelerated ({len(SWAPPED)} functions swapped)"]
    return ["dos_reference_plugin: plain (no acceleration)"]


def pytest_collection_finish(session):
    if MODE == "accelerated":
        # accelerate() leaves some modules (dos.posttool_sensor) alone until the
        # program has imported them itself; the test modules now have.
        SWAPPED[:] = dos_native.accelerate()


def pytest_collectreport(report):
    if report.failed:
        _record(report.nodeid, "error", _summary(report))
    elif report.skipped and report.nodeid.endswith(".py"):
        _record(report.nodeid, "skipped", _summary(report))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report):
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "xpassed"
        else:
            outcome = report.outcome
    elif report.failed:
        outcome = "error"
    elif report.skipped:
        outcome = "skipped"
    else:
        outcome = "passed"
    summary = "" if outcome == "passed" else _summary(report)
    _record(report.nodeid, outcome, summary, report.duration)


def pytest_unconfigure(config):
    shutil.rmtree(_HOME, ignore_errors=True)


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("DOS_REFERENCE_RESULTS")
    if not path:
        return
    out = {"mode": MODE, "swapped": list(SWAPPED), "tests": dict(sorted(_results.items()))}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=False)
        f.write("\n")
