"""The lock: `make install` installs exactly constraints.txt, and it covers every dependency."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for number, line in enumerate((ROOT / "constraints.txt").read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line.strip())
        assert match, f"constraints.txt:{number}: not an exact pin: {line!r}"
        pins[_canonical(match[1])] = match[2]
    return pins


def _declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [s for group in project["optional-dependencies"].values()
                                       for s in group]
    return [_canonical(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0]) for spec in specs]


def test_every_declared_dependency_is_pinned() -> None:
    locked = _locked()
    assert [name for name in _declared() if name not in locked] == []
    assert {"pip", "setuptools"} <= set(locked)


def test_the_installed_versions_are_the_locked_ones() -> None:
    """What runs these tests is what the lock says (a fresh `make test` installs it)."""
    wrong = {}
    for name, version in _locked().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (version, installed)
    assert wrong == {}
