"""The core knows no chat platform: only the Slack edge may import slack_bolt or slack_sdk."""

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
CORE = [
    "network.py",
    "models.py",
    "store.py",
    "store_answers.py",
    "migrations.py",
    "rounds.py",
    "answering.py",
    "participation.py",
    "schedule.py",
    "schedule_jobs.py",
    "schedule_view.py",
    "slots.py",
    "store_schedule.py",
    "export.py",
    "export_qdpx.py",
    "privacy.py",
    "erasure.py",
    "store_privacy.py",
    "messenger.py",
    "command.py",
    "settings.py",
    "timeutil.py",
    "yamlfile.py",
    "themes.py",
    "i18n.py",
    "prompts",
    "digest",
    "demo",
]


def core_files():
    for name in CORE:
        path = BOT / name
        if path.is_dir():
            yield from sorted(path.rglob("*.py"))
        elif path.exists():
            yield path


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", list(core_files()), ids=lambda p: str(p.relative_to(BOT)))
def test_core_module_imports_no_slack(path):
    assert not imported_modules(path) & {"slack_bolt", "slack_sdk"}


def test_sql_lives_only_in_store_and_migrations():
    allowed = {
        "store.py",
        "store_answers.py",
        "migrations.py",
        "store_privacy.py",
        "store_schedule.py",
    }
    offenders = []
    for path in BOT.rglob("*.py"):
        if path.name in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        if "sqlite3" in imported_modules(path) or ".execute(" in text or "db.query(" in text:
            offenders.append(str(path.relative_to(BOT)))
    assert offenders == []
