"""bench/regress.py, the check `make bench` runs against the committed
baseline: a ratio that fell by more than the tolerance fails it."""
import json
import pathlib
import subprocess
import sys

REGRESS = pathlib.Path(__file__).resolve().parents[2] / "bench" / "regress.py"


def _run(tmp_path, base_rows, cur_rows, *extra):
    b, c = tmp_path / "base.json", tmp_path / "cur.json"
    b.write_text(json.dumps({"load": 1.0, "rows": base_rows}))
    c.write_text(json.dumps({"load": 2.0, "rows": cur_rows}))
    return subprocess.run([sys.executable, str(REGRESS), str(b), str(c), *extra], capture_output=True, text=True)


def test_a_ratio_that_fell_past_the_tolerance_fails(tmp_path):
    base = {"x.classify": {"typed_ratio": 10.0, "accelerated_ratio": 4.0}}
    out = _run(tmp_path, base, {"x.classify": {"typed_ratio": 10.5, "accelerated_ratio": 3.5}})
    assert out.returncode == 1, out.stdout
    assert "REGRESSED" in out.stdout and "accelerated_ratio" in out.stdout and "typed_ratio" not in out.stdout.split("REGRESSED")[1]


def test_within_the_tolerance_and_new_rows_pass(tmp_path):
    base = {"x.classify": {"typed_ratio": 10.0}, "gone": {"typed_ratio": 1.0}}
    out = _run(tmp_path, base, {"x.classify": {"typed_ratio": 9.2}, "y.new": {"typed_ratio": 0.5}})
    assert out.returncode == 0, out.stdout
    assert "new (no baseline yet): y.new" in out.stdout and "gone from this run: gone" in out.stdout
    assert _run(tmp_path, base, {"x.classify": {"typed_ratio": 9.2}}, "--tolerance", "0.05").returncode == 1


def test_unreadable_input_is_refused_not_passed(tmp_path):
    (tmp_path / "cur.json").write_text("{}")
    out = subprocess.run([sys.executable, str(REGRESS), str(tmp_path / "missing.json"), str(tmp_path / "cur.json")],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "cannot read" in out.stderr


def test_update_makes_the_run_the_baseline(tmp_path):
    _run(tmp_path, {}, {"a": {"typed_ratio": 3.0}})
    out = subprocess.run([sys.executable, str(REGRESS), "--update", str(tmp_path / "base.json"), str(tmp_path / "cur.json")],
                         capture_output=True, text=True)
    assert out.returncode == 0
    assert json.loads((tmp_path / "base.json").read_text())["rows"] == {"a": {"typed_ratio": 3.0}}


def _criterion(tmp_path, changes):
    for name, change in changes.items():
        d = tmp_path / "criterion" / name / "change"
        d.mkdir(parents=True)
        (d / "estimates.json").write_text(json.dumps({"mean": {"point_estimate": change}, "median": {"point_estimate": 0}}))
    return subprocess.run([sys.executable, str(REGRESS), "--criterion", str(tmp_path / "criterion")],
                          capture_output=True, text=True)


def test_criterion_times_that_rose_past_the_tolerance_fail(tmp_path):
    # +10% time is a 9% loss of speed (passes); +20% is 17% (fails).
    out = _criterion(tmp_path, {"liveness/classify": 0.10, "arbiter/arbitrate": 0.20, "hook_exit": -0.3})
    assert out.returncode == 1, out.stdout
    assert "arbiter/arbitrate" in out.stdout and "liveness/classify" not in out.stdout
    assert "1 of 3" in out.stdout


def test_criterion_without_a_baseline_is_said_not_failed(tmp_path):
    (tmp_path / "criterion").mkdir()
    out = _criterion(tmp_path, {})
    assert out.returncode == 0 and "make bench-baseline" in out.stdout


def test_hook_ratios_are_compared_like_the_others(tmp_path):
    # hook_bench.py --json writes go_ratio / python_ratio per case (the other
    # engines' medians over dos-hook's); a dos-hook that slowed fails them.
    base = {"hook pretool deny": {"dos_hook_ms": 1.0, "go_ratio": 3.0, "python_ratio": 90.0}}
    slower = {"hook pretool deny": {"dos_hook_ms": 1.3, "go_ratio": 2.3, "python_ratio": 70.0}}
    out = _run(tmp_path, base, slower)
    assert out.returncode == 1, out.stdout
    assert "go_ratio" in out.stdout and "python_ratio" in out.stdout and "dos_hook_ms" not in out.stdout
    assert _run(tmp_path, base, {"hook pretool deny": {"dos_hook_ms": 1.05, "go_ratio": 2.9, "python_ratio": 88.0}}).returncode == 0
