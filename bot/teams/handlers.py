"""Teams handlers: thin async callbacks on the SDK App. Each one finds the member, calls one core
service off the event loop (SQLite and the fan-out block), and answers with a card from the
builders. Where a card action or a message lands:

    install (installationUpdate add)  -> app_installed: remember the 1:1 chat, welcome, retry DMs
    message in the 1:1 chat           -> message_received: a quoted reply to a prompt adds to the
                                         answer; a /flip command runs; anything else gets help
    @mention in a channel             -> message_received: a reply in its thread pointing to the
                                         card's dialog and the 1:1 chat (nothing private shown)
    Action.Execute PROMPT_SKIP        -> prompt_skipped        (the card turns "skipped")
    Action.Execute PROMPT_SNOOZE      -> prompt_snoozed        (the card turns "snoozed")
    Action.Execute ROUND_REMIND/CLOSE -> round_reminded / round_closed (home card, facilitators)
    Action.Execute DIGEST_*           -> digest_reviewed       (share / build again / do not share)
    task/fetch ANSWER_DIALOG/EDIT     -> answer_dialog_opened  (the form, filled in when editing)
    task/submit ANSWER_SUBMIT         -> answer_dialog_submitted (stored, or the form again with
                                         the typed text and what is wrong, or, when the answer
                                         seems to name a citizen, the Fjern / Behold card)
    Action.Execute FLAG_REMOVE/KEEP   -> flag_chosen (bot.teams.handlers_flags: stores the waiting
                                         answer as chosen; also on a quoted reply's card)
    fileConsent/invoke                -> file_consented (bot.teams.handlers_research: upload, or drop)
    task/fetch, task/submit DIGEST_EDIT_* -> "Ret overskrifter" (bot.teams.handlers_digest_edit)
    Action.Execute ERASE_*            -> erase_clicked (bot.teams.handlers_commands, with the
                                         commands digest, reopen, prompts and slet-mig)
    Action.Execute CONSENT_YES / _NO  -> consent_clicked (bot.teams.handlers_consent: the consent
                                         request's Ja / Nej, recorded with the text version)
    kollegial sparring: `sparring`, its dialogs and the draft and answer cards
                                      -> bot.teams.handlers_sparring (its own map)
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import datetime, time
from functools import partial
from typing import Any

from bot.core import facilitation
from bot.core.access import AccessDenied, allowed, require
from bot.core.answering import FlagsFound, RoundError
from bot.core.command import COMMAND_WORDS, Command, parse_command
from bot.core.consent import consent_state, text_version
from bot.core.home import home_of, sparring_home_of, sparring_lines, sparring_status
from bot.core.i18n import format_date, format_datetime, t
from bot.core.models import DeliveryStatus
from bot.core.network import Member
from bot.core.services import Services
from bot.core.timeutil import utcnow
from bot.digest.model import Digest
from bot.privacy.erasure import set_consent
from bot.privacy.redact import PrivacyError, redaction_notice
from bot.store.privacy import has_consent
from bot.store.teams import TeamsConversation, remember_conversation
from bot.teams import (
    actions,
    cards,
    cards_consent,
    cards_digest,
    cards_flags,
    cards_overview,
    cards_sparring,
    handlers_commands,
    handlers_consent,
    handlers_digest_edit,
    handlers_flags,
    handlers_research,
    handlers_sparring,
)
from bot.teams.background import holding, later, start_held, wait_for_background
from bot.teams.files import PendingFiles
from bot.teams.responses import dialog as _dialog
from bot.teams.responses import dialog_message as _dialog_message
from bot.teams.responses import message as _message
from bot.teams.sdk import ActivityContext, App, MessageActivityInput, activity_tenant_id, api

logger = logging.getLogger(__name__)
__all__ = ["TeamsHandlers", "later", "register_handlers", "wait_for_background"]

# Teams puts mentions and quoted messages into the text as markup; the member's words are the rest.
MARKUP = re.compile(r"<at>.*?</at>|<quoted [^>]*/>|<[^>]+>", re.DOTALL)
SHARED_CONVERSATIONS = ("channel", "groupChat")
COMMAND_PREFIX = re.compile(r"^\s*/?flip\b", re.IGNORECASE)


def member_words(text: str | None) -> str:
    return MARKUP.sub(" ", text or "").strip()


class TeamsHandlers:
    """The callbacks, with the services they call (one instance per process)."""

    def __init__(self, services: Services, app: App | None = None):
        self.services = services
        self.app = app
        self._replies: set[asyncio.Task] = set()  # replies being sent (see reply_later)

    # -- who is asking ----------------------------------------------------------------------

    def member(self, activity: Any) -> Member | None:
        aad = getattr(activity.from_, "aad_object_id", None)
        return self.services.network.member_at("teams", aad) if aad else None

    def language(self, member: Member | None) -> str:
        return self.services.network.language_of(member.id) if member else "da"

    def explain(self, exc: Exception, lang: str) -> str:
        if isinstance(exc, AccessDenied):
            return t(exc.key, lang)
        if isinstance(exc, RoundError):
            return t(f"error.{exc.key}", lang, **exc.params)
        if isinstance(exc, PrivacyError):
            return t(exc.key, lang, **exc.params)
        return t("slack.error.generic", lang)

    # -- install ----------------------------------------------------------------------------

    async def app_installed(self, ctx: ActivityContext[api.InstalledActivity]) -> None:
        member = self.member(ctx.activity)
        lang = self.language(member)
        if member is None:
            await ctx.send(t("teams_edge.not_member", lang))
            return
        conversation = TeamsConversation(
            member.id,
            ctx.activity.conversation.id,
            ctx.activity.service_url,
            activity_tenant_id(ctx.activity),
        )
        await asyncio.to_thread(remember_conversation, self.services.store, conversation, utcnow())
        await ctx.send(cards.build_welcome_card(lang))
        later(self.retry_deliveries, member)

    def retry_deliveries(self, member: Member) -> None:
        """Prompts that failed because the app was not installed yet go out now."""
        rounds = self.services.rounds
        for round in rounds.open_rounds():
            delivery = self.services.store.delivery(round.id, member.id)
            if delivery is not None and delivery.status == DeliveryStatus.FAILED:
                rounds.deliver(round.id)

    # -- messages ---------------------------------------------------------------------------

    async def message_received(self, ctx: ActivityContext[api.MessageActivity]) -> None:
        """Answer a message typed to the bot. The SDK acknowledges the activity only when this
        returns, so the reply is sent from a task of its own (`reply_later`): the acknowledgement
        does not wait for the Bot Connector or the pacer (docs/benchmarks.md, issue 16)."""
        member = self.member(ctx.activity)
        lang = self.language(member)
        if member is None:
            self.reply_later(ctx, t("teams_edge.not_member", lang))
            return
        if ctx.activity.conversation.conversation_type in SHARED_CONVERSATIONS:
            # Heard only because they @mentioned the bot: answers go through the card's dialog,
            # and commands (which show a member's own answers) only in the 1:1 chat.
            self.reply_later(ctx, t("teams_edge.channel_hint", lang), in_thread=True)
            return
        words = member_words(ctx.activity.text)
        quoted = [e.quoted_reply.message_id for e in ctx.activity.get_quoted_messages()]
        if quoted:
            reply, held = await asyncio.to_thread(
                holding, self.quoted_reply, member, ctx.activity.conversation.id, quoted[0], words
            )
            if reply is not None:
                self.reply_later(ctx, reply, then=held)
                return
            start_held(held)
        # A command typed without /flip in front still counts (in a 1:1 chat nothing else is meant).
        if COMMAND_PREFIX.match(words) or words.split(" ", 1)[0].lower() in COMMAND_WORDS:
            answer, held = await asyncio.to_thread(holding, self.run_command, member, words)
            self.reply_later(ctx, answer, then=held)
            return
        self.reply_later(ctx, cards.build_help_card(lang))

    def reply_later(
        self,
        ctx: ActivityContext[api.MessageActivity],
        content: Any,
        in_thread: bool = False,
        then: list | None = None,
    ) -> None:
        """Send a reply from a task on the loop, after the activity is acknowledged, and only then
        start the background work `then` that the command held back (bot.teams.background). The
        task is kept until it is done (the loop holds tasks weakly) and a failure is logged; the
        Teams edge's wait_idle waits for it like any task on the loop."""

        async def send() -> None:
            try:
                if in_thread:
                    await self.reply_in_thread(ctx, content)
                else:
                    await ctx.send(content)
            finally:
                start_held(then or [])

        task = asyncio.get_running_loop().create_task(send())
        self._replies.add(task)
        task.add_done_callback(self._reply_done)

    def _reply_done(self, task: asyncio.Task) -> None:
        self._replies.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("a reply to a Teams message was not sent", exc_info=task.exception())

    async def reply_in_thread(self, ctx: ActivityContext[api.MessageActivity], text: str) -> None:
        """Answer a channel message in its thread: the thread it was written in, or the one it
        starts (a top-level post is its own thread's root)."""
        conversation, _, root = ctx.activity.conversation.id.partition(";messageid=")
        root = root or (ctx.activity.id or "")
        if self.app is None or not root.isdigit() or root == "0":
            await ctx.reply(text)
            return
        activity = MessageActivityInput(text=text)
        await self.app.reply(conversation, root, activity, service_url=ctx.activity.service_url)

    def quoted_reply(self, member: Member, conversation: str, message: str, text: str) -> Any:
        """A reply quoting a prompt counts as (or adds to) the answer; None if it quotes no prompt.
        A reply that seems to name a citizen gets the Fjern / Behold card instead."""
        delivery = self.services.store.delivery_by_message("teams", conversation, message)
        if delivery is None or delivery.member_id != member.id:
            return None
        lang = self.language(member)
        try:
            require(self.services.network, member.id, "answer")
            had = self.services.store.response(delivery.round_id, member.id) is not None
            result = self.services.rounds.add_to_answer(
                delivery.round_id, member.id, text, source="thread", ask_first=True
            )
        except FlagsFound as found:
            return handlers_flags.flag_card(found.pending, lang)
        except (AccessDenied, RoundError) as exc:
            return self.explain(exc, lang)
        self.services.rounds.confirm_answer(result)
        said = t("teams_edge.added" if had else "teams_edge.saved", lang)
        notice = redaction_notice(result.redacted, lang)
        return f"{said} {notice}".strip()

    def run_command(self, member: Member, words: str) -> Any:
        """A /flip command typed to the bot: the same grammar as Slack's."""
        lang = self.language(member)
        command = parse_command(COMMAND_PREFIX.sub("", words, count=1).strip())
        handler = COMMANDS.get(command.name)
        try:
            if handler is None:
                return t("teams_edge.not_yet", lang)
            return handler(self, member, command, lang)
        except (AccessDenied, RoundError, PrivacyError) as exc:
            return self.explain(exc, lang)

    def do_help(self, member: Member, command: Command, lang: str) -> Any:
        problem = t(command.problem[0], lang, **command.problem[1]) if command.problem else None
        return cards.build_help_card(lang, problem=problem)

    def do_home(self, member: Member, command: Command, lang: str) -> Any:
        home = home_of(self.services, member.id)
        card = cards_overview.build_home_card(
            language=lang,
            tz=self.services.network.tz,
            open_prompts=home.open_prompts,
            journal=home.journal,
            paused_until=home.paused_until,
            facilitator_rounds=home.facilitator_rounds,
            names={m.id: m.name for m in self.services.network.municipalities},
        )
        # Kollegial sparring: the share button, the member's cases, the facilitators' lists.
        sparring = sparring_home_of(self.services, member.id)
        card.body = [
            *card.body,
            *cards_sparring.home_section(
                sparring,
                sparring_lines(self.services, sparring, lang),
                lang,
                can_share=allowed(self.services.network, member.id, "share_case"),
            ),
        ]
        state = consent_state(self.services.store, member.id)
        if state is not None:
            card.body.extend(cards_consent.consent_home_elements(lang, state, text_version(lang)))
        return card

    def do_start(self, member: Member, command: Command, lang: str) -> Any:
        services = self.services
        require(services.network, member.id, "start_round")
        args = command.args
        if "target" not in args:
            return cards.build_help_card(lang)
        audience = args.get("municipalities") or "all"
        prompt = facilitation.resolve_prompt(services, args["target"], audience)
        if prompt is None:
            return t("teams_edge.start_unknown", lang, target=args["target"][:60])
        closes_at = services.rounds.clock() + args["closes"] if "closes" in args else None
        round = services.rounds.start_round(
            prompt, audience, closes_at, member.id, channel=args.get("channel"), deliver=False
        )
        later(facilitation.fan_out, services, round.id, member.id)
        count = len(services.store.deliveries(round.id))
        return t(
            "slack.start.ok", lang, round_id=round.id, title=prompt.text(lang).title, count=count
        )

    def do_status(self, member: Member, command: Command, lang: str) -> Any:
        require(self.services.network, member.id, "status")
        open_rounds = self.services.rounds.open_rounds()
        if not open_rounds:
            lines = sparring_status(self.services, lang)
            return "\n\n".join([t("teams_edge.no_open_rounds", lang), *lines])
        return self.do_home(member, command, lang)

    def do_remind(self, member: Member, command: Command, lang: str) -> Any:
        round = facilitation.check_open_round(
            self.services, member.id, command.args.get("round_id"), "remind"
        )
        later(facilitation.remind_now, self.services, round.id, member.id)
        return t("slack.remind.started", lang, round_id=round.id)

    def do_close(self, member: Member, command: Command, lang: str) -> Any:
        round = facilitation.check_open_round(
            self.services, member.id, command.args.get("round_id"), "close_round"
        )
        later(facilitation.close_now, self.services, round.id, member.id)
        return t("slack.close.started", lang, round_id=round.id)

    def do_pause(self, member: Member, command: Command, lang: str) -> Any:
        services = self.services
        require(services.network, member.id, "pause")
        tz = services.network.tz
        if "until" in command.args:
            until = datetime.combine(command.args["until"], time(0, 0), tzinfo=tz)
        else:
            until = services.rounds.clock() + command.args["for"]
        services.store.set_paused_until(member.id, until)
        return t("teams_edge.pause_ok", lang, until=format_date(until, lang, tz))

    def do_resume(self, member: Member, command: Command, lang: str) -> Any:
        require(self.services.network, member.id, "pause")
        if self.services.store.paused_until(member.id) is None:
            return t("teams_edge.resume_none", lang)
        self.services.store.set_paused_until(member.id, None)
        return t("teams_edge.resume_ok", lang)

    def do_consent(self, member: Member, command: Command, lang: str) -> Any:
        require(self.services.network, member.id, "consent")
        if "consent" not in command.args:
            key = "yes" if has_consent(self.services.store, member.id) else "no"
            return t(f"privacy.consent_status_{key}", lang)
        consent = command.args["consent"]
        set_consent(self.services, member.id, consent, by=member.id)
        return t("privacy.consent_given" if consent else "privacy.consent_withdrawn", lang)

    # -- card buttons -----------------------------------------------------------------------

    async def prompt_skipped(self, ctx: ActivityContext[api.AdaptiveCardInvokeActivity]) -> Any:
        return await self._prompt_state(ctx, "skipped", self.services.rounds.skip)

    async def prompt_snoozed(self, ctx: ActivityContext[api.AdaptiveCardInvokeActivity]) -> Any:
        return await self._prompt_state(ctx, "snoozed", self.services.rounds.snooze)

    async def _prompt_state(self, ctx, state: str, change: Callable[[int, str], Any]) -> Any:
        member = self.member(ctx.activity)
        lang = self.language(member)
        try:
            action = actions.parse_action(ctx.activity.value.action.data)
            if member is None:
                return _message(t("teams_edge.not_member", lang))

            def act():
                require(self.services.network, member.id, "answer")
                change(action.round_id, member.id)
                round = self.services.rounds.get_round(action.round_id)
                prompt = self.services.rounds.prompt_of(round)
                return cards.build_prompt_card(prompt, round, lang, state, self.services.network.tz)

            card = await asyncio.to_thread(act)
        except actions.MalformedAction:
            return _message(t("slack.error.generic", lang))
        except (AccessDenied, RoundError) as exc:
            return _message(self.explain(exc, lang))
        return api.AdaptiveCardActionCardResponse(value=card)

    async def round_reminded(self, ctx) -> Any:
        return await self._round_action(ctx, "remind")

    async def round_closed(self, ctx) -> Any:
        return await self._round_action(ctx, "close_round")

    async def _round_action(self, ctx, what: str) -> Any:
        member = self.member(ctx.activity)
        lang = self.language(member)
        try:
            action = actions.parse_action(ctx.activity.value.action.data)
            if member is None:
                return _message(t("teams_edge.not_member", lang))
            command = Command(
                "remind" if what == "remind" else "close", {"round_id": action.round_id}
            )
            handler = TeamsHandlers.do_remind if what == "remind" else TeamsHandlers.do_close
            text = await asyncio.to_thread(handler, self, member, command, lang)
        except actions.MalformedAction:
            return _message(t("slack.error.generic", lang))
        except (AccessDenied, RoundError) as exc:
            return _message(self.explain(exc, lang))
        return _message(text)

    async def digest_reviewed(self, ctx) -> Any:
        member = self.member(ctx.activity)
        lang = self.language(member)
        try:
            action = actions.parse_action(ctx.activity.value.action.data)
            if member is None:
                return _message(t("teams_edge.not_member", lang))
            decide = {
                actions.DIGEST_APPROVE: self.services.digests.approve,
                actions.DIGEST_REBUILD: self.services.digests.rebuild,
                actions.DIGEST_REJECT: self.services.digests.reject,
            }[action.verb]
            digest: Digest = await asyncio.to_thread(decide, action.digest_id, member.id)
        except actions.MalformedAction:
            return _message(t("slack.error.generic", lang))
        except (AccessDenied, RoundError) as exc:
            return _message(self.explain(exc, lang))
        except Exception as exc:  # a platform refusal when posting: the draft stays a draft
            logger.warning("digest review failed: %s", exc)
            return _message(t("digest.review.failed", lang, error=str(exc)[:80]))
        if action.verb == actions.DIGEST_REBUILD:
            return api.AdaptiveCardActionCardResponse(
                value=cards_digest.build_digest_reviewed_card(digest, "")
            )
        key = (
            "digest.review.approved"
            if action.verb == actions.DIGEST_APPROVE
            else ("digest.review.rejected")
        )
        note = t(
            key,
            lang,
            name=member.name,
            when=format_datetime(utcnow(), lang, self.services.network.tz),
        )
        return api.AdaptiveCardActionCardResponse(
            value=cards_digest.build_digest_reviewed_card(digest, note)
        )

    # -- the answer dialog ------------------------------------------------------------------

    async def answer_dialog_opened(self, ctx: ActivityContext[api.TaskFetchInvokeActivity]) -> Any:
        member = self.member(ctx.activity)
        lang = self.language(member)
        try:
            action = actions.parse_action(ctx.activity.value.data)
            if member is None:
                return _dialog_message(t("teams_edge.not_member", lang))

            def form():
                require(self.services.network, member.id, "answer")
                round = self.services.rounds.get_round(action.round_id)
                if not round.is_open:
                    raise RoundError("round_closed", round_id=round.id)
                if self.services.store.delivery(round.id, member.id) is None:
                    raise RoundError("not_in_round", round_id=round.id)
                stored = self.services.store.response(round.id, member.id)
                prompt = self.services.rounds.prompt_of(round)
                card = cards.build_answer_dialog(
                    prompt,
                    round.id,
                    lang,
                    answers=stored.answers if stored else None,
                    quotable=stored.quotable if stored else False,
                    in_channel=round.channel is not None,
                    message_id=action.message_id,
                )
                return _dialog(cards.answer_dialog_title(lang), card)

            return await asyncio.to_thread(form)
        except actions.MalformedAction:
            return _dialog_message(t("slack.error.generic", lang))
        except (AccessDenied, RoundError) as exc:
            return _dialog_message(self.explain(exc, lang))

    async def answer_dialog_submitted(
        self, ctx: ActivityContext[api.TaskSubmitInvokeActivity]
    ) -> Any:
        member = self.member(ctx.activity)
        lang = self.language(member)
        try:
            action = actions.parse_action(ctx.activity.value.data)
        except actions.MalformedAction:
            return _dialog_message(t("slack.error.generic", lang))
        if member is None:
            return _dialog_message(t("teams_edge.not_member", lang))

        def store_answer():
            rounds = self.services.rounds
            round = rounds.get_round(action.round_id)
            prompt = rounds.prompt_of(round)
            try:
                require(self.services.network, member.id, "answer")
                if self.services.sparring is not None:  # how a case's owner sees the answerer
                    self.services.sparring.set_show_name(
                        action.round_id, member.id, action.show_name
                    )
                result = rounds.record_answer(
                    action.round_id,
                    member.id,
                    action.answers,
                    quotable=action.quotable,
                    ask_first=True,
                )
            except FlagsFound as found:
                # A likely name or health word: nothing stored yet, the dialog asks first.
                return handlers_flags.flag_dialog(found.pending, lang)
            except RoundError as exc:
                # The form again, with what was typed and what is wrong.
                problem = self.explain(exc, lang)
                card = cards.rebuild_answer_dialog(
                    prompt, action, lang, problem, in_channel=round.channel is not None
                )
                return _dialog(cards.answer_dialog_title(lang), card)
            rounds.confirm_answer(result)
            notice = redaction_notice(result.redacted, lang)
            return _dialog_message(f"{t('teams_edge.saved', lang)} {notice}".strip())

        try:
            return await asyncio.to_thread(store_answer)
        except (AccessDenied, RoundError) as exc:
            return _dialog_message(self.explain(exc, lang))


