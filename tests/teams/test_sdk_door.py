"""Every import of the Teams SDK goes through bot/teams/sdk.py, which disables dotenv first.

The one exception is microsoft_teams.cards, the Adaptive Card models the card builders use: it
imports neither the app nor dotenv (the last test pins that), so it needs no door."""

from pathlib import Path

from tests.test_architecture import imported_modules, roots

BOT = Path(__file__).resolve().parents[2] / "bot"
DOOR = BOT / "teams" / "sdk.py"


def cards_imports(path: Path) -> set[str]:
    return {m for m in imported_modules(path) if m.startswith("microsoft_teams.cards")}


def test_only_the_sdk_module_imports_microsoft_teams():
    importers = [
        path.relative_to(BOT).as_posix()
        for path in sorted(BOT.rglob("*.py"))
        if "microsoft_teams" in roots(imported_modules(path) - cards_imports(path))
    ]

    assert importers == ["teams/sdk.py"]


def test_the_door_disables_dotenv_before_its_first_sdk_import():
    lines = DOOR.read_text(encoding="utf-8").splitlines()
    guard = next(
        i for i, line in enumerate(lines) if 'os.environ["PYTHON_DOTENV_DISABLED"]' in line
    )
    first_import = next(
        i for i, line in enumerate(lines) if line.startswith("import microsoft_teams")
    )

    assert guard < first_import


def test_the_card_models_import_neither_the_app_nor_dotenv():
    import subprocess
    import sys

    probe = (
        "import sys, microsoft_teams.cards; "
        "print(any(m.startswith(('microsoft_teams.apps', 'dotenv')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
