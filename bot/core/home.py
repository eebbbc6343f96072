"""What a member's home shows, on any platform: their open prompts and own answers, and for a
facilitator the open rounds with their participation. Each edge renders it its own way (Slack's
App Home, Teams' home card)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.access import allowed
from bot.core.i18n import t
from bot.core.models import SPARRING_PREFIX, DeliveryStatus, Prompt, Response, Round, SparringCase
from bot.core.participation import Participation

if TYPE_CHECKING:  # the edges' card builders import HomeRound; only the type is needed here
    from bot.core.services import Services


@dataclass(frozen=True)
class HomeRound:
    """One open round as a facilitator's home shows it (App Home in Slack, the home card in Teams)."""

    round: Round
    prompt: Prompt
    participation: Participation


@dataclass(frozen=True)
class Home:
    open_prompts: list[tuple[Round, Prompt, str]]
    journal: list[tuple[Round, Prompt, Response]]
    facilitator_rounds: list[HomeRound] | None
    paused_until: datetime | None


def home_of(services: Services, member_id: str) -> Home:
    """The member's home, from the store."""
    rounds, store = services.rounds, services.store
    open_prompts = []
    for delivery in store.member_deliveries(
        member_id, [DeliveryStatus.SENT, DeliveryStatus.SKIPPED]
    ):
        round = rounds.get_round(delivery.round_id)
        state = "skipped" if delivery.status == DeliveryStatus.SKIPPED else "open"
        if delivery.snoozed_until is not None:
            state = "snoozed"
        open_prompts.append((round, rounds.prompt_of(round), state))
    journal = []
    for response in store.member_responses(member_id):
        round = store.round(response.round_id)
        # A sparring case's prompt is in the store, not the library (rounds.prompt_of finds both).
        prompt = None
        if round and round.prompt_id.startswith(SPARRING_PREFIX):
            prompt = rounds.prompt_of(round)
        elif round:
            prompt = services.library.get(round.prompt_id)
        if round and prompt:
            journal.append((round, prompt, response))
    facilitator_rounds = None
    if allowed(services.network, member_id, "status"):
        facilitator_rounds = [
            HomeRound(r, rounds.prompt_of(r), rounds.participation(r.id))
            for r in rounds.open_rounds()
        ]
    paused = store.paused_until(member_id)
    if paused is not None and paused <= rounds.clock():
        paused = None
    return Home(open_prompts, journal, facilitator_rounds, paused)


@dataclass(frozen=True)
class SparringHome:
    """Kollegial sparring on a member's home: their own cases with the answers so far, and for
    a facilitator the cases waiting for review and those running (with their answers)."""

    mine: list[tuple[SparringCase, int]]
    waiting: list[SparringCase] | None
    running: list[tuple[SparringCase, int]] | None


def _answers(services: Services, case: SparringCase) -> int:
    if case.round_id is None:
        return 0
    return len(services.store.deliveries(case.round_id, [DeliveryStatus.ANSWERED]))


def sparring_home_of(services: Services, member_id: str) -> SparringHome:
    """The member's sparring cases, and the facilitators' lists, from the store."""
    sparring = services.sparring
    if sparring is None:
        return SparringHome([], None, None)
    mine = [(c, _answers(services, c)) for c in sparring.owned_by(member_id)]
    if not allowed(services.network, member_id, "review_case"):
        return SparringHome(mine, None, None)
    return SparringHome(mine, *_facilitator_lists(services))


def _facilitator_lists(services: Services) -> tuple[list, list]:
    sparring = services.sparring
    assert sparring is not None
    running = [(c, _answers(services, c)) for c in sparring.running()]
    return sparring.waiting_for_review() + sparring.queued(), running


def sparring_status(services: Services, language: str, escape=lambda text: text) -> list[str]:
    """/flip status's sparring lines (the caller has checked the role)."""
    if services.sparring is None:
        return []
    return sparring_lines(
        services, SparringHome([], *_facilitator_lists(services)), language, escape
    )


def sparring_lines(
    services: Services,
    home: SparringHome,
    language: str,
    escape: Callable[[str], str] = lambda text: text,
) -> list[str]:
    """The facilitators' sparring lists as text lines (for /flip status on any platform);
    `escape` makes the owners' titles safe for the platform's markup."""
    if home.waiting is None or home.running is None:
        return []
    if not home.waiting and not home.running:
        return [t("sparring.status.none", language)]
    names = {m.id: m.name for m in services.network.municipalities}
    lines = []
    if home.waiting:
        lines.append(t("sparring.home.review_header", language))
        for case in home.waiting:
            status = t(f"sparring.status.{case.status.value}", language)
            lines.append(
                f"• {escape(case.title)} ({names.get(case.municipality, case.municipality)}, {status})"
            )
    if home.running:
        lines.append(t("sparring.home.running_header", language))
        for case, answers in home.running:
            municipality = names.get(case.municipality, case.municipality)
            line = t(
                "sparring.home.running_line",
                language,
                title=escape(case.title),
                municipality=municipality,
                answers=answers,
            )
            lines.append(f"• {line}")
    return lines
