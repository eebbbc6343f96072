"""`/flip`: parse (bot.core.command), check the role, call one core function, answer ephemerally.

Everything here runs before the acknowledgement, so it only touches the database; Web API calls
(fan-out, reminders, closing, modals) are handed to the after-ack pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

from slack_bolt import Ack, App

from bot.core import facilitation
from bot.core.access import AccessDenied, require
from bot.core.command import Command, parse_command
from bot.core.home import sparring_status
from bot.core.i18n import format_date, format_datetime, t
from bot.core.models import DeliveryStatus
from bot.core.rounds import RoundError
from bot.core.services import Services
from bot.core.text import escape_mrkdwn
from bot.privacy.erasure import has_consent, set_consent
from bot.privacy.redact import PrivacyError
from bot.schedule.view import describe, upcoming
from bot.slack import blocks, blocks_privacy
from bot.slack import blocks_overview as overview
from bot.slack.handlers import digests, sparring
from bot.slack.handlers.common import (
    after_ack,
    after_ack_bulk,
    explain,
    language,
    member_of,
    messenger,
    respond_later,
    safe_ephemeral,
)

logger = logging.getLogger(__name__)

REOPEN_FOR = timedelta(days=3)
STATUS_UPCOMING = 12  # lines of "what happens next" in /flip status, soonest first


class Request:
    """One /flip invocation: who, where, and the trigger for opening a modal."""

    def __init__(self, services: Services, body: dict):
        self.services = services
        self.user: str = member_of(services, body.get("user_id", ""))
        self.channel: str | None = body.get("channel_id")
        self.trigger_id: str | None = body.get("trigger_id")
        self.response_url: str | None = body.get("response_url")
        self.language = language(services, self.user)

    def now(self) -> datetime:
        return self.services.rounds.clock()

    def date(self, moment: datetime) -> str:
        return format_datetime(moment, self.language, self.services.network.tz)


def do_help(req: Request, command: Command) -> str:
    text = t("slack.help", req.language)
    if command.problem:
        key, params = command.problem
        detail = t(key, req.language, **params)
        text = t("slack.help.problem", req.language, detail=detail) + "\n\n" + text
    text = text.rstrip("\n") + "\n" + t("privacy.help", req.language).rstrip("\n")
    return text + "\n" + t("sparring.help", req.language)


def do_start(req: Request, command: Command) -> str | None:
    services = req.services
    require(services.network, req.user, "start_round")
    args = command.args
    if "target" not in args:
        view = start_modal(services, req.language)
        after_ack(messenger(services).client.views_open, trigger_id=req.trigger_id, view=view)
        return None
    audience = args.get("municipalities") or "all"
    prompt = facilitation.resolve_prompt(services, args["target"], audience)
    if prompt is None:
        target = escape_mrkdwn(args["target"][:60])
        return t("slack.start.unknown_target", req.language, target=target)
    closes_at = req.now() + args["closes"] if "closes" in args else None
    round = services.rounds.start_round(
        prompt, audience, closes_at, req.user, channel=args.get("channel"), deliver=False
    )
    after_ack_bulk(facilitation.fan_out, services, round.id, req.user)
    return start_reply(services, round, prompt, req.language)


def start_reply(services: Services, round, prompt, lang: str) -> str:
    deliveries = services.store.deliveries(round.id)
    paused = sum(1 for d in deliveries if d.status == DeliveryStatus.PAUSED)
    text = t(
        "slack.start.ok",
        lang,
        round_id=round.id,
        title=prompt.text(lang).title,
        count=len(deliveries) - paused,
    )
    if paused:
        text += " " + t("slack.start.paused", lang, count=paused)
    return text


def start_modal(services: Services, lang: str):
    municipalities = [(m.id, m.name) for m in services.network.municipalities]
    return overview.build_start_modal(services.library.all(), municipalities, lang)


def do_status(req: Request, command: Command) -> str | None:
    require(req.services.network, req.user, "status")
    if not req.response_url:
        return status_text(req.services, req.language)
    # Gathering the figures and the scheduler's plans takes a while at 5,000 brokers: answer after
    # the acknowledgement, on the command's response_url (only the facilitator sees it).
    after_ack(_send_status, req.services, req.language, req.response_url)
    return None


def _send_status(services: Services, lang: str, response_url: str) -> None:
    respond_later(services, response_url, status_text(services, lang))


def status_text(services: Services, lang: str) -> str:
    """/flip status: open rounds per municipality, failed DMs, and what the scheduler does next."""
    rows = []
    for round in services.rounds.open_rounds():
        failed = [
            f"{_name(services, d.member_id)} ({d.error})"
            for d in services.store.deliveries(round.id, [DeliveryStatus.FAILED])
        ]
        rows.append(
            (
                round,
                services.rounds.prompt_of(round),
                services.rounds.participation(round.id),
                failed,
            )
        )
    names = {m.id: m.name for m in services.network.municipalities}
    status = overview.build_status(rows, names, lang, services.network.tz)
    # Kollegial sparring: cases waiting for a facilitator, and those running.
    status = "\n".join([status, "", *sparring_status(services, lang, escape_mrkdwn)])
    coming = upcoming(services, services.rounds.clock(), runs=1)[:STATUS_UPCOMING]
    if not coming:
        return status
    lines = [f"• {describe(item, services, lang)}" for item in coming]
    return "\n\n".join([status, t("slack.status.upcoming", lang), "\n".join(lines)])


def _name(services: Services, member_id: str) -> str:
    member = services.network.member(member_id)
    return member.name if member else member_id


def do_remind(req: Request, command: Command) -> str:
    round = facilitation.check_open_round(
        req.services, req.user, command.args.get("round_id"), "remind"
    )
    after_ack_bulk(facilitation.remind_now, req.services, round.id, req.user)
    return t("slack.remind.started", req.language, round_id=round.id)


def do_close(req: Request, command: Command) -> str:
    round = facilitation.check_open_round(
        req.services, req.user, command.args.get("round_id"), "close_round"
    )
    after_ack_bulk(facilitation.close_now, req.services, round.id, req.user)
    return t("slack.close.started", req.language, round_id=round.id)


def do_reopen(req: Request, command: Command) -> str:
    services = req.services
    require(services.network, req.user, "reopen_round")
    closes_at = req.now() + command.args.get("closes", REOPEN_FOR)
    round = services.rounds.reopen_round(command.args["round_id"], closes_at, req.user)
    after_ack_bulk(facilitation.reopen_prompts, services, round.id)
    return t("slack.reopen.ok", req.language, round_id=round.id, closes=req.date(round.closes_at))


def do_digest(req: Request, command: Command) -> str:
    """The round's digest, only for the member (bot.slack.handlers.digests)."""
    return digests.do_digest(req.services, req.user, req.channel, command)


