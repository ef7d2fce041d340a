"""dos_native.config against the reference's loaders on real workspaces.

The accelerated `dos.config` loaders build the reference's own
`SubstrateConfig` from the native build, so they are compared with the
original loaders by dataclass equality (every seam, the workspace facts, the
paths) and by the tables they warned about.
"""
import os
import threading

import pytest

dos = pytest.importorskip("dos")
import dos.config as ref  # noqa: E402

import dos_native  # noqa: E402
from dos_native import config as nc  # noqa: E402

TOMLS = [
    None,
    "",
    '[lanes]\nconcurrent = ["api", "web"]\nexclusive = ["infra"]\n[lanes.trees]\napi = ["src/api/**"]\nweb = ["web/**"]\n',
    '[paths]\nlane_journal = "state/lj.jsonl"\nplans_glob = "planning/*.md"\n[overlap]\nratio_max = 0.5\n',
    '[reasons.MY_GATE]\ncategory = "OPERATOR_GATE"\nsee_also = ["lane api"]\n[intervention.NUDGE]\nrank = 15\n',
    '[[reasons.morphology]]\nsubstring = "FLAKY"\ncategory = "MISROUTE"\n[reasons.LOST]\ncategory = "MISROUTE"\n',
    '[stamp]\nsubject_dirs = "src"\n[enumerate]\nheading_levels = [2]\n[cooldown]\nwindow_hours = 1.5\n',
    '[supervise]\ntarget = 2\nspin_halt_after_minutes = 0.5\n[lifecycle]\nclasses = ["a", "b"]\ntransitions = []\n',
    '[retention]\nruns_keep_last = "none"\n[data_class]\nproduct_patterns = "dist"\n',
    '[[concurrency_class]]\nname = "batch"\nmax_concurrent = 2\n',
    '[tool_stream]\nrepeat_n = 2\nstall_n = 3\nignore_tools = ["Poll"]\n[marker]\nmax_streak = 1\narm_on_env = "LOOP"\n',
    '[precursor.requires]\nWrite-File = "check.access"\n[verify]\nnon_git_oracle = " ci "\n',
    '[lanes]\nconcurrent = "main"\n[overlap]\nratio_max = 3\n[stamp]\nbogus = 1\n[supervise]\ntarget = true\n',
    '[reasons.X]\ncategory = "NOPE"\n[intervention.Y]\nrank = 10\n[retention]\nruns_keep_last = -3\n',
    "[lanes\n",
    "\ufeff[lanes]\r\nexclusive = [\"bom\"]\r\n",
    b"[lanes]\nexclusive = [\"\xff\"]\n",
    # libdos's [lease_store] extension: the reference ignores the table, so
    # the accelerated loaders neither carry it into its config nor warn about it.
    '[lease_store]\nstrict = true\nurl = "postgresql://db/x"\n',
    '[lease_store]\nstrict = "yes"\nbogus = 1\n[overlap]\nratio_max = 3\n',
]


def _workspace(tmp_path, text, kernel=False):
    ws = tmp_path / "ws"
    ws.mkdir()
    if text is not None:
        (ws / "dos.toml").write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    if kernel:
        (ws / "src" / "dos").mkdir(parents=True)
        (ws / "src" / "dos" / "arbiter.py").write_text("")
    return ws


def _load(fn, *args, **kwargs):
    seen = []
    cfg = fn(*args, warn=lambda t, m: seen.append(t), **kwargs)
    return cfg, seen


@pytest.mark.parametrize("text", TOMLS)
@pytest.mark.parametrize("job", [False, True])
def test_accelerated_loader_matches_reference(tmp_path, text, job):
    ws = _workspace(tmp_path, text, kernel=job)
    dos_native.restore()
    want, want_tables = _load(ref.load_workspace_config, ws, job=job, gather_env=False)
    swapped = dos_native.accelerate()
    try:
        assert "dos.config.load_workspace_config" in swapped
        got, got_tables = _load(ref.load_workspace_config, ws, job=job, gather_env=False)
    finally:
        dos_native.restore()
    assert type(got) is type(want)
    assert got == want
    assert got_tables == want_tables


