"""What a member's home shows, on any platform: their open prompts and own answers, and for a
facilitator the open rounds with their participation. Each edge renders it its own way (Slack's
App Home, Teams' home card)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.access import allowed
from bot.core.models import DeliveryStatus, Prompt, Response, Round
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
        prompt = services.library.get(round.prompt_id) if round else None
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
