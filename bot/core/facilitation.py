"""Facilitator work shared by every platform's commands, home buttons and start forms: the quick
checks that happen before a platform's acknowledgement, and the fan-out work that runs after it."""

from __future__ import annotations

import logging

from bot.core.access import require
from bot.core.i18n import t
from bot.core.messenger import DeliveryFailed
from bot.core.models import Prompt, Round
from bot.core.rounds import RoundError
from bot.core.services import Services
from bot.core.themes import THEME_IDS

logger = logging.getLogger(__name__)


def resolve_round(services: Services, round_id: int | None) -> Round:
    """The round a facilitator named, or the most recent open one."""
    if round_id is not None:
        return services.rounds.get_round(round_id)
    open_rounds = services.rounds.open_rounds()
    if not open_rounds:
        raise RoundError("no_open_round")
    return open_rounds[-1]


def resolve_prompt(services: Services, target: str, audience) -> Prompt | None:
    """A prompt id, or a theme (its next prompt this audience has not had); None if neither."""
    prompt = services.library.get(target)
    if prompt is not None:
        return prompt
    if target in THEME_IDS:
        return services.rounds.next_prompt(target, audience)
    return None


def fan_out(services: Services, round_id: int, facilitator: str) -> None:
    """Send the round's DMs (failed ones get one more pass) and tell the facilitator how it went."""
    result = services.rounds.deliver(round_id)
    sent, failed = result.sent, result.failed
    if failed:
        again = services.rounds.deliver(round_id)
        sent, failed = sent + again.sent, again.failed
    text = t(
        "slack.start.done",
        services.network.language_of(facilitator),
        round_id=round_id,
        sent=sent,
        failed=failed,
    )
    tell(services, facilitator, text)


def tell(services: Services, member_id: str, text: str) -> None:
    """A short notice to a member on their platform; a failure is logged, the work is done."""
    member = services.network.member(member_id)
    if member is None:
        return
    try:
        services.rounds.messenger.send_notice(member, text)
    except DeliveryFailed as exc:
        logger.warning("could not tell %s: %s", member_id, exc.error)


def remind_now(services: Services, round_id: int, facilitator: str) -> None:
    """Remind everyone still waiting, then retry the prompts Slack did not take before (a fresh
    prompt needs no reminder on top)."""
    result = services.rounds.remind(round_id, facilitator)
    services.rounds.deliver(round_id)
    text = t(
        "slack.remind.ok",
        services.network.language_of(facilitator),
        sent=result.sent,
        failed=result.failed,
    )
    tell(services, facilitator, text)


def close_now(services: Services, round_id: int, facilitator: str) -> None:
    services.rounds.close_round(round_id, facilitator)


def check_open_round(services: Services, user: str, round_id: int | None, action: str) -> Round:
    """The open round a facilitator's remind or close is about, once their role allows it."""
    require(services.network, user, action)
    round = resolve_round(services, round_id)
    if not round.is_open:
        raise RoundError("round_closed", round_id=round.id)
    return round


def reopen_prompts(services: Services, round_id: int) -> None:
    """After a reopen, the prompts that said 'closed' get their buttons back."""
    services.rounds.show_waiting_prompts(services.rounds.get_round(round_id), "open")