@pytest.mark.parametrize("text", TOMLS[:6])
def test_default_and_job_config_match_reference(tmp_path, text):
    ws = _workspace(tmp_path, text)
    dos_native.restore()
    want = [ref.default_config(ws, gather_env=False), ref.job_config(ws, gather_env=False)]
    dos_native.accelerate()
    try:
        got = [ref.default_config(ws, gather_env=False), ref.job_config(ws, gather_env=False)]
    finally:
        dos_native.restore()
    assert got == want


def test_crash_cases_fall_back_to_the_reference(tmp_path):
    ws = _workspace(tmp_path, "[tool_stream]\nrepeat_n = [1]\n")
    with pytest.raises(dos_native.DosError) as e:
        nc.load_workspace_config(ws)
    assert e.value.code == "BAD_CONFIG" and "tool_stream" in e.value.message
    dos_native.accelerate()
    try:
        with pytest.raises(TypeError):
            ref.load_workspace_config(ws, gather_env=False)
    finally:
        dos_native.restore()


def test_workspace_resolution(tmp_path, monkeypatch):
    ws = _workspace(tmp_path, '[lanes]\nexclusive = ["from-env"]\n')
    link = tmp_path / "link"
    link.symlink_to(ws)
    monkeypatch.setenv("DISPATCH_WORKSPACE", str(link))
    assert nc.resolve_workspace_root() == str(ws.resolve()) == str(ref.resolve_workspace_root())
    assert nc.load_workspace_config().to_dict()["lanes"]["exclusive"] == ["from-env"]
    monkeypatch.delenv("DISPATCH_WORKSPACE")
    monkeypatch.chdir(ws)
    assert nc.resolve_workspace_root() == str(ref.resolve_workspace_root())
    assert nc.resolve_workspace_root("sub/../x") == str(ref.resolve_workspace_root("sub/../x"))


def test_config_object_api(tmp_path):
    cfg = nc.Config.from_toml('[lanes]\nexclusive = ["solo"]\n[overlap]\nratio_max = 7\n', root="/w",
                              kernel_runtime_files=[])
    assert cfg.root == "/w"
    assert cfg.warnings == [{"table": "overlap", "key": "ratio_max", "message": cfg.warnings[0]["message"]}]
    d = cfg.to_dict()
    assert d["lanes"]["exclusive"] == ["solo"] and d["overlap_ratio_max"] == 1 / 3
    assert d["workspace"] == {"root": "/w", "kernel_runtime_files": [], "is_kernel_repo": False}
    assert list(d) == ["lanes", "paths", "reasons", "stamp", "reason_morphology", "workspace", "overlap_ratio_max",
                       "overlap_policy_name", "class_budgets", "retention", "data_class", "interventions",
                       "stream_policy", "precursors", "enumerate_grammar", "cooldown", "lifecycle", "supervise",
                       "marker", "non_git_oracle", "ci"]
    lint = cfg.dispatch("config_lint.lint", {"taxonomy": d["lanes"]})
    assert lint == dos_native.dispatch("config_lint.lint", {"taxonomy": d["lanes"]}, config=cfg)
    assert '"ok":true' in cfg.call('{"abi":1,"op":"config_lint.lint_lanes","args":{"taxonomy":{}}}')
    over = nc.Config.from_toml("", overrides={"lanes": {"exclusive": ["o"]}})
    assert over.to_dict()["lanes"]["exclusive"] == ["o"]
    with pytest.raises(dos_native.DosError):
        nc.Config.from_toml("", preset="nope")
    assert nc.Config.from_toml(b"\xef\xbb\xbf[lanes]\nexclusive = [\"b\"]\n").to_dict()["lanes"]["exclusive"] == ["b"]


