"""App Home: a broker's open prompts and reflection journal; a facilitator's open rounds."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.core.access import allowed
from bot.core.models import DeliveryStatus
from bot.core.services import Services
from bot.slack import blocks_overview as overview
from bot.slack.handlers.common import after_ack, language, member_of, messenger

logger = logging.getLogger(__name__)


def build_home_for(services: Services, user: str):
    """The App Home view of one member, from the store."""
    rounds, store = services.rounds, services.store
    open_prompts = []
    for delivery in store.member_deliveries(user, [DeliveryStatus.SENT, DeliveryStatus.SKIPPED]):
        round = rounds.get_round(delivery.round_id)
        state = "skipped" if delivery.status == DeliveryStatus.SKIPPED else "open"
        if delivery.snoozed_until is not None:
            state = "snoozed"
        open_prompts.append((round, rounds.prompt_of(round), state))
    journal = []
    for response in store.member_responses(user):
        round = store.round(response.round_id)
        prompt = services.library.get(round.prompt_id) if round else None
        if round and prompt:
            journal.append((round, prompt, response))
    facilitator_rounds = None
    if allowed(services.network, user, "status"):
        facilitator_rounds = [
            overview.HomeRound(r, rounds.prompt_of(r), rounds.participation(r.id))
            for r in rounds.open_rounds()
        ]
    paused = store.paused_until(user)
    if paused is not None and paused <= rounds.clock():
        paused = None
    return overview.build_home(
        language=language(services, user),
        tz=services.network.tz,
        open_prompts=open_prompts,
        journal=journal,
        paused_until=paused,
        facilitator_rounds=facilitator_rounds,
        names={m.id: m.name for m in services.network.municipalities},
    )


def publish_home(services: Services, user: str) -> None:
    member = services.network.member(user)
    address = member.slack if member and member.slack else user
    messenger(services).client.views_publish(user_id=address, view=build_home_for(services, user))


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def app_home_opened(event: dict) -> None:
        if event.get("tab", "home") != "home":
            return
        if services.network.member_at("slack", event["user"]) is None:
            return
        after_ack(publish_home, services, member_of(services, event["user"]))
