"""Slack listeners, one module per surface, each with register(app, services)."""

from __future__ import annotations

from slack_bolt import App

from bot.core.services import Services
from bot.slack.handlers import actions, commands, digests, events, home, privacy, views


def register_handlers(app: App, services: Services) -> None:
    """Attach every flipbot listener to the Bolt app."""
    events.register_dedupe(app, services)
    commands.register(app, services)
    actions.register(app, services)
    digests.register(app, services)
    views.register(app, services)
    events.register(app, services)
    home.register(app, services)
    privacy.register(app, services)
