"""Erasure, consent changes and retention: what happens to a member's answers when they leave,
withdraw consent or grow old. No chat platform in here; Slack and the CLI call these."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.network import Network
from bot.core.timeutil import utcnow
from bot.export.consent import log_consent_change, log_erasure
from bot.privacy.redact import PrivacyError
from bot.store.database import Store
from bot.store.pending import prune_pending
from bot.store.privacy import (
    COMMAND_VERSION,
    consenting_member_ids,
    erase_member_rows,
    has_consent,
    prune_audit,
    prune_rows,
    quotable_responses,
    record_consent,
    responses_to_prune,
    rewrite_digests,
)
from bot.store.sparring import SparringStore

__all__ = [
    "ErasureResult",
    "PruneResult",
    "answer_fragments",
    "consenting_member_ids",
    "erase_member",
    "has_consent",
    "prune",
    "quotable_responses",
    "run_retention",
    "set_consent",
    "strip_member_from_digests",
    "strip_quotes",
]

if TYPE_CHECKING:
    from bot.core.services import Services


def _store(where: Store | Services) -> Store:
    # Surfaces hold a Services; the CLI and tests hold a Store. Either will do.
    return where if isinstance(where, Store) else where.store


# -- digests --------------------------------------------------------------------------------


FRAGMENT_MIN_CHARS = 30
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def answer_fragments(texts: Iterable[str]) -> set[str]:
    """Sentences long enough to recognise a member's words inside digest text that carries no
    response reference (an overview, a tension); short ones would match other people's words."""
    return {
        _normal(part)
        for text in texts
        for part in _SENTENCE_END.split(text)
        if len(_normal(part)) >= FRAGMENT_MIN_CHARS
    }


def strip_quotes(
    content: Any, response_ids: set[int], fragments: set[str] = frozenset()
) -> tuple[Any, int]:
    """Remove from digest JSON every dict that refers to one of the responses (by `response_id`,
    or any of `response_ids`) or holds a string quoting one of the fragments (see
    answer_fragments): dropped from lists, replaced by None elsewhere. Returns the new content
    and how many were removed."""
    wanted = {str(i) for i in response_ids}

    def quotes(value: Any) -> bool:
        if not fragments or not isinstance(value, str):
            return False
        text = _normal(value)
        return any(f in text for f in fragments)

    def refers(node: dict) -> bool:
        # Digest quotes point at their answer with `answer_id` (the response id as text).
        for key in ("response_id", "answer_id"):
            if key in node and str(node[key]) in wanted:
                return True
        many = node.get("response_ids")
        return isinstance(many, list) and any(str(i) in wanted for i in many)

    removed = 0

    def walk(node: Any) -> Any:
        nonlocal removed
        if isinstance(node, list):
            kept = []
            for item in node:
                dropped = quotes(item) or (
                    isinstance(item, dict)
                    and (refers(item) or any(quotes(v) for v in item.values()))
                )
                if dropped:
                    removed += 1
                else:
                    kept.append(walk(item))
            return kept
        if isinstance(node, dict):
            if refers(node):
                removed += 1
                return None
            out = {}
            for key, value in node.items():
                if key == "answer_ids" and isinstance(value, list):
                    # A theme lists every answer it groups: drop the erased ones, keep the theme.
                    out[key] = [i for i in value if str(i) not in wanted]
                    removed += len(value) - len(out[key])
                    continue
                if quotes(value):  # e.g. an overview sentence outside any list
                    removed += 1
                    out[key] = None
                else:
                    out[key] = walk(value)
            return out
        return node

    if isinstance(content, dict) and refers(content):
        return {}, 1
    return walk(content), removed


def strip_member_from_digests(
    store: Store, response_ids: Iterable[int], texts: Iterable[str] = ()
) -> int:
    """Remove every quote of these responses (and any digest text quoting a sentence of `texts`,
    their answers) from the stored digests; return how many were removed."""
    ids = set(response_ids)
    fragments = answer_fragments(texts)
    if not ids and not fragments:
        return 0
    return rewrite_digests(store, lambda content: strip_quotes(content, ids, fragments))


def _member_words(store: Store, member_id: str) -> tuple[list[int], list[str]]:
    """A member's response ids and every text they answered, earlier versions included."""
    responses = store.member_responses(member_id)
    texts = [text for r in responses for text in r.answers.values()]
    for response in responses:
        for version in store.response_history(response.id):
            texts.extend(version["answers"].values())
    return [r.id for r in responses], texts


# -- consent --------------------------------------------------------------------------------


