"""App Home: a broker's open prompts and reflection journal; a facilitator's open rounds."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.core.access import allowed
from bot.core.consent import consent_state, text_version
from bot.core.home import home_of, sparring_home_of
from bot.core.services import Services
from bot.slack import blocks_consent, blocks_sparring
from bot.slack import blocks_overview as overview
from bot.slack.blocks import MAX_BLOCKS
from bot.slack.handlers.common import after_ack, language, member_of, messenger

logger = logging.getLogger(__name__)


def build_home_for(services: Services, user: str):
    """The App Home view of one member, from the store."""
    home = home_of(services, user)
    view = overview.build_home(
        language=language(services, user),
        tz=services.network.tz,
        open_prompts=home.open_prompts,
        journal=home.journal,
        paused_until=home.paused_until,
        facilitator_rounds=home.facilitator_rounds,
        names={m.id: m.name for m in services.network.municipalities},
    )
    # Kollegial sparring first: *Del et dilemma*, the member's cases, the facilitators' lists.
    sparring = blocks_sparring.build_home_blocks(
        sparring_home_of(services, user),
        language(services, user),
        {m.id: m.name for m in services.network.municipalities},
        can_share=allowed(services.network, user, "share_case"),
    )
    # The consent choice last, after the journal, which gives up its oldest lines to stay
    # within Slack's limit.
    consent = consent_home_blocks(services, user)
    view.blocks = [*[*sparring, *view.blocks][: MAX_BLOCKS - len(consent)], *consent]
    return view


def consent_home_blocks(services: Services, user: str) -> list:
    """The member's consent choice, with a button to change it."""
    state = consent_state(services.store, user)
    if state is None:
        return []
    lang = language(services, user)
    return blocks_consent.build_consent_home(lang, state, text_version(lang))


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
