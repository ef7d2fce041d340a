"""accelerate() points dos.hook_binary's locator at the wheel's dos-hook, but a
relocated bundle directory (the reference's own seam, which its tests use)
still gets the reference's answer."""
import os
import pathlib

import pytest

import dos_native

hb = pytest.importorskip("dos.hook_binary")


def test_a_relocated_bundle_dir_gets_the_reference_answer(tmp_path, monkeypatch):
    from dos_native import _hook

    monkeypatch.delenv("DOS_HOOK_NATIVE", raising=False)
    ours = tmp_path / "ours"
    ours.write_text("#!/bin/sh\nexit 0\n")
    ours.chmod(0o755)
    monkeypatch.setattr(_hook, "hook_binary", lambda: str(ours))  # as if the wheel were installed
    dos_native.accelerate()
    try:
        assert hb.native_hook_binary() == ours
        bundle = tmp_path / "_bin"
        bundle.mkdir()
        fake = bundle / hb.bundled_binary_name()
        fake.write_text("#!/bin/sh\nexit 0\n")
        fake.chmod(0o755)
        monkeypatch.setattr(hb, "_BIN_DIR", bundle)
        assert hb.native_hook_binary() == fake
        fake.chmod(0o644)
        assert hb.native_hook_binary() is None  # not executable: the reference says None
        monkeypatch.setattr(hb, "_BIN_DIR", tmp_path / "nowhere")
        assert hb.native_hook_binary() is None
    finally:
        dos_native.restore()


def test_the_untouched_locator_finds_the_wheel_binary_or_defers(monkeypatch):
    monkeypatch.delenv("DOS_HOOK_NATIVE", raising=False)
    original = hb.native_hook_binary()
    dos_native.accelerate()
    try:
        ours = dos_native.hook_binary()
        got = hb.native_hook_binary()
        if ours is None:
            assert got == original
        else:
            assert got == pathlib.Path(ours) and os.access(got, os.X_OK)
        monkeypatch.setenv("DOS_HOOK_NATIVE", "0")
        assert hb.native_hook_binary() is None
    finally:
        dos_native.restore()
