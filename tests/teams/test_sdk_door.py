"""Every import of the Teams SDK goes through bot/teams/sdk.py, which disables dotenv first."""

from pathlib import Path

from tests.test_architecture import imported_modules, roots

BOT = Path(__file__).resolve().parents[2] / "bot"
DOOR = BOT / "teams" / "sdk.py"


def test_only_the_sdk_module_imports_microsoft_teams():
    importers = [
        path.relative_to(BOT).as_posix()
        for path in sorted(BOT.rglob("*.py"))
        if "microsoft_teams" in roots(imported_modules(path))
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
