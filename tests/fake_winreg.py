"""A stand-in for Python's ``winreg`` module (Windows only), for tests on Linux.

It mimics the part of the real API that TierPlan uses, with the real
signatures (Python 3.11 documentation and typeshed's stdlib/winreg.pyi):

* ``HKEY_CURRENT_USER`` (0x80000001) and ``HKEY_LOCAL_MACHINE`` (0x80000002);
* ``OpenKey(key, sub_key, reserved=0, access=KEY_READ)`` returns a handle that
  is a context manager (``with OpenKey(...) as k:``) and has ``Close()``; a key
  that does not exist raises FileNotFoundError (an OSError), as winreg does
  ("[WinError 2] The system cannot find the file specified");
* ``QueryValueEx(key, name, /)`` returns ``(value, type)``; ``""`` is the
  key's default value; a missing value raises FileNotFoundError;
* ``EnumKey(key, index, /)`` returns the index-th sub-key name and raises
  OSError when there are no more ("[WinError 259] No more data is available").

Key paths are case-insensitive, as in the registry.
"""

from __future__ import annotations

HKEY_CURRENT_USER = 0x80000001
HKEY_LOCAL_MACHINE = 0x80000002
KEY_READ = 131097
REG_SZ = 1
REG_EXPAND_SZ = 2


class _Handle:
    def __init__(self, registry: Registry, hive: int, path: str):
        self._registry, self.hive, self.path = registry, hive, path

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.Close()
        return False

    def Close(self) -> None:  # winreg's names
        self._registry.closed += 1


class Registry:
    """A registry held in memory; ``module()`` gives an object used like ``import winreg``."""

    HKEY_CURRENT_USER = HKEY_CURRENT_USER
    HKEY_LOCAL_MACHINE = HKEY_LOCAL_MACHINE
    KEY_READ = KEY_READ
    REG_SZ = REG_SZ
    REG_EXPAND_SZ = REG_EXPAND_SZ

    def __init__(self):
        self._keys: dict[tuple[int, str], dict[str, tuple[object, int]]] = {}
        self._names: dict[tuple[int, str], str] = {}  # lower-case path -> the key's own spelling of its last part
        self.closed = 0

    # -- setting up (not winreg API)
    def set(self, hive: int, path: str, name: str, value, kind: int = REG_SZ) -> None:
        parts = path.strip("\\").split("\\")
        for i in range(1, len(parts) + 1):
            self._keys.setdefault((hive, "\\".join(parts[:i]).lower()), {})
            self._names.setdefault((hive, "\\".join(parts[:i]).lower()), parts[i - 1])
        self._keys[(hive, path.strip("\\").lower())][name.lower()] = (value, kind)

    # -- the winreg API
    def OpenKey(self, key, sub_key, reserved=0, access=KEY_READ):
        hive, base = (key.hive, key.path) if isinstance(key, _Handle) else (key, "")
        path = "\\".join(p for p in (base, (sub_key or "").strip("\\")) if p).lower()
        if (hive, path) not in self._keys:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return _Handle(self, hive, path)

    def QueryValueEx(self, key, name, /):
        values = self._keys[(key.hive, key.path)]
        if name.lower() not in values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return values[name.lower()]

    def EnumKey(self, key, index, /):
        hive, path = (key.hive, key.path) if isinstance(key, _Handle) else (key, "")
        prefix = path + "\\" if path else ""
        children = sorted({prefix + k[len(prefix):].split("\\")[0] for h, k in self._keys
                           if h == hive and k.startswith(prefix) and k != path})
        if index >= len(children):
            raise OSError(259, "No more data is available")
        return self._names[(hive, children[index])]
