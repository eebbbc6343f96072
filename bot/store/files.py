"""Files that hold personal data (the database, its side files, backups, exports) are created
readable and writable by their owner only (0600), whatever the process's umask."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_MODE = 0o600


def make_private(path: str | Path) -> None:
    """Narrow an existing file to 0600."""
    os.chmod(path, PRIVATE_MODE)


def create_private(path: str | Path) -> None:
    """Create path empty with mode 0600 if it does not exist; narrow it to 0600 if it does."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        make_private(path)
        return
    os.close(fd)
    # The umask may have taken bits away from 0600, never added any; set it exactly anyway.
    make_private(path)


def write_private(path: str | Path, data: bytes | str, encoding: str = "utf-8") -> None:
    """Write a whole file (an export) created 0600; an existing file is narrowed first, then
    replaced, so its content is never readable by others."""
    path = Path(path)
    create_private(path)
    raw = data.encode(encoding) if isinstance(data, str) else data
    with open(path, "wb") as out:
        out.write(raw)


# -- the pseudonym key ------------------------------------------------------------------------
# The key that turns member ids into export pseudonyms lives outside the database, so a copy of
# the database (a backup) cannot be linked back to members by whoever also holds an export.

KEY_SETTING = "FLIPBOT_PSEUDONYM_KEY"
KEY_FILE_SETTING = "FLIPBOT_PSEUDONYM_KEY_FILE"
KEY_FILE_SUFFIX = ".pseudonym-key"


class KeyFileError(Exception):
    """The pseudonym key cannot be read or placed; the message says what to do."""


def key_from_setting() -> str | None:
    """The key given as the setting FLIPBOT_PSEUDONYM_KEY, if any."""
    value = os.environ.get(KEY_SETTING, "").strip()
    return value or None


def key_file_for(db_path: str | Path) -> Path | None:
    """Where the key file is: FLIPBOT_PSEUDONYM_KEY_FILE, else `<name>.pseudonym-key` beside
    the database (not `<name>.db…`, so a copy of `flipbot.db*` does not take it along).
    None for an in-memory database without the setting."""
    setting = os.environ.get(KEY_FILE_SETTING, "").strip()
    if setting:
        return Path(setting)
    if str(db_path) in ("", ":memory:"):
        return None
    path = Path(db_path)
    return path.with_name(path.stem + KEY_FILE_SUFFIX)


def read_key_file(path: Path) -> str | None:
    """The key in path, None if there is no file; an empty or unreadable file is an error."""
    try:
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"cannot read the pseudonym key file {path}: {exc}") from exc
    if not value:
        raise KeyFileError(
            f"the pseudonym key file {path} is empty; restore it from where you keep its copy"
        )
    return value


def _staged(path: Path, key: str) -> Path:
    staging = path.with_name(f".{path.name}.{os.getpid()}.new")
    write_private(staging, key + "\n", encoding="ascii")
    return staging


def create_key_file(path: Path, key: str) -> str:
    """Write key to path (0600) unless a key file is there already; return the key in force.
    Two processes creating it at once agree: the file appears whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = _staged(path, key)
    try:
        os.link(staging, path)
    except FileExistsError:
        pass
    finally:
        staging.unlink(missing_ok=True)
    found = read_key_file(path)
    if found is None:
        raise KeyFileError(f"the pseudonym key file {path} vanished while it was created")
    return found


def replace_key_file(path: Path, key: str) -> None:
    """Put a new key in path (0600) in one step: a crash leaves the old key or the new one."""
    os.replace(_staged(path, key), path)
