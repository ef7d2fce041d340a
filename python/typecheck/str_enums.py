"""Print a stubtest allowlist entry for the constructor of every ``(str,
enum.Enum)`` class ``dos_native`` defines (``make typecheck``).

stubtest reads such a class's constructor as ``str.__new__(object="",
encoding=..., errors=...)``, the first base's; at run time ``EnumMeta`` makes
it ``Enum.__new__(cls, value)``. The two never agree, so stubtest cannot
judge these entries; the list is derived from the package itself, so an enum
added later (a generated module) is covered without editing the allowlist.
"""
from __future__ import annotations

import enum
import importlib
import pkgutil

import dos_native


def main() -> None:
    names = sorted(m.name for m in pkgutil.iter_modules(dos_native.__path__, "dos_native."))
    for modname in names:
        mod = importlib.import_module(modname)
        for attr, value in sorted(vars(mod).items()):
            if (isinstance(value, type) and issubclass(value, str) and issubclass(value, enum.Enum)
                    and value.__module__ == modname):
                print(f"{modname}.{attr}.__new__")


if __name__ == "__main__":
    main()