COMMANDS: dict[str, Callable[..., Any]] = {
    "help": TeamsHandlers.do_help,
    "hjem": TeamsHandlers.do_home,
    "start": TeamsHandlers.do_start,
    "status": TeamsHandlers.do_status,
    "remind": TeamsHandlers.do_remind,
    "close": TeamsHandlers.do_close,
    "pause": TeamsHandlers.do_pause,
    "resume": TeamsHandlers.do_resume,
    "samtykke": TeamsHandlers.do_consent,
    "export": handlers_research.do_export,
    "digest": handlers_commands.do_digest,
    "reopen": handlers_commands.do_reopen,
    "prompts": handlers_commands.do_prompts,
    "slet-mig": handlers_commands.do_erase_self,
    "sparring": handlers_sparring.do_sparring,
}


def register_handlers(
    app: App, services: Services, files: PendingFiles | None = None
) -> TeamsHandlers:
    """Attach every flipbot callback to the Teams App (the map is in the module docstring).
    `files` are the TeamsMessenger's files waiting for consent."""
    handlers = TeamsHandlers(services, app)
    consent = handlers_research.FileConsentHandler(
        handlers, files if files is not None else PendingFiles()
    )
    app.on_file_consent(consent.file_consented)
    app.on_install_add(handlers.app_installed)
    app.on_message(handlers.message_received)
    app.on_card_action_execute(actions.PROMPT_SKIP)(handlers.prompt_skipped)
    app.on_card_action_execute(actions.PROMPT_SNOOZE)(handlers.prompt_snoozed)
    app.on_card_action_execute(actions.ROUND_REMIND)(handlers.round_reminded)
    app.on_card_action_execute(actions.ROUND_CLOSE)(handlers.round_closed)
    for verb in (actions.DIGEST_APPROVE, actions.DIGEST_REBUILD, actions.DIGEST_REJECT):
        app.on_card_action_execute(verb)(handlers.digest_reviewed)
    for verb in (actions.ERASE_CONFIRM, actions.ERASE_CANCEL):
        app.on_card_action_execute(verb)(partial(handlers_commands.erase_clicked, handlers))
    for dialog in (actions.ANSWER_DIALOG, actions.EDIT_DIALOG):
        app.on_dialog_open(dialog)(handlers.answer_dialog_opened)
    app.on_dialog_submit(actions.ANSWER_SUBMIT)(handlers.answer_dialog_submitted)
    for verb in cards_flags.FLAG_VERBS:
        app.on_card_action_execute(verb)(partial(handlers_flags.flag_chosen, handlers))
    edit = handlers_digest_edit
    app.on_dialog_open(actions.DIGEST_EDIT_DIALOG)(partial(edit.edit_dialog_opened, handlers))
    app.on_dialog_submit(actions.DIGEST_EDIT_SUBMIT)(partial(edit.edit_dialog_submitted, handlers))
    handlers_consent.register(app, handlers)
    handlers_sparring.register(app, handlers)
    return handlers
