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