def test_envelope_config_names_a_workspace(tmp_path):
    ws = _workspace(tmp_path, '[lanes]\nexclusive = ["w"]\n[overlap]\nratio_max = 9\n')
    cfg = {"workspace": str(ws)}
    # Ops that read the config get the workspace's; the dos.toml warning does not fail the call.
    got = dos_native.dispatch("config_lint.lint_lanes", {"taxonomy": {}}, config=cfg)
    assert got == []
    with pytest.raises(dos_native.DosError) as e:
        dos_native.dispatch("config_lint.lint_lanes", {"taxonomy": {}}, config={"lanes": {"concurrent": "x"}})
    assert e.value.code == "BAD_CONFIG"
    with pytest.raises(dos_native.DosError) as e:
        dos_native.dispatch("config_lint.lint_lanes", {"taxonomy": {}}, config={"lanse": {}})
    assert e.value.code == "BAD_CONFIG"


def test_lanes_from_table():
    t = nc.LaneTaxonomy.from_table({"concurrent": ["a"], "trees": {"a": ["x/**"]}, "aliases": {"k": "a"}})
    assert t.tree_for("a") == ["x/**"] and t.is_concurrent("a") and not t.is_exclusive("a")
    assert t == nc.LaneTaxonomy(("a",), (), (), {"a": ("x/**",)}, {"k": "a"})
    for bad in [{"concurrent": "a"}, {"trees": {"a": "x"}}, {"aliases": {"k": 1}}, []]:
        with pytest.raises(ValueError):
            nc.LaneTaxonomy.from_table(bad)


def test_config_is_shared_across_threads():
    cfg = nc.Config.from_toml('[lanes]\nconcurrent = ["a", "b"]\n[lanes.trees]\na = ["x/**"]\nb = ["x/y/**"]\n')
    want = cfg.dispatch("config_lint.lint", {"taxonomy": cfg.to_dict()["lanes"]})
    out = []

    def run():
        for _ in range(200):
            out.append(cfg.dispatch("config_lint.lint", {"taxonomy": cfg.to_dict()["lanes"]}) == want)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(out) and len(out) == 800


def test_edit_of_dos_toml_is_seen(tmp_path):
    ws = _workspace(tmp_path, '[lanes]\nexclusive = ["one"]\n')
    req = {"workspace": str(ws)}
    a = nc.load_workspace_config(ws).to_dict()["lanes"]["exclusive"]
    dos_native.dispatch("config_lint.lint_lanes", {"taxonomy": {}}, config=req)
    (ws / "dos.toml").write_text('[lanes]\nexclusive = ["one", "two"]\n')
    os.utime(ws / "dos.toml", (1, 1))
    b = nc.load_workspace_config(ws).to_dict()["lanes"]["exclusive"]
    assert a == ["one"] and b == ["one", "two"]


@pytest.mark.parametrize("text", TOMLS)
def test_native_of_a_reference_config(tmp_path, text):
    ws = _workspace(tmp_path, text)
    for build in (lambda: ref.load_workspace_config(ws, gather_env=False, warn=lambda *a: None),
                  lambda: ref.load_workspace_config(ws, job=True, gather_env=False, warn=lambda *a: None)):
        try:
            rcfg = build()
        except TypeError:
            continue
        native = nc.native_of(rcfg)
        assert nc.native_of(rcfg) is native
        job = rcfg.paths.style == "repo"
        want = nc.load_workspace_config(ws, job=job, warn=lambda *a: None).to_dict()
        # A reference SubstrateConfig has no [lease_store] seam to carry over.
        want.pop("lease_store", None)
        assert native.to_dict() == want


def test_native_of_hand_built_and_driver_configs(tmp_path):
    from dos.drivers import workshop

    hand = ref.SubstrateConfig(lanes=ref.LaneTaxonomy(concurrent=("a",), trees={"a": ("x/**",)}),
                               paths=ref.PathLayout.for_root("/srv/r"))
    d = nc.native_of(hand).to_dict()
    assert d["workspace"] is None and d["lanes"]["trees"] == {"a": ["x/**"]}
    assert d["paths"]["lane_journal"] == "/srv/r/docs/_plans/lane-journal.jsonl" and d["paths"]["style"] == "repo"
    assert d["stamp"] == hand.stamp.to_dict()
    ws = _workspace(tmp_path, "")
    w = workshop.workshop_config(ws)
    assert nc.native_of(w).to_dict() == nc.workshop_config(ws).to_dict()
    cfg = nc.Config.from_toml("")
    assert nc.native_of(cfg) is cfg


