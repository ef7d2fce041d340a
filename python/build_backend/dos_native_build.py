"""PEP 517 backend for dos-native: maturin's, plus the dos-hook binary.

The wheel carries the static ``dos-hook`` (crate ``bindings/hook``) as a
script (``dos_native.data/scripts/dos-hook``), which pip installs on the
environment's ``PATH``. maturin builds only the extension module, so before
handing a wheel build to maturin this backend builds the hook with cargo,
linked as ``make hook`` links it (``-C target-feature=+crt-static`` for the
host triple) and stripped, and copies it into the data directory. It works the same from
a checkout (``pip install ./python``) and from the sdist, which carries the
hook crate (python/Cargo.toml names it as a never-built dependency).

Environment: ``CARGO`` (the cargo to run), ``CARGO_TARGET_DIR``, and
``DOS_HOOK_PREBUILT`` (a dos-hook already built, copied instead of building).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import maturin
from maturin import (  # noqa: F401  (maturin's hooks, as they are)
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_wheel,
)

get_requires_for_build_editable = get_requires_for_build_wheel

_DEST = Path("dos_native.data") / "scripts" / "dos-hook"


def _workspace() -> Path:
    here = Path.cwd().resolve()
    for d in (here, *here.parents):
        if (d / "bindings" / "hook" / "Cargo.toml").is_file() and (d / "Cargo.toml").is_file():
            return d
    raise RuntimeError(f"no bindings/hook crate above {here}: cannot build dos-hook")


def _host_triple() -> str:
    rustc = os.environ.get("RUSTC", "rustc")
    out = subprocess.run([rustc, "-vV"], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("host: "):
            return line[len("host: "):].strip()
    raise RuntimeError("rustc -vV names no host triple")


def _build_hook() -> None:
    dest = Path.cwd() / _DEST
    dest.parent.mkdir(parents=True, exist_ok=True)
    prebuilt = os.environ.get("DOS_HOOK_PREBUILT")
    if prebuilt:
        built = Path(prebuilt)
    else:
        ws = _workspace()
        cargo = os.environ.get("CARGO", "cargo")
        triple = _host_triple()
        env = dict(os.environ)
        env["RUSTFLAGS"] = (env.get("RUSTFLAGS", "") + " -C target-feature=+crt-static").strip()
        env.setdefault("CARGO_PROFILE_RELEASE_STRIP", "symbols")  # `make wheel` strips its copy too
        cmd = [cargo, "build", "--release", "-p", "dos-hook", "--bin", "dos-hook", "--target", triple,
               "--manifest-path", str(ws / "Cargo.toml")]
        print("dos-native: building dos-hook:", " ".join(cmd), file=sys.stderr, flush=True)
        subprocess.run(cmd, check=True, env=env, stdout=sys.stderr)
        target = Path(env.get("CARGO_TARGET_DIR") or ws / "target")
        built = target / triple / "release" / "dos-hook"
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.copyfile(built, tmp)
    os.chmod(tmp, 0o755)
    os.replace(tmp, dest)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _build_hook()
    return maturin.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _build_hook()
    return maturin.build_editable(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    # Sources only: a dos-hook left by an earlier wheel build stays out.
    built = Path.cwd() / _DEST
    if built.exists():
        built.unlink()
    return maturin.build_sdist(sdist_directory, config_settings)