def set_consent(
    where: Store | Services,
    member_id: str,
    consent: bool,
    by: str,
    at: datetime | None = None,
    text_version: str | None = None,
) -> int:
    """Record a member's own consent choice (it outlives the next sync of the network file),
    with the version of the consent text they answered (None: by command, no text shown).
    Withdrawing it also removes their quotes from stored digests; returns how many."""
    store = _store(where)
    at = at or utcnow()
    earlier = record_consent(store, member_id, consent, at, text_version)
    if earlier is None:
        raise PrivacyError("error.member_not_found", member=member_id)
    version = text_version or COMMAND_VERSION
    log_consent_change(store, member_id, consent, earlier, at, version)
    removed = 0 if consent else strip_member_from_digests(store, *_member_words(store, member_id))
    store.audit(
        by,
        "consent",
        member_id,
        {"consent": consent, "was": earlier, "quotes_removed": removed, "text_version": version},
        at=at,
    )
    return removed


# -- erasure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureResult:
    member_id: str
    responses: int
    history: int
    deliveries: int
    quotes_removed: int


def _scrub_files(store: Store) -> None:
    # secure_delete zeroed the freed pages; the old pages may still sit in the -wal file.
    store.checkpoint()


def erase_member(
    where: Store | Services, member_id: str, by: str, at: datetime | None = None
) -> ErasureResult:
    """Erase a member: their answers and answer history are deleted, their quotes leave stored
    digests, their name and Slack id are replaced; delivery counts per municipality stay."""
    store = _store(where)
    at = at or utcnow()
    # Quotes go first: if the erasure below fails, a retry still finds the responses.
    quotes = strip_member_from_digests(store, *_member_words(store, member_id))
    log_erasure(store, member_id, at)  # while the id still gives the export pseudonym
    pseudonym = f"erased-{secrets.token_hex(6)}"
    # Their sparring cases lose their text and the answers given to them (bot.store.sparring).
    cases = SparringStore(store).erase_member(member_id, pseudonym, at)
    rows = erase_member_rows(store, member_id, pseudonym, at)
    if rows is None:
        raise PrivacyError("error.member_not_found", member=member_id)
    result = ErasureResult(
        member_id=member_id,
        responses=rows["responses"],
        history=rows["history"],
        deliveries=rows["deliveries"],
        quotes_removed=quotes,
    )
    # The audit keeps the Slack id as proof that the erasure was done, and nothing else of theirs.
    store.audit(
        by,
        "erase_member",
        member_id,
        {
            "responses": result.responses,
            "history": result.history,
            "deliveries_kept": result.deliveries,
            "quotes_removed": quotes,
            "sparring_cases": cases["cases"],
            "sparring_answers": cases["case_answers"],
        },
        at=at,
    )
    _scrub_files(store)
    return result


# -- retention ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PruneResult:
    cutoff: datetime
    responses: int
    history: int
    dry_run: bool
    quotes_removed: int = 0


def prune(
    store: Store,
    now: datetime,
    retention_days: int,
    *,
    dry_run: bool = False,
    by: str = "system",
) -> PruneResult:
    """Delete answers (and their history) older than retention_days, and their quotes from the
    stored digests (the digests stay, without them). With dry_run, only count what would go."""
    if retention_days < 1:
        raise ValueError(f"retention_days must be at least 1, not {retention_days}")
    cutoff = now - timedelta(days=retention_days)
    quotes = 0
    if not dry_run:
        # Quotes go first: if the deletion below fails, a retry still finds the responses.
        quotes = strip_member_from_digests(store, *responses_to_prune(store, cutoff))
    counts = prune_rows(store, cutoff, dry_run=dry_run)
    result = PruneResult(cutoff, counts["responses"], counts["history"], dry_run, quotes)
    if not dry_run and (result.responses or result.history or quotes):
        store.audit(
            by,
            "prune",
            None,
            {
                "before": cutoff,
                "responses": result.responses,
                "history": result.history,
                "quotes_removed": quotes,
            },
            at=now,
        )
        _scrub_files(store)
    return result


# Three years: the Danish general limitation period (forældelsesloven § 3), long enough to answer
# a complaint about who started, exported or erased what. See docs/privacy.md.
AUDIT_RETENTION_DAYS = 3 * 365


def run_retention(store: Store, network: Network, now: datetime | None = None) -> PruneResult:
    """The daily retention job: prune answers older than the network's retention_days (and their
    digest quotes), and audit entries older than AUDIT_RETENTION_DAYS (erasures excepted)."""
    now = now or utcnow()
    result = prune(store, now, network.retention_days, by="scheduler")
    # Answers left waiting for Fjern / Behold are stored with the default when their round
    # closes; any row a day past its expiry was never stored and goes.
    prune_pending(store, now - timedelta(days=1))
    # Sparring cases that ended before the cutoff lose their text too (bot.store.sparring).
    if SparringStore(store).prune_cases(now - timedelta(days=network.retention_days)):
        store.checkpoint()
    if prune_audit(store, now - timedelta(days=AUDIT_RETENTION_DAYS)):
        store.checkpoint()
    return result