def test_from_toml_bytes_must_be_utf8():
    # As `tomllib.loads(data.decode("utf-8-sig"))`: bytes that are not UTF-8
    # raise UnicodeDecodeError (a ValueError) instead of warning per table;
    # a workspace's dos.toml keeps the reference's per-table warnings (above).
    for data in (b'[lanes]\nexclusive = ["\xff"]\n', b'\xef\xbb\xbfa = "\xed\xa0\x80"\n', b"x = 1\n\xc3"):
        with pytest.raises(UnicodeDecodeError) as want:
            data.decode("utf-8-sig")
        with pytest.raises(UnicodeDecodeError) as got:
            nc.Config.from_toml(data)
        assert (got.value.start, got.value.end) == (want.value.start, want.value.end)
    cfg = nc.Config.from_toml(b'\xef\xbb\xbf[lanes]\nexclusive = ["solo"]\n')
    assert cfg.to_dict()["lanes"]["exclusive"] == ["solo"] and cfg.warnings == []


@pytest.mark.parametrize("text", [t for t in TOMLS if not isinstance(t, bytes)])
@pytest.mark.parametrize("preset", ["generic", "job", "workshop"])
def test_the_routed_config_ops_answer_what_the_handle_holds(tmp_path, text, preset):
    # The generated functions run the same builds through the envelope and
    # answer them as data: LoadedConfig(config=<to_dict()>, warnings=[ConfigWarning]).
    ws = _workspace(tmp_path, text)
    try:
        handle = nc.Config.from_toml(text, preset=preset, root=str(ws), kernel_runtime_files=["src/dos/arbiter.py"])
    except dos_native.DosError as e:
        with pytest.raises(dos_native.DosError) as routed:
            nc._from_toml(text, nc.Preset(preset), str(ws), ["src/dos/arbiter.py"])
        assert routed.value.code == e.code
        return
    got = nc._from_toml(text, nc.Preset(preset), str(ws), ["src/dos/arbiter.py"])
    assert isinstance(got, nc.LoadedConfig)
    assert got.config == handle.to_dict()
    assert [w.to_dict() for w in got.warnings] == handle.warnings
    assert all(isinstance(w, nc.ConfigWarning) for w in got.warnings)
    from_disk = nc._load_workspace_config(str(ws), nc.Preset(preset))
    loaded = nc.load_workspace_config(ws, preset=preset)
    assert from_disk.config == loaded.to_dict()
    assert [w.to_dict() for w in from_disk.warnings] == loaded.warnings
    assert nc._resolve_workspace_root(str(ws)) == nc.resolve_workspace_root(ws)


def test_the_routed_config_ops_refuse_bad_arguments():
    for args, field in (({"preset": "nope"}, "preset"), ({"text": 3}, "text"), ({"root": None}, "root"),
                        ({"kernel_runtime_files": "src"}, "kernel_runtime_files"), ({"bogus": 1}, "bogus")):
        with pytest.raises(dos_native.BadArgsError, match=field):
            dos_native.dispatch("config.from_toml", args)
    with pytest.raises(dos_native.BadArgsError, match="preset"):
        dos_native.dispatch("config.load_workspace_config", {"preset": "nope"})
    with pytest.raises(dos_native.BadArgsError, match="workspace"):
        dos_native.dispatch("config.resolve_workspace_root", {"workspace": 1})
    ops = {o["op"]: o for o in dos_native.dispatch("ops", {})["ops"]}
    for op, effect in (("config.from_toml", "pure"), ("config.load_workspace_config", "reads files"),
                       ("config.resolve_workspace_root", "reads files")):
        assert ops[op]["effect"] == effect and ops[op]["typed"] is True
    assert ops["config.from_toml"]["verdict"] == "LoadedConfig"
