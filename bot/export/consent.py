"""The consent log: consent changes and erasures by export pseudonym and time.

A researcher who imported answers into a QDA project earlier cannot tell from a new export that
a member withdrew (the answers are simply left out); the log names the pseudonyms to remove.
The pseudonym is computed before an erasure replaces the member's id, so the log still matches
the earlier exports. The log holds no member id and no name. Each consent entry carries the version of the consent
text the member answered ('command' for /flip samtykke; empty for an erasure or a network-file
opt-out, 'network-file').
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date, datetime

from bot.core.network import Network
from bot.core.timeutil import parse_iso
from bot.store.database import Store, StoreError
from bot.store.exports import consent_log, log_consent_event
from bot.store.privacy import file_opt_out_logged, hidden_round_ids, pending_file_opt_outs

WITHDRAWN, GIVEN, ERASED = "consent_withdrawn", "consent_given", "erased"
# The text version of a withdrawal by the network file's research_consent: false (an admin's
# opt-out of a member who had consented): the same event, so a researcher removes them alike.
FILE_OPT_OUT = "network-file"
LOG_COLUMNS = ("pseudonym", "event", "at", "text_version")
logger = logging.getLogger(__name__)


def log_consent_change(
    store: Store,
    member_id: str,
    consent: bool,
    was: bool | None,
    at: datetime,
    text_version: str | None = None,
) -> None:
    """Log a member's consent choice if it changed what exports may hold."""
    if was is None or bool(was) == consent:
        return
    _log(store, member_id, GIVEN if consent else WITHDRAWN, at, text_version)


def log_file_opt_outs(store: Store) -> int:
    """Log the consents the network file's opt-out turned off since the last call (a sync marks
    them; the store cannot compute pseudonyms), at the time of the sync; return how many."""
    pending = pending_file_opt_outs(store)
    for entry in pending:
        _log(store, entry["id"], WITHDRAWN, parse_iso(entry["changed_at"]), FILE_OPT_OUT)
        file_opt_out_logged(store, entry["id"])
    return len(pending)


def log_erasure(store: Store, member_id: str, at: datetime) -> None:
    """Log an erasure (call it before the member's id is replaced); no-op for no such member."""
    found = store.member(member_id)
    if found is None or found.get("erased_at"):
        return
    _log(store, member_id, ERASED, at)


def _log(
    store: Store, member_id: str, event: str, at: datetime, text_version: str | None = None
) -> None:
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
        log_consent_event(store, name, event, at, text_version)


def consent_log_csv(store: Store, network: Network, since: date | None = None) -> bytes:
    """The log as CSV (pseudonym, event, at in the network's time, text version), from `since` on."""
    log_file_opt_outs(store)
    start = datetime.combine(since, datetime.min.time(), tzinfo=network.tz) if since else None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LOG_COLUMNS)
    for entry in consent_log(store, start):
        moment = datetime.fromisoformat(entry["at"]).astimezone(network.tz)
        writer.writerow(
            [entry["pseudonym"], entry["event"], moment.isoformat(), entry["text_version"] or ""]
        )
    return out.getvalue().encode("utf-8")
