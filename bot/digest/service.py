"""The review flow: build a draft when a round closes, rebuild, approve (then post), reject.

The Slack edge calls these functions from its buttons ("Del i kanalen" -> approve, "Byg igen" ->
rebuild, "Ret overskrifter" -> edit, "Del ikke" -> reject; Teams calls the same); the scheduler reaches on_round_closed through RoundService.on_closed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time

from bot.core.access import require
from bot.core.i18n import format_short_date, t, theme_name
from bot.core.messenger import DeliveryFailed, Messenger
from bot.core.models import DigestRecord, Round
from bot.core.network import Network
from bot.core.rounds import RoundError, RoundService
from bot.core.timeutil import parse_iso, utcnow
from bot.digest.checks import assert_digest_is_honest
from bot.digest.edit import apply_edit
from bot.digest.model import Answer, Digest, MunicipalityFigures
from bot.digest.prompt import prompt_shown
from bot.digest.sources import municipality_names, round_answers, round_figures
from bot.export.cells import hidden_municipalities
from bot.export.collect import export_answer_ids
from bot.store.database import Store
from bot.store.digests import EDITED, digest_editors, update_digest_content

logger = logging.getLogger(__name__)

DRAFT, APPROVED, REJECTED = "draft", "approved", "rejected"

# An engine that may rewrite the overview and theme labels of an extractive digest (the LLM one);
# it gets the digest, its answers and the members' names to keep out.
Enhancer = Callable[[Digest, list[Answer], list[str]], Digest]


class DigestService:
    """Digests of rounds: built, stored with a status, reviewed by facilitators, then posted."""

    def __init__(
        self,
        store: Store,
        network: Network,
        rounds: RoundService,
        messenger: Messenger,
        *,
        enhancer: Enhancer | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.store = store
        self.network = network
        self.rounds = rounds
        self.messenger = messenger
        self.enhancer = enhancer
        self.clock = clock

    # -- building ---------------------------------------------------------------------------

    def build(self, round_id: int) -> Digest:
        """Build (not store) the digest of a round, and check it keeps its promises."""
        from bot.digest.extractive import build_digest  # NumPy, scikit-learn: only to build

        round = self.rounds.get_round(round_id)
        prompt = self.rounds.prompt_of(round)
        language = self.network.language
        answers = round_answers(self.store, round_id)
        shown, question_ids = prompt_shown(prompt, language)
        digest = build_digest(
            answers,
            title=t("digest.title", language, title=prompt.text(language).title),
            created_at=self.clock(),
            language=language,
            names=municipality_names(self.network),
            participation=round_figures(self.rounds.participation(round_id)),
            min_group_size=self.network.min_group_size,
            round_id=round_id,
            prompt_id=prompt.id,
            flip_theme=round.theme,
            people=self._people(),
            prompt=shown,
            questions=question_ids,
            timezone=self.network.timezone,
            hidden=hidden_municipalities(self.store, self.network, round_id, self.clock()),
        )
        return self._finish(digest, answers)

    def _people(self) -> list[str]:
        return [m.name for m in self.network.members]

    def _finish(self, digest: Digest, answers: list[Answer]) -> Digest:
        """Let the LLM engine (if any) write overview and labels, then check every promise."""
        if self.enhancer is not None:
            digest = self.enhancer(digest, answers, self._people())
        assert_digest_is_honest(digest, answers, forbidden=self._people())
        return digest

    def build_period(self, theme: str, since: date, until: date) -> Digest:
        """Build (not store) a digest of every round of one FLIP theme started in a period
        (dates in the network's timezone, both included)."""
        from bot.digest.extractive import build_digest

        language = self.network.language
        tz = self.network.tz
        chosen = [
            r
            for r in self.store.rounds()
            if r.theme == theme and since <= r.started_at.astimezone(tz).date() <= until
        ]
        answers: list[Answer] = []
        figures: dict[str, MunicipalityFigures] = {}
        # Hidden in any of its rounds, hidden in the period: its quotes from that round would
        # otherwise name it.
        hidden: set[str] = set()
        for round in chosen:
            answers += round_answers(self.store, round.id)
            hidden |= hidden_municipalities(self.store, self.network, round.id, self.clock())
            for row in round_figures(self.rounds.participation(round.id)):
                entry = figures.setdefault(
                    row.municipality,
                    MunicipalityFigures(municipality=row.municipality, name=row.municipality),
                )
                entry.delivered += row.delivered
                entry.answered += row.answered
                entry.skipped += row.skipped
        digest = build_digest(
            answers,
            title=t(
                "digest.title_period",
                language,
                theme=theme_name(theme, language),
                since=format_short_date(datetime.combine(since, time(), tz), language, tz),
                until=format_short_date(datetime.combine(until, time(), tz), language, tz),
            ),
            created_at=self.clock(),
            language=language,
            names=municipality_names(self.network),
            participation=list(figures.values()),
            min_group_size=self.network.min_group_size,
            flip_theme=theme,
            people=self._people(),
            timezone=self.network.timezone,
            hidden=hidden,
        )
        return self._finish(digest, answers)

    def with_export_ids(self, digest: Digest) -> Digest:
        """The digest as researchers get it in JSON: quotes and themes carry export ids."""
        ids = {str(k): v for k, v in export_answer_ids(self.store).items()}
        return digest.with_export_ids(ids)

    def _save(self, digest: Digest, status: str) -> Digest:
        record = self.store.save_digest(
            round_id=digest.round_id,
            engine=digest.engine,
            status=status,
            content=digest.stored_content(),
            at=self.clock(),
        )
        return digest.model_copy(update={"id": record.id, "status": status})

    def load(self, digest_id: int) -> Digest:
        """A stored digest, with its id and status."""
        record = self._record(digest_id)
        return from_record(record)

    def _record(self, digest_id: int) -> DigestRecord:
        record = self.store.digest(digest_id)
        if record is None:
            raise RoundError("digest_not_found", digest_id=digest_id)
        return record

    # -- the flow ---------------------------------------------------------------------------

    def on_round_closed(self, round: Round) -> Digest:
        """Build the draft of a closed round and send it for review (or post it, when the
        network has turned review off)."""
        digest = self.build(round.id)
        if not self.network.digest_review:
            stored = self._save(digest, APPROVED)
            self.store.audit(
                "flipbot", "digest_posted", str(stored.id), {"round": round.id}, at=self.clock()
            )
            self._post(round, stored)
            return stored
        stored = self._save(digest, DRAFT)
        self._send_draft(round, stored)
        return stored

    def draft_round(self, round_id: int, by: str) -> Digest:
        """A facilitator asks for a fresh draft of a closed round (e.g. when building it at close
        failed, or after a reopened round closed again); it goes to every facilitator."""
        require(self.network, by, "review_digest")
        round = self.rounds.get_round(round_id)
        if round.is_open:
            raise RoundError("round_open", round_id=round_id)
        stored = self._save(self.build(round_id), DRAFT)
        self.store.audit(by, "digest_drafted", str(stored.id), {"round": round_id}, at=self.clock())
        self._send_draft(round, stored)
        return stored

    def rebuild(self, digest_id: int, by: str) -> Digest:
        """'Byg igen': build the round's digest again as a new draft; the old draft is rejected.
        The new one is built first, so a failure leaves the old draft as it was."""
        require(self.network, by, "review_digest")
        record = self._record(digest_id)
        if record.status != DRAFT or record.round_id is None:
            raise RoundError("digest_decided", status=record.status)
        round = self.rounds.get_round(record.round_id)
        fresh = self.build(round.id)
        if not self.store.decide_digest(digest_id, REJECTED, by, self.clock()):
            raise RoundError("digest_decided", status=self._record(digest_id).status)
        stored = self._save(fresh, DRAFT)
        self.store.audit(
            by, "digest_rebuilt", str(stored.id), {"replaces": digest_id}, at=self.clock()
        )
        self._send_draft(round, stored)
        return stored

    def edit(
        self,
        digest_id: int,
        by: str,
        labels: Mapping[int, str],
        left_out: Iterable[str] = (),
    ) -> Digest:
        """'Ret overskrifter': the facilitator renames themes (theme index -> label) and leaves
        quotes out (by Quote.key). The draft is changed in place (same id, still a draft) and
        sent again to every facilitator; the edit and its history are kept in the digest, who
        made it in the audit (digest_editors). An edit that changes nothing returns the draft
        as it was, unsent; see `changed` to tell the two apart."""
        require(self.network, by, "review_digest")
        record = self._record(digest_id)
        if record.status != DRAFT:
            raise RoundError("digest_decided", status=record.status)
        draft = from_record(record)
        edited = apply_edit(draft, labels, left_out, at=self.clock(), people=self._people())
        if not changed(draft, edited):
            return draft
        if record.round_id is not None:
            assert_digest_is_honest(
                edited, round_answers(self.store, record.round_id), forbidden=self._people()
            )
        if not update_digest_content(self.store, digest_id, edited.stored_content()):
            raise RoundError("digest_decided", status=self._record(digest_id).status)
        assert edited.edit is not None
        step = edited.edit.history[-1]
        self.store.audit(
            by,
            EDITED,
            str(digest_id),
            {
                # What changed, by place: never a quote's text or an answer id.
                "renamed": [r.theme for r in step.renamed],
                "left_out": [[g.section, g.theme] for g in step.left_out],
            },
            at=step.at,
        )
        if record.round_id is not None:
            self._send_draft(self.rounds.get_round(record.round_id), edited)
        return edited

    def edit_history(self, digest_id: int) -> list[dict]:
        """Each edit of a digest, oldest first: when, who (while the audit remembers it), and
        what it renamed (before -> after) and left out (where the quote stood)."""
        digest = self.load(digest_id)
        steps = digest.edit.history if digest.edit else []
        who = {parse_iso(row["at"]): row["actor"] for row in digest_editors(self.store, digest_id)}
        return [
            {
                "at": step.at,
                "by": who.get(step.at),
                "renamed": [r.model_dump() for r in step.renamed],
                "left_out": [g.model_dump() for g in step.left_out],
            }
            for step in steps
        ]

    def approve(self, digest_id: int, by: str) -> Digest:
        """'Del i kanalen': approve a draft and post it to the digests channel."""
        require(self.network, by, "review_digest")
        record = self._record(digest_id)
        if not self.store.decide_digest(digest_id, APPROVED, by, self.clock()):
            raise RoundError("digest_decided", status=self._record(digest_id).status)
        self.store.audit(
            by, "digest_approved", str(digest_id), {"round": record.round_id}, at=self.clock()
        )
        digest = from_record(self._record(digest_id))
        if record.round_id is not None:
            try:
                self._post(self.rounds.get_round(record.round_id), digest)
            except DeliveryFailed:
                # Not posted: back to draft, so the facilitator can press the button again.
                self.store.decide_digest(digest_id, DRAFT, by, self.clock(), only_from=APPROVED)
                raise
        return digest

    def reject(self, digest_id: int, by: str) -> Digest:
        """'Del ikke': the draft is not shared (it stays stored, marked rejected)."""
        require(self.network, by, "review_digest")
        record = self._record(digest_id)
        if not self.store.decide_digest(digest_id, REJECTED, by, self.clock()):
            raise RoundError("digest_decided", status=self._record(digest_id).status)
        self.store.audit(
            by, "digest_rejected", str(digest_id), {"round": record.round_id}, at=self.clock()
        )
        return from_record(self._record(digest_id))

    def latest(self, round_id: int) -> Digest | None:
        """The newest digest of a round (any status)."""
        records = self.store.round_digests(round_id)
        return from_record(records[-1]) if records else None

    def asked_for(self, round_id: int | None, by: str) -> tuple[Round, Digest | None]:
        """What `/flip digest [round]` is about on any platform: the named round (else the newest)
        and its latest digest, once the member's role allows it."""
        require(self.network, by, "digest")
        if round_id is None:
            rounds = self.store.rounds()
            if not rounds:
                raise RoundError("no_open_round")
            round_id = rounds[-1].id
        round = self.rounds.get_round(round_id)
        return round, self.latest(round.id)

    def reviewed(self, round_id: int) -> Digest | None:
        """The digest a round is known by: the newest approved one (what the channel got),
        else the newest of any status; None when none was stored."""
        records = self.store.round_digests(round_id)
        approved = [r for r in records if r.status == APPROVED]
        chosen = approved or records
        return from_record(chosen[-1]) if chosen else None

    # -- sending ----------------------------------------------------------------------------

    def _send_draft(self, round: Round, digest: Digest) -> None:
        for member in self.network.members:
            if not member.has_role("facilitator"):
                continue
            try:
                self.messenger.send_digest_draft(member, round, digest)
            except DeliveryFailed:
                logger.exception("the digest draft %s did not reach %s", digest.id, member.id)

    def _post(self, round: Round, digest: Digest) -> None:
        channel = self._channel(round)
        if channel is None:
            logger.warning("digest %s approved but the network has no digests channel", digest.id)
            return
        self.messenger.post_digest(channel, round, digest)

    def _channel(self, round: Round) -> str | None:
        if round.programme_id:
            programme = self.network.programme(round.programme_id)
            if programme is not None and programme.digest_channel:
                return programme.digest_channel
        return self.network.channels.digests


def changed(before: Digest, after: Digest) -> bool:
    """Whether an edit changed what the digest shows (its edit record aside)."""
    same = {"edit", "id", "status"}
    return after.model_dump(exclude=same) != before.model_dump(exclude=same)


def from_record(record: DigestRecord) -> Digest:
    """A stored digest as the model, with its id and status."""
    return Digest.model_validate({**record.content, "id": record.id, "status": record.status})
