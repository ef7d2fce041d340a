"""The accelerated ``dos.config`` loaders hand out the reference's shared
policy objects.

When ``dos.toml`` leaves a table out, the reference's ``SubstrateConfig``
holds the module-level default itself (``dos.supervise.DEFAULT_POLICY``,
``dos.retention.GENERIC_RETENTION``, ...), and its callers and tests compare
with ``is`` (dos-kernel's own ``test_supervise.py`` does). Equality is not
enough: for every field, the accelerated config must hold the same shared
object exactly where the reference does.
"""
import dataclasses
import sys

import pytest

pytest.importorskip("dos")
import dos.config as ref  # noqa: E402

import dos_native  # noqa: E402

TOMLS = [
    None,
    "",
    '[supervise]\ntarget = 2\n',
    '[supervise]\ntarget = "lots"\n',
    '[cooldown]\nwindow_hours = 1.5\n[retention]\nruns_keep_last = 3\n',
    '[lanes]\nconcurrent = ["api"]\n[tool_stream]\nrepeat_n = 2\n[marker]\nmax_streak = 1\n',
]


def _shared_objects():
    """id -> name of every module-level object of the reference that is not a
    plain value (the policies, grammars and taxonomies a config may share)."""
    out = {}
    for modname, mod in list(sys.modules.items()):
        if modname == "dos" or modname.startswith("dos."):
            for k, v in list(vars(mod).items()):
                if k.isupper() and not isinstance(v, (str, bytes, int, float, bool, type(None))):
                    out.setdefault(id(v), f"{modname}.{k}")
    return out


def _sharing(cfg, shared):
    return {f.name: shared.get(id(getattr(cfg, f.name))) for f in dataclasses.fields(cfg)}


def _loaders(ws):
    return [
        ("default_config", lambda: ref.default_config(ws, gather_env=False)),
        ("job_config", lambda: ref.job_config(ws, gather_env=False)),
        ("load_workspace_config", lambda: ref.load_workspace_config(ws, gather_env=False, warn=lambda t, m: None)),
        ("load_workspace_config(job)",
         lambda: ref.load_workspace_config(ws, job=True, gather_env=False, warn=lambda t, m: None)),
    ]


@pytest.mark.parametrize("text", TOMLS)
def test_accelerated_config_shares_what_the_reference_shares(tmp_path, text):
    ws = tmp_path / "ws"
    ws.mkdir()
    if text is not None:
        (ws / "dos.toml").write_text(text, encoding="utf-8")
    dos_native.restore()
    want = {name: load() for name, load in _loaders(ws)}
    swapped = dos_native.accelerate()
    try:
        assert "dos.config.load_workspace_config" in swapped
        got = {name: load() for name, load in _loaders(ws)}
    finally:
        dos_native.restore()
    shared = _shared_objects()
    for name in want:
        assert got[name] == want[name], name
        assert _sharing(got[name], shared) == _sharing(want[name], shared), name
