"""Regenerate tests/hook/install/reference/: the settings file the reference's
own installer (`dos init --hooks <host>`, dos-kernel 0.22.0) writes for each
runtime. bindings/hook/tests/install.rs installs over them: a pip user of the
reference who runs `dos-hook install` must end up with one entry per event.

    .venv/bin/python tests/hook/install/gen_fixtures.py [--dos .venv/bin/dos]
"""
from __future__ import annotations

import argparse
import pathlib
import shutil
import subprocess
import tempfile

HOSTS = {
    "claude-code": ".claude/settings.json",
    "codex": ".codex/config.toml",
    "gemini": ".gemini/settings.json",
    "cursor": ".cursor/hooks.json",
    "antigravity": ".agents/hooks.json",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    here = pathlib.Path(__file__).resolve().parent
    ap.add_argument("--dos", default=str(here.parents[2] / ".venv" / "bin" / "dos"))
    args = ap.parse_args()
    out = here / "reference"
    out.mkdir(exist_ok=True)
    for host, rel in HOSTS.items():
        with tempfile.TemporaryDirectory() as ws:
            subprocess.run([args.dos, "init", "--hooks", host, ws], check=True, capture_output=True)
            dest = out / (host + pathlib.Path(rel).suffix)
            shutil.copyfile(pathlib.Path(ws) / rel, dest)
            print(f"{dest.relative_to(here.parents[2])}: from dos init --hooks {host}")


if __name__ == "__main__":
    main()