def do_export(req: Request, command: Command) -> str:
    """A research export uploaded to the member's DM (bot.slack.handlers.digests)."""
    return digests.do_export(req.services, req.user, command)


def do_prompts(req: Request, command: Command) -> str:
    services = req.services
    require(services.network, req.user, "list_prompts")
    theme = command.args.get("theme")
    prompts = services.library.by_theme(theme) if theme else services.library.all()
    return overview.build_prompt_list(prompts, req.language)


def do_pause(req: Request, command: Command) -> str:
    services = req.services
    require(services.network, req.user, "pause")
    now = req.now()
    if "until" in command.args:
        # "until 2026-12-01": prompts start again that morning, local time.
        until = datetime.combine(command.args["until"], time(0, 0), tzinfo=services.network.tz)
    else:
        until = now + command.args["for"]
    if until <= now:
        return t("slack.pause.in_past", req.language)
    services.store.set_paused_until(req.user, until)
    return t(
        "slack.pause.ok", req.language, until=format_date(until, req.language, services.network.tz)
    )


def do_resume(req: Request, command: Command) -> str:
    services = req.services
    require(services.network, req.user, "pause")
    paused = services.store.paused_until(req.user)
    if paused is None or paused <= req.now():
        return t("slack.pause.not_paused", req.language)
    services.store.set_paused_until(req.user, None)
    return t("slack.pause.resumed", req.language)


