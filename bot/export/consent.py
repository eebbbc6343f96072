"""The consent log: consent changes and erasures by export pseudonym and time.

A researcher who imported answers into a QDA project earlier cannot tell from a new export that
a member withdrew (the answers are simply left out); the log names the pseudonyms to remove.
The pseudonym is computed before an erasure replaces the member's id, so the log still matches
the earlier exports. The log holds no member id and no name.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date, datetime

from bot.core.network import Network
from bot.store.database import Store, StoreError
from bot.store.exports import consent_log, log_consent_event
from bot.store.privacy import hidden_round_ids

WITHDRAWN, GIVEN, ERASED = "consent_withdrawn", "consent_given", "erased"
LOG_COLUMNS = ("pseudonym", "event", "at")
logger = logging.getLogger(__name__)


def log_consent_change(
    store: Store, member_id: str, consent: bool, was: bool | None, at: datetime
) -> None:
    """Log a member's consent choice if it changed what exports may hold."""
    if was is None or bool(was) == consent:
        return
    _log(store, member_id, GIVEN if consent else WITHDRAWN, at)


def log_erasure(store: Store, member_id: str, at: datetime) -> None:
    """Log an erasure (call it before the member's id is replaced); no-op for no such member."""
    found = store.member(member_id)
    if found is None or found.get("erased_at"):
        return
    _log(store, member_id, ERASED, at)


def _log(store: Store, member_id: str, event: str, at: datetime) -> None:
    from bot.export.keys import project_key, pseudonym, round_pseudonym

    try:
        key = project_key(store)
    except StoreError:
        # A lost or swapped key file must not stop a member's withdrawal or erasure; the admin
        # sees why the log line is missing (restore the key file, see docs/privacy.md).
        logger.exception(
            "consent log: no %s entry written, the pseudonym key is unavailable", event
        )
        return
    # Rows that hid the member's municipality carry a pseudonym of their round only: those are
    # logged too (one line each, at the same time), so a researcher can remove every row of the
    # member. This links them for as long as the researcher keeps rows they must remove anyway.
    names = [pseudonym(key, member_id)]
    names += [round_pseudonym(key, r, member_id) for r in hidden_round_ids(store, member_id)]
    for name in names:
        log_consent_event(store, name, event, at)


def consent_log_csv(store: Store, network: Network, since: date | None = None) -> bytes:
    """The log as CSV (pseudonym, event, at in the network's time), from `since` on."""
    start = datetime.combine(since, datetime.min.time(), tzinfo=network.tz) if since else None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LOG_COLUMNS)
    for entry in consent_log(store, start):
        moment = datetime.fromisoformat(entry["at"]).astimezone(network.tz)
        writer.writerow([entry["pseudonym"], entry["event"], moment.isoformat()])
    return out.getvalue().encode("utf-8")
