"""The pseudonym key and what is made with it: member pseudonyms, answer ids, the key's
fingerprint, and the key's rotation.

The key lives outside the database and its backups: the setting FLIPBOT_PSEUDONYM_KEY, else a
key file (FLIPBOT_PSEUDONYM_KEY_FILE, default `<database name>.pseudonym-key` beside the
database, 0600). The database keeps only the key's fingerprint, so a lost or swapped key file is
noticed. See docs/privacy.md ("Pseudonym key") for the rotation procedure.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
import weakref
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core.timeutil import utcnow
from bot.store.database import Store, StoreError
from bot.store.exports import export_rows
from bot.store.files import (
    KEY_SETTING,
    KeyFileError,
    create_key_file,
    key_file_for,
    key_from_setting,
    read_key_file,
    replace_key_file,
    write_private,
)
from bot.store.privacy import (
    record_key_fingerprint,
    recorded_key_fingerprint,
    unerased_member_ids,
)


def pseudonym(secret: str, member_id: str) -> str:
    """A stable, non-reversible name for a member within one project: 'P-' and 10 hex digits."""
    digest = hmac.new(secret.encode(), member_id.encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:10]}"


def round_pseudonym(secret: str, round_id: int, member_id: str) -> str:
    """The pseudonym a member carries in one round only, where that round shows their
    municipality as 'other municipalities': shaped like a stable one ('P-' and 10 hex), so a
    reader cannot tell which kind a row has, and linked to no other round."""
    key = f"round/{round_id}/{member_id}"
    return "P-" + hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()[:10]


def answer_id(secret: str, round_id: int, member_id: str) -> str:
    """A stable export id for one answer (a member's response to a round): 'A-' and 10 hex."""
    key = f"answer/{round_id}/{member_id}"
    return "A-" + hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()[:10]


def key_fingerprint(secret: str) -> str:
    """Tells whether two exports used the same pseudonym key, and nothing about the key."""
    return hmac.new(secret.encode(), b"fingerprint", hashlib.sha256).hexdigest()[:16]


# An in-memory database (tests, the demo) has no folder for a key file: its key lives as long
# as the store.
_MEMORY_KEYS: weakref.WeakKeyDictionary[Store, str] = weakref.WeakKeyDictionary()


def project_key(store: Store) -> str:
    """The pseudonym key: the setting FLIPBOT_PSEUDONYM_KEY, else the key file (created 0600 on
    first use). Raises StoreError when it is not the key earlier exports were made with (a lost
    or swapped key file), rather than silently starting new pseudonyms."""
    try:
        key = key_from_setting()
        path = key_file_for(store.path)
        if key is None and path is None:
            return _MEMORY_KEYS.setdefault(store, secrets.token_hex(32))
        if key is None:
            key = read_key_file(path)
        recorded = recorded_key_fingerprint(store)
        if key is None:
            if recorded is not None:
                raise KeyFileError(
                    f"the pseudonym key file {path} is missing, and this database's exports were "
                    f"made with a key (fingerprint {recorded}): restore the file from its copy, or "
                    "run `flipbot privacy rotate-key --yes` to start new pseudonyms"
                )
            key = create_key_file(path, secrets.token_hex(32))
        fingerprint = key_fingerprint(key)
        if recorded is None:
            record_key_fingerprint(store, fingerprint, utcnow())
        elif recorded != fingerprint:
            where = KEY_SETTING if key_from_setting() else str(path)
            raise KeyFileError(
                f"the pseudonym key in {where} (fingerprint {fingerprint}) is not the one this "
                f"database's exports were made with ({recorded}): put the right key back, or run "
                "`flipbot privacy rotate-key --yes` to start new pseudonyms"
            )
        return key
    except (KeyFileError, OSError) as exc:
        raise StoreError(str(exc)) from exc


MAPPING_COLUMNS = ("kind", "old", "new")


@dataclass(frozen=True)
class Rotation:
    old_fingerprint: str | None  # None: the old key was lost, no mapping could be made
    new_fingerprint: str
    mapped: int  # lines in the mapping file (0 without one)


def rotate_key(store: Store, mapping: Path | None = None, at: datetime | None = None) -> Rotation:
    """Replace the key file's key with a new random one. With `mapping`, first write there (CSV,
    0600) each old pseudonym and answer id with its new one, for members not erased, so a
    researcher can carry an earlier project over. A key given as the setting cannot be written:
    the setting's current key (changed by hand) is accepted as the new one, without a mapping."""
    given = key_from_setting()
    if given is not None:
        if mapping is not None:
            raise KeyFileError(
                f"the pseudonym key is the setting {KEY_SETTING}, and the old key is not known "
                "here, so no mapping can be made; without --mapping its current value is accepted"
            )
        recorded = recorded_key_fingerprint(store)
        record_key_fingerprint(store, key_fingerprint(given), at or utcnow())
        return Rotation(recorded, key_fingerprint(given), 0)
    path = key_file_for(store.path)
    if path is None:
        raise KeyFileError("an in-memory database has no key file to rotate")
    old = read_key_file(path)
    new = secrets.token_hex(32)
    lines = 0
    if mapping is not None:
        if old is None:
            raise KeyFileError(f"the key file {path} is missing, so no mapping can be made")
        lines = _write_mapping(store, mapping, old, new)
    replace_key_file(path, new)
    record_key_fingerprint(store, key_fingerprint(new), at or utcnow())
    return Rotation(key_fingerprint(old) if old else None, key_fingerprint(new), lines)


def _write_mapping(store: Store, target: Path, old: str, new: str) -> int:
    rows = [("pseudonym", pseudonym(old, m), pseudonym(new, m)) for m in unerased_member_ids(store)]
    for row in export_rows(store):
        for kind, make in (("pseudonym", round_pseudonym), ("answer_id", answer_id)):
            rows.append(
                (
                    kind,
                    make(old, row["round_id"], row["member_id"]),
                    make(new, row["round_id"], row["member_id"]),
                )
            )
    # Sorted by the old value, so no line's place tells whose it is or which lines go together.
    rows.sort()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MAPPING_COLUMNS)
    writer.writerows(rows)
    write_private(target, out.getvalue())
    return len(rows)
