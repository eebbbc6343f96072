"""One core, an edge per chat platform: each SDK is imported only in its own edge, and the core
imports neither edge (DESIGN.md)."""

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
SLACK_SDKS = {"slack_bolt", "slack_sdk"}
TEAMS_SDKS = {"microsoft_teams", "botbuilder"}
EDGES = {"slack": SLACK_SDKS, "teams": TEAMS_SDKS}


def modules() -> list[Path]:
    return sorted(BOT.rglob("*.py"))


def package_of(path: Path) -> str:
    """The top-level package under bot/ ('core', 'slack', …), or '' for bot/__init__.py."""
    parts = path.relative_to(BOT).parts
    return parts[0] if len(parts) > 1 else ""


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, dotted (`bot.slack.app`, `slack_sdk.web`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def roots(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(BOT)))
def test_a_chat_sdk_is_imported_only_in_its_own_edge(path):
    home = package_of(path)
    forbidden = set().union(*(sdks for edge, sdks in EDGES.items() if edge != home))
    assert not roots(imported_modules(path)) & forbidden


# The command line wires the edges together (`flipbot serve`), so it may import them, but not an SDK.
WIRING = {"cli"}


@pytest.mark.parametrize(
    "path",
    [p for p in modules() if package_of(p) not in set(EDGES) | WIRING],
    ids=lambda p: str(p.relative_to(BOT)),
)
def test_the_core_imports_no_edge(path):
    edges = {f"bot.{edge}" for edge in EDGES}
    reached = {m for m in imported_modules(path) if any(m.startswith(e) for e in edges)}
    assert reached == set()


def test_the_edges_do_not_import_each_other():
    for path in modules():
        home = package_of(path)
        if home not in EDGES:
            continue
        others = {f"bot.{edge}" for edge in EDGES if edge != home}
        assert not {
            m for m in imported_modules(path) if m.split(".")[:2] in [o.split(".") for o in others]
        }, path


def test_no_flat_module_at_the_top_of_bot():
    assert [p.name for p in BOT.glob("*.py")] == ["__init__.py"]


def test_sql_lives_only_in_the_store():
    offenders = []
    for path in modules():
        if package_of(path) == "store":
            continue
        text = path.read_text(encoding="utf-8")
        if "sqlite3" in roots(imported_modules(path)) or ".execute(" in text or "db.query(" in text:
            offenders.append(str(path.relative_to(BOT)))
    assert offenders == []