def do_consent(req: Request, command: Command) -> str:
    """Show the member's consent, or record their choice (set_consent audits it)."""
    services = req.services
    require(services.network, req.user, "consent")
    if "consent" not in command.args:
        key = "yes" if has_consent(services.store, req.user) else "no"
        return t(f"privacy.consent_status_{key}", req.language)
    consent = command.args["consent"]
    set_consent(services, req.user, consent, by=req.user)
    return t("privacy.consent_given" if consent else "privacy.consent_withdrawn", req.language)


def do_erase_self(req: Request, command: Command) -> dict:
    """Ask first: the buttons (handlers.privacy) erase the member who clicks."""
    require(req.services.network, req.user, "erase_self")
    if req.services.store.member(req.user) is None:
        return {"text": t("privacy.already_erased", req.language)}
    return blocks_privacy.build_erase_confirmation(req.language)


def do_home(req: Request, command: Command) -> str:
    """Slack has the App Home tab for this: bring it up to date and say where it is."""
    from bot.slack.handlers.home import publish_home

    after_ack(publish_home, req.services, req.user)
    return t("slack.home.where", req.language)


# command name -> what it does; a new subcommand is one entry here and one in bot.core.command.
# A reply is text, or a dict of text and blocks (a question with buttons), or None.
ACTIONS: dict[str, Callable[[Request, Command], str | dict | None]] = {
    "help": do_help,
    "start": do_start,
    "status": do_status,
    "remind": do_remind,
    "close": do_close,
    "reopen": do_reopen,
    "digest": do_digest,
    "prompts": do_prompts,
    "pause": do_pause,
    "resume": do_resume,
    "samtykke": do_consent,
    "slet-mig": do_erase_self,
    "export": do_export,
    "sparring": sparring.do_sparring,
    "hjem": do_home,
}


# No /flip subcommand takes free text; shlex.split is quadratic, so a long text is refused first.
MAX_COMMAND_CHARS = 1000


def run_command(services: Services, body: dict) -> str | dict | None:
    """The ephemeral reply to one /flip command (None: nothing to say, e.g. a modal opens)."""
    req = Request(services, body)
    text = body.get("text") or ""
    if len(text) > MAX_COMMAND_CHARS:
        logger.warning("refused a /flip command of %d characters", len(text))
        return t(
            "hardening.command_too_long", req.language, length=len(text), limit=MAX_COMMAND_CHARS
        )
    command = parse_command(text)
    action = ACTIONS.get(command.name, do_help)
    try:
        return action(req, command)
    except (AccessDenied, RoundError, PrivacyError) as exc:
        return explain(exc, req.language)


def register(app: App, services: Services) -> None:
    @app.command("/flip")
    def flip_command(ack: Ack, body: dict) -> None:
        try:
            reply = run_command(services, body)
        except Exception:
            logger.exception("/flip failed")
            reply = t(
                "slack.error.generic",
                language(services, member_of(services, body.get("user_id", ""))),
            )
        if reply is None:
            ack()
            return
        if isinstance(reply, dict):
            ack(**reply, response_type="ephemeral")
            return
        # One message holds about 13k characters: the rest follows, also only for them.
        first, *rest = blocks.split_text(reply)
        ack(text=first, response_type="ephemeral")
        for piece in rest:
            after_ack(
                safe_ephemeral, services, body.get("channel_id"), body.get("user_id", ""), piece
            )
