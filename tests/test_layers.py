"""The package's layers: no module imports a module of a higher layer.

i18n < flows < engine < models/messaging/... < services < web/cli/worker. Every import
counts, also one inside a function or under `if TYPE_CHECKING:`, because a deferred
import is still a dependency (and a way to hide a cycle). Layers being strictly ordered,
no import cycle can run between two layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"

# Lowest first. A module belongs to the layer of its longest listed prefix.
LAYERS: list[tuple[str, ...]] = [
    ("bot.i18n",),
    ("bot.flows",),
    ("bot.engine",),
    ("bot.models", "bot.messaging", "bot.timeutil", "bot.scheduling", "bot.phones",
     "bot.config", "bot.db", "bot.migrate", "bot.migrations"),
    ("bot.services",),
    # `bot` itself is the app factory (bot/__init__.py).
    ("bot", "bot.web", "bot.cli", "bot.worker", "bot.devtools", "bot.dev"),
]

# Known upward imports, each owned by another change under way. Nothing else is allowed.
ALLOWED = {
    ("bot.models.people", "bot.web.security"),  # removed by layers
    # The schema checks a flow's default timing with the schedule-spec grammar; helper H5
    # (branch `rules`) owns bot/scheduling.py and is splitting the spec parsing out of it.
    ("bot.flows.schema", "bot.scheduling"),
    # The segment budgets count SMS segments; bot/messaging/segments.py is pure (imports
    # nothing from bot) and sits in messaging because the outbox uses it too.
    ("bot.flows.budgets", "bot.messaging.segments"),
}


def module_name(path: Path) -> str:
    """`bot/flows/schema.py` -> `bot.flows.schema`; a package's `__init__` is the package."""
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(BOT.rglob("*.py"))}


def imported(name: str, path: Path) -> set[str]:
    """Every bot module `name` imports, anywhere in the file (functions included).
    `from bot import db` imports `bot.db`; `from bot import create_app` imports `bot`."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {module for module in found if module == "bot" or module.startswith("bot.")}


def layer(module: str) -> int:
    """The index in LAYERS of the longest prefix that names `module` or a package of it."""
    best, level = "", -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, level = prefix, index
    return level


EDGES = sorted((name, target) for name, path in MODULES.items()
               for target in imported(name, path) if target != name)


def upward(edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The imports that reach a higher layer than their module's."""
    return [(source, target) for source, target in edges if layer(target) > layer(source)]


def test_every_module_has_a_layer() -> None:
    assert [name for name in MODULES if layer(name) < 0] == []
    assert "bot.flows.schema" in MODULES and "bot.engine.machine" in MODULES


def test_no_module_imports_a_higher_layer() -> None:
    assert [edge for edge in upward(EDGES) if edge not in ALLOWED] == []


def test_every_allowed_pair_still_exists() -> None:
    """An allowance outlives its import only by mistake: drop it when the import goes."""
    assert sorted(ALLOWED - set(EDGES)) == []


def test_i18n_flows_and_engine_need_nothing_above_them() -> None:
    low = ("bot.i18n", "bot.flows", "bot.engine")
    reached = {target for source, target in EDGES if source.startswith(low)
               and (source, target) not in ALLOWED}
    assert sorted(t for t in reached if not t.startswith(low)) == []


@pytest.mark.parametrize(("source", "code", "target"), [
    ("bot.i18n.replies", "def f():\n    from bot.flows.schema import Choice\n",
     "bot.flows.schema"),
    ("bot.flows.loader", "from ..engine import machine\n", "bot.engine.machine"),
    ("bot.engine.machine", "import bot.services.runtime\n", "bot.services.runtime"),
    ("bot.services.reports", "from bot import create_app\n", "bot"),
])
def test_the_check_sees_every_kind_of_import(tmp_path, source, code, target) -> None:
    """A deferred, relative or plain import of a higher layer is reported."""
    path = tmp_path / "module.py"
    path.write_text(code, encoding="utf-8")
    edges = [(source, found) for found in imported(source, path)]
    assert upward(edges) == [(source, target)]
