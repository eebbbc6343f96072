"""Kollegial sparring: a broker puts a case of their own to colleagues in other municipalities.

share (redacted, shown back) -> confirm by the owner -> a facilitator approves, edits or rejects
(or, with review off in the network's sparring settings, it goes straight on) -> launch: a round
whose prompt is the case (RoundService.prompt_of finds it in the store), the owner never in it
-> each answer reaches the owner as it comes -> close: a small digest to the owner, and to the
facilitators if the owner agreed. No chat platform in here; the case text is never logged.

User-facing failures are RoundError with a catalogue key (`error.<key>`), as for rounds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.core.access import require
from bot.core.answering import AnswerResult, RoundError
from bot.core.i18n import format_datetime, t
from bot.core.messenger import DeliveryFailed, Messenger
from bot.core.models import CaseStatus, Round, SparringCase
from bot.core.network import Network
from bot.core.rounds import RoundService, case_prompt
from bot.core.sparring_words import attribution
from bot.core.themes import THEME_IDS
from bot.core.timeutil import after_working_days, utcnow
from bot.digest.service import DigestService
from bot.privacy.redact import merge_counts, redact
from bot.store.database import Store
from bot.store.privacy import record_answer_post
from bot.store.sparring import SparringStore

logger = logging.getLogger(__name__)

MAX_TITLE = 120
MAX_SITUATION = 2000
MAX_QUESTION = 300
MAX_QUESTIONS = 3
MAX_REASON = 500
DEFAULT_THEME = "vidensmobilisering"

Audience = Literal["others", "all"] | list[str]
WAITING = [CaseStatus.REVIEW, CaseStatus.APPROVED]


@dataclass(frozen=True)
class Preview:
    """A shared case as stored (redacted), and what was taken out, per kind, for the owner to see."""

    case: SparringCase
    removed: dict[str, int]


@dataclass(frozen=True)
class CaseText:
    """What the owner (or a facilitator editing) wrote, before redaction."""

    title: str
    situation: str
    questions: list[str]


class SparringService:
    """Sparring cases over the round core: one store, network, round and digest service."""

    def __init__(
        self,
        store: Store,
        network: Network,
        rounds: RoundService,
        messenger: Messenger,
        digests: DigestService | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.store = store
        self.cases = SparringStore(store)
        self.network = network
        self.rounds = rounds
        self.messenger = messenger
        self.digests = digests
        self.clock = clock

    # -- lookups ----------------------------------------------------------------------------

    def get(self, case_id: int) -> SparringCase:
        case = self.cases.case(case_id)
        if case is None or case.status == CaseStatus.ERASED:
            raise RoundError("sparring_not_found", case_id=case_id)
        return case

    def of_round(self, round: Round) -> SparringCase | None:
        """The case a round puts to colleagues, or None for any other round."""
        return self.cases.case_of_prompt(round.prompt_id)

    def waiting_for_review(self) -> list[SparringCase]:
        return self.cases.cases([CaseStatus.REVIEW])

    def queued(self) -> list[SparringCase]:
        return self.cases.cases([CaseStatus.APPROVED])

    def running(self) -> list[SparringCase]:
        return self.cases.cases([CaseStatus.RUNNING])

    def owned_by(self, member_id: str) -> list[SparringCase]:
        return self.cases.owner_cases(member_id)

    def audience_of(self, case: SparringCase) -> tuple[Literal["all"] | list[str], set[str]]:
        """The round audience a case's choice means, and who is left out (always its owner)."""
        if case.audience == "all":
            return "all", {case.owner_id}
        if case.audience == "others":
            others = [m.id for m in self.network.municipalities if m.id != case.municipality]
            return others, {case.owner_id}
        return list(case.audience), {case.owner_id}

    # -- the owner --------------------------------------------------------------------------

    def _clean(self, text: CaseText) -> tuple[CaseText, dict[str, int]]:
        """Check lengths and redact; raise RoundError naming the field that is wrong."""
        title = (text.title or "").strip()
        situation = (text.situation or "").strip()
        questions = [q.strip() for q in text.questions if q and q.strip()]
        if not title:
            raise RoundError("sparring_title_missing")
        if len(title) > MAX_TITLE:
            raise RoundError("sparring_title_too_long", limit=MAX_TITLE, length=len(title))
        if not situation:
            raise RoundError("sparring_situation_missing")
        if len(situation) > MAX_SITUATION:
            raise RoundError(
                "sparring_situation_too_long", limit=MAX_SITUATION, length=len(situation)
            )
        if not questions:
            raise RoundError("sparring_questions_missing")
        if len(questions) > MAX_QUESTIONS:
            raise RoundError("sparring_too_many_questions", limit=MAX_QUESTIONS)
        for number, question in enumerate(questions, 1):
            if len(question) > MAX_QUESTION:
                raise RoundError(
                    "sparring_question_too_long",
                    number=number,
                    limit=MAX_QUESTION,
                    length=len(question),
                )
        parts = [redact(title), redact(situation), *(redact(q) for q in questions)]
        removed = merge_counts(*(p.removed for p in parts))
        return (
            CaseText(parts[0].text, parts[1].text, [p.text for p in parts[2:]]),
            removed,
        )

    def _text_fields(self, text: CaseText, audience: Audience | None) -> tuple[dict, dict]:
        """The case columns an edit changes (checked and redacted), and what was taken out."""
        cleaned, removed = self._clean(text)
        fields: dict = {
            "title": cleaned.title,
            "situation": cleaned.situation,
            "questions": cleaned.questions,
        }
        if audience is not None:
            fields["audience"] = self._audience(audience)
        return fields, removed

    def _audience(self, audience: Audience) -> Audience:
        if audience in ("others", "all"):
            return audience
        chosen = [str(m).lower() for m in audience]  # type: ignore[union-attr]
        if not chosen:
            raise RoundError("sparring_audience_empty")
        unknown = [m for m in chosen if self.network.municipality(m) is None]
        if unknown:
            raise RoundError("unknown_municipality", municipality=", ".join(unknown))
        return sorted(set(chosen))

    def share(
        self,
        owner_id: str,
        text: CaseText,
        *,
        audience: Audience = "others",
        show_name: bool = False,
        share_digest: bool = True,
        theme: str = DEFAULT_THEME,
    ) -> Preview:
        """A broker shares a case: it is checked, redacted and stored as a draft only they see."""
        require(self.network, owner_id, "share_case")
        owner = self.network.member(owner_id)
        assert owner is not None  # require() found them
        if theme not in THEME_IDS:
            raise RoundError("sparring_unknown_theme", theme=theme)
        cleaned, removed = self._clean(text)
        now = self.clock()
        case = self.cases.create_case(
            owner_id=owner_id,
            municipality=owner.municipality,
            title=cleaned.title,
            situation=cleaned.situation,
            questions=cleaned.questions,
            audience=self._audience(audience),
            show_name=show_name,
            share_digest=share_digest,
            theme=theme,
            deadline_days=self.network.sparring.respond_within_days,
            at=now,
        )
        self.store.audit(owner_id, "sparring_shared", str(case.id), {"removed": removed}, at=now)
        return Preview(case, removed)

    def revise(
        self,
        case_id: int,
        owner_id: str,
        text: CaseText,
        *,
        audience: Audience | None = None,
        show_name: bool | None = None,
        share_digest: bool | None = None,
    ) -> Preview:
        """'Ret': the owner changes their draft before confirming it (redacted again)."""
        case = self.owned_draft(case_id, owner_id)
        fields, removed = self._text_fields(text, audience)
        if show_name is not None:
            fields["show_name"] = show_name
        if share_digest is not None:
            fields["share_digest"] = share_digest
        updated = self.cases.update_case(case.id, self.clock(), **fields)
        return Preview(updated, removed)

    def owned_draft(self, case_id: int, owner_id: str) -> SparringCase:
        """The owner's case while it is still a draft (RoundError otherwise)."""
        case = self.get(case_id)
        if case.owner_id != owner_id:
            raise RoundError("sparring_not_yours")
        if case.status != CaseStatus.DRAFT:
            raise RoundError("sparring_already_sent")
        return case

    def confirm(self, case_id: int, owner_id: str) -> SparringCase:
        """The owner saw the redacted text and sends it: to the facilitators for review, or (with
        review off) straight on. The owner's chat gets the message the answers will come under."""
        self.owned_draft(case_id, owner_id)
        review = self.network.sparring.review
        to = CaseStatus.REVIEW if review else CaseStatus.APPROVED
        case = self.cases.move(case_id, [CaseStatus.DRAFT], to, owner_id, "confirmed", self.clock())
        if case is None:
            raise RoundError("sparring_already_sent")
        self.store.audit(owner_id, "sparring_confirmed", str(case_id), at=self.clock())
        owner = self.network.member(owner_id)
        lang = self.network.language_of(owner_id)
        key = "sparring.owner.in_review" if review else "sparring.owner.approved"
        if owner is not None:
            try:
                ref = self.messenger.start_sparring_thread(
                    owner, case, t(key, lang, title=case.title)
                )
                self.cases.set_owner_ref(case_id, ref)
            except DeliveryFailed as exc:
                logger.warning("case %s: the owner's thread was not started: %s", case_id, exc)
        if review:
            self._send_drafts(self.get(case_id))
        else:
            self.launch_waiting(owner_id)
        return self.get(case_id)

    def withdraw(self, case_id: int, owner_id: str) -> SparringCase:
        """The owner takes back a case not yet sent to colleagues."""
        case = self.get(case_id)
        if case.owner_id != owner_id:
            raise RoundError("sparring_not_yours")
        moved = self.cases.move(
            case_id,
            [CaseStatus.DRAFT, *WAITING],
            CaseStatus.WITHDRAWN,
            owner_id,
            "withdrawn",
            self.clock(),
        )
        if moved is None:
            raise RoundError("sparring_already_sent")
        return moved

    # -- facilitators -----------------------------------------------------------------------

    def reviewable(self, case_id: int, by: str) -> SparringCase:
        """A case a facilitator may still decide on (before opening a reject or edit form)."""
        require(self.network, by, "review_case")
        case = self.get(case_id)
        if case.status not in WAITING:
            raise RoundError("sparring_decided", status=case.status.value)
        return case

    def _send_drafts(self, case: SparringCase) -> None:
        prompt = case_prompt(self.network, case)
        for member in self.network.members:
            if not member.has_role("facilitator") or member.id == case.owner_id:
                continue
            try:
                self.messenger.send_sparring_draft(member, case, prompt)
            except DeliveryFailed:
                logger.exception("the sparring draft %s did not reach %s", case.id, member.id)

    def approve(self, case_id: int, by: str) -> SparringCase:
        """'Send til sparring': one click decides; the case goes out now, or waits its turn when
        the network's cap of running sparring rounds is reached."""
        require(self.network, by, "review_case")
        self.get(case_id)
        case = self.cases.move(
            case_id,
            [CaseStatus.REVIEW],
            CaseStatus.APPROVED,
            by,
            "approved",
            self.clock(),
            decided_by=by,
        )
        if case is None:
            raise RoundError("sparring_decided", status=self.get(case_id).status.value)
        self.store.audit(by, "sparring_approved", str(case_id), at=self.clock())
        self.launch_waiting(by)
        case = self.get(case_id)
        if case.status == CaseStatus.APPROVED:
            key = "sparring.owner.programme" if self.by_programme() else "sparring.owner.queued"
            self._tell(case.owner_id, key, title=case.title)
        return case

    def edit(
        self,
        case_id: int,
        by: str,
        text: CaseText,
        *,
        audience: Audience | None = None,
        deadline_days: int | None = None,
    ) -> Preview:
        """'Ret': a facilitator changes wording, audience or deadline before it goes out."""
        require(self.network, by, "review_case")
        case = self.get(case_id)
        if case.status not in WAITING:
            raise RoundError("sparring_decided", status=case.status.value)
        fields, removed = self._text_fields(text, audience)
        if deadline_days is not None:
            if not 1 <= deadline_days <= 30:
                raise RoundError("sparring_bad_deadline", days=deadline_days)
            fields["deadline_days"] = deadline_days
        updated = self.cases.update_case(case_id, self.clock(), **fields)
        self.store.audit(by, "sparring_edited", str(case_id), {"removed": removed}, at=self.clock())
        return Preview(updated, removed)

    def reject(self, case_id: int, by: str, reason: str) -> SparringCase:
        """'Afvis': the case is not sent; the owner gets the facilitator's short reason."""
        require(self.network, by, "review_case")
        reason = (reason or "").strip()
        if not reason:
            raise RoundError("sparring_reason_missing")
        if len(reason) > MAX_REASON:
            raise RoundError("sparring_reason_too_long", limit=MAX_REASON, length=len(reason))
        self.get(case_id)
        case = self.cases.move(
            case_id,
            WAITING,
            CaseStatus.REJECTED,
            by,
            "rejected",
            self.clock(),
            reason=redact(reason).text,
            decided_by=by,
        )
        if case is None:
            raise RoundError("sparring_decided", status=self.get(case_id).status.value)
        self.store.audit(by, "sparring_rejected", str(case_id), at=self.clock())
        self._tell(case.owner_id, "sparring.owner.rejected", title=case.title, reason=case.reason)
        return case

    # -- running ----------------------------------------------------------------------------

    def by_programme(self) -> bool:
        """True when a programme of the network has `kind: sparring` slots: approved cases then
        wait for the next slot instead of going out at once."""
        return any(p.kind == "sparring" for p in self.network.programmes)

    def launch_waiting(self, by: str = "flipbot") -> list[Round]:
        """Send approved cases, oldest first, while fewer than the network's cap are running
        (not when programme slots send them)."""
        if self.by_programme():
            return []
        started = []
        for case in self.queued():
            if len(self.running()) >= self.network.sparring.max_running:
                break
            try:
                round = self.launch(case.id, by)
            except RoundError as exc:  # e.g. nobody left in its audience: it stays approved
                logger.warning("case %s could not go out: %s", case.id, exc.key)
                continue
            if round is not None:
                started.append(round)
        return started

    def take_for_slot(
        self, programme_id: str, by: str = "scheduler", *, deliver: bool = True
    ) -> Round | None:
        """A programme's `kind: sparring` slot: the oldest approved case goes out (None when no
        case waits, or the cap of running sparring rounds is reached)."""
        queued = self.queued()
        if not queued or len(self.running()) >= self.network.sparring.max_running:
            return None
        return self.launch(queued[0].id, by, programme_id=programme_id, deliver=deliver)

    def launch(
        self, case_id: int, by: str, programme_id: str | None = None, *, deliver: bool = True
    ) -> Round | None:
        """Start the case's round (its owner left out) and, with deliver, send it and tell the
        owner; None if it was not waiting. Without deliver, see deliver_launched."""
        case = self.get(case_id)
        if case.status != CaseStatus.APPROVED:
            return None
        audience, exclude = self.audience_of(case)
        network = self.network
        now = self.clock()
        closes_at = after_working_days(
            now,
            network.tz,
            network.working_hours.works_on,
            case.deadline_days,
            network.working_hours.end,
        )
        with self.store.atomic():
            round = self.rounds.start_round(
                case_prompt(network, case),
                audience,
                closes_at,
                by,
                programme_id=programme_id,
                deliver=False,
                exclude=exclude,
            )
            moved = self.cases.move(
                case_id,
                [CaseStatus.APPROVED],
                CaseStatus.RUNNING,
                by,
                "launched",
                now,
                round_id=round.id,
            )
            if moved is None:
                raise RoundError("sparring_decided", status=self.get(case_id).status.value)
        if deliver:
            self.deliver_launched(round.id)
        return round

    def deliver_launched(self, round_id: int) -> None:
        """Send a case's round and tell its owner how many it reached and until when."""
        round = self.rounds.get_round(round_id)
        case = self.of_round(round)
        if case is None:
            return
        result = self.rounds.deliver(round.id)
        network = self.network
        lang = network.language_of(case.owner_id)
        self._notify(
            case.owner_id,
            t(
                "sparring.owner.launched",
                lang,
                title=case.title,
                count=result.sent,
                closes=format_datetime(round.closes_at, lang, network.tz),
            ),
        )

    def set_show_name(self, round_id: int, member_id: str, show_name: bool) -> None:
        """How an answerer wants to be shown to the owner; no-op for a round that is no case."""
        round = self.rounds.get_round(round_id)
        case = self.of_round(round)
        if case is not None:
            self.cases.set_show_name(case.id, member_id, show_name)

    def on_answered(self, result: AnswerResult) -> None:
        """An answer to a running case reaches its owner as it comes, shown as the answerer chose."""
        if result.outcome == "unchanged":
            return
        case = self.of_round(result.round)
        if case is None or case.status != CaseStatus.RUNNING:
            return
        owner = self.network.member(case.owner_id)
        answerer_id = result.response.member_id
        answerer = self.network.member(answerer_id)
        if owner is None or answerer is None:
            return
        lang = self.network.language_of(owner.id)
        shown = self.cases.shows_name(case.id, answerer_id)
        who = attribution(self.network, answerer_id, shown, lang)
        if result.outcome == "edited":
            who = t("sparring.answer.edited", lang, who=who)
        ref = self.messenger.send_sparring_answer(
            owner, case, case.owner_ref, who, result.response.text, answerer_id
        )
        # Kept with the answerer's posts, so erasing them deletes this message too.
        record_answer_post(self.store, result.round.id, answerer_id, ref)
        self.cases.mark_forwarded(case.id, answerer_id, self.clock())

    def thank(self, case_id: int, owner_id: str, answerer_id: str) -> bool:
        """'Tak': the owner thanks one answerer (told once; False when thanked before)."""
        case = self.get(case_id)
        if case.owner_id != owner_id:
            raise RoundError("sparring_not_yours")
        if not self.cases.thank(case_id, answerer_id, self.clock()):
            return False
        self._tell(answerer_id, "sparring.thanked", title=case.title)
        return True

    def on_round_closed(self, round: Round) -> bool:
        """A case's round closed: the owner gets its digest (and the facilitators, if the owner
        agreed); the next approved case may go out. False when the round is no case."""
        case = self.of_round(round)
        if case is None:
            return False
        closed = self.cases.move(
            case.id, [CaseStatus.RUNNING], CaseStatus.CLOSED, "flipbot", "closed", self.clock()
        )
        if closed is not None and self.digests is not None:
            self._send_digest(closed, round)
        self.launch_waiting()
        return True

    def _send_digest(self, case: SparringCase, round: Round) -> None:
        assert self.digests is not None
        digest = self.digests.build(round.id)
        if case.share_digest:
            # Stored (so /flip digest and the digest exports find it) only when the owner agreed
            # that it goes beyond them; kept to the owner, it exists only in their chat.
            record = self.store.save_digest(
                round_id=round.id,
                engine=digest.engine,
                status="approved",
                content=digest.model_dump(mode="json", exclude={"id", "status"}),
                at=self.clock(),
            )
            digest = digest.model_copy(update={"id": record.id, "status": "approved"})
        owner = self.network.member(case.owner_id)
        if owner is not None:
            try:
                self.messenger.send_sparring_digest(owner, case, case.owner_ref, digest)
            except DeliveryFailed:
                logger.exception("the digest of case %s did not reach its owner", case.id)
        if not case.share_digest:
            return
        for member in self.network.members:
            if member.has_role("facilitator") and member.id != case.owner_id:
                try:
                    self.messenger.send_sparring_digest(member, case, None, digest)
                except DeliveryFailed:
                    logger.exception("the digest of case %s did not reach %s", case.id, member.id)

    def closing_hook(self, fallback: Callable[[Round], object] | None) -> Callable[[Round], None]:
        """RoundService.on_closed: a case's round gets the owner's digest, any other the usual."""

        def on_closed(round: Round) -> None:
            if not self.on_round_closed(round) and fallback is not None:
                fallback(round)

        return on_closed

    # -- telling people ---------------------------------------------------------------------

    def _tell(self, member_id: str, key: str, **params: object) -> None:
        self._notify(member_id, t(key, self.network.language_of(member_id), **params))

    def _notify(self, member_id: str, text: str) -> None:
        member = self.network.member(member_id)
        if member is None:
            return
        try:
            self.messenger.send_notice(member, text)
        except DeliveryFailed as exc:
            logger.warning("could not tell %s: %s", member_id, exc.error)
