"""The Messenger protocol over the Bot Connector: prompts, updates, reminders, summaries and digests
as Adaptive Cards in Teams. Every failure becomes DeliveryFailed with a neutral reason.

A member is reached in their 1:1 chat with the bot: the conversation an install event named, or one
flipbot creates with the member's Entra object id and their municipality's tenant (which works only
when the app is installed for them; otherwise the delivery fails as `not_installed` and is retried
when the install event arrives). Sync callers (fan-out threads, the scheduler) hand each call to the
SDK's event loop through the adapter.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Coroutine
from typing import Any

import httpx

from bot.core.messenger import DeliveryFailed
from bot.core.models import MessageRef, Prompt, Round
from bot.core.network import Member, Network
from bot.core.participation import Participation
from bot.core.timeutil import utcnow
from bot.digest.model import Digest
from bot.store.database import Store
from bot.store.teams import TeamsConversation, conversation_of, remember_conversation
from bot.teams import cards, cards_consent, cards_digest, cards_overview, files
from bot.teams.errors import error_code, failure_reason
from bot.teams.messenger_sparring import SparringCards
from bot.teams.sdk import Account, App, CreateConversationParams, MessageActivityInput
from bot.teams.server import LoopThreadAdapter
from bot.teams.token import TeamsTokenError

logger = logging.getLogger(__name__)

# A send may wait out up to three Retry-After answers of at most 10 s each.
SEND_TIMEOUT_SECONDS = 45.0


def teams_ref(conversation: str, activity_id: str, service_url: str) -> MessageRef:
    """A Teams message: its conversation, its activity id, and the connector region serving it."""
    return MessageRef("teams", conversation, activity_id, service_url)


class TeamsMessenger(SparringCards):
    """Talks to Teams through the SDK App on its loop thread."""

    def __init__(self, app: App, adapter: LoopThreadAdapter, network: Network, store: Store):
        self.app = app
        self.adapter = adapter
        self.network = network
        self.store = store
        self.files = files.PendingFiles()
        # A channel round's one card (by round), and the state it shows (by activity id).
        self._channel_lock = threading.Lock()
        self._channel_posts: dict[int, MessageRef] = {}
        self._channel_states: dict[str, str] = {}

    # -- plumbing ---------------------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, Any], what: str) -> Any:
        try:
            return self.adapter.run(coro, timeout=SEND_TIMEOUT_SECONDS)
        except (httpx.HTTPError, TeamsTokenError, TimeoutError) as exc:
            reason = failure_reason(exc) or "rejected"
            detail = _detail(exc)
            logger.warning("Teams %s failed: %s (%s)", what, reason, detail)
            raise DeliveryFailed(reason, detail) from exc

    def _language(self, member: Member | None) -> str:
        return self.network.language_of(member.id) if member else self.network.language

    def conversation(self, member: Member) -> TeamsConversation:
        """The member's 1:1 chat with the bot: remembered from the install, or created now."""
        known = conversation_of(self.store, member.id)
        if known is not None:
            return known
        if not member.teams:
            raise DeliveryFailed("not_installed", f"{member.id} has no Teams address")
        tenant = self.network.tenant_of(member)
        params = CreateConversationParams(
            members=[Account(id=member.teams)], tenant_id=tenant, is_group=False
        )
        created = self._run(self.app.api.conversations.create(params), "create conversation")
        conversation = TeamsConversation(member.id, created.id, self.app.api.service_url, tenant)
        remember_conversation(self.store, conversation, utcnow())
        return conversation

    def _send(self, conversation: str, service_url: str, content: Any, what: str) -> MessageRef:
        sent = self._run(self.app.send(conversation, content, service_url=service_url), what)
        return teams_ref(conversation, sent.id, service_url)

    def _to_member(self, member: Member, content: Any, what: str) -> MessageRef:
        where = self.conversation(member)
        return self._send(where.conversation_id, where.service_url, content, what)

    def _to_channel(self, channel: str, content: Any, what: str) -> MessageRef:
        return self._send(channel, self.app.api.service_url, content, what)

    def _update(self, ref: MessageRef, card: Any) -> None:
        activity = MessageActivityInput().add_card(card)
        self._run(
            self.app.api.conversations.update_activity(ref.conversation, ref.message, activity),
            "update",
        )

    # -- the Messenger protocol -------------------------------------------------------------

    def send_prompt(self, member: Member, round: Round, prompt: Prompt) -> MessageRef:
        if round.channel:
            return self._channel_prompt(round, prompt)
        language = self._language(member)
        card = cards.build_prompt_card(prompt, round, language, "open", self.network.tz)
        return self._to_member(member, card, "prompt")

    def _channel_prompt(self, round: Round, prompt: Prompt) -> MessageRef:
        """A channel round's one card for all its members: posted once, then every member's
        delivery points at it. After a restart the card is found in the round's deliveries
        (the Bot Connector cannot list a channel's messages)."""
        assert round.channel is not None
        with self._channel_lock:
            ref = self._channel_posts.get(round.id)
            if ref is None:
                ref = next(
                    (
                        d.ref
                        for d in self.store.deliveries(round.id)
                        if d.ref is not None
                        and d.ref.platform == "teams"
                        and d.ref.conversation == round.channel
                    ),
                    None,
                )
            if ref is None:
                language = self.network.language
                card = cards.build_prompt_card(prompt, round, language, "open", self.network.tz)
                ref = self._to_channel(round.channel, card, "channel prompt")
                self._channel_states[ref.message] = "open"
            self._channel_posts[round.id] = ref
            return ref

    def update_prompt(
        self, member: Member, round: Round, prompt: Prompt, ref: MessageRef, state: str
    ) -> None:
        if round.channel:
            if state not in ("open", "closed"):
                return  # the shared channel card shows only the round's state
            with self._channel_lock:
                # Every member's delivery points at the one card: change it once per state.
                if self._channel_states.get(ref.message) == state:
                    return
                self._channel_states[ref.message] = state
        language = self.network.language if round.channel else self._language(member)
        self._update(ref, cards.build_prompt_card(prompt, round, language, state, self.network.tz))

    def send_reminder(self, member: Member, round: Round, prompt: Prompt, ref: MessageRef) -> None:
        card = cards.build_reminder_card(prompt, round, self._language(member), self.network.tz)
        self._to_member(member, card, "reminder")

    def post_round_summary(self, round: Round, prompt: Prompt, summary: dict, channel: str) -> None:
        participation = Participation.model_validate(summary)
        names = {m.id: m.name for m in self.network.municipalities}
        card = cards_overview.build_round_summary_card(
            round, prompt, participation, names, self.network.language
        )
        self._to_channel(channel, card, "round summary")

    def find_prompt(self, member: Member, round: Round) -> MessageRef | None:
        # The Bot Connector cannot list a conversation's messages, so a prompt a crash left
        # 'sending' cannot be found; the round sends it again (at most one duplicate per crash).
        return None

    def send_digest_draft(self, member: Member, round: Round, digest: Digest) -> None:
        self._to_member(member, cards_digest.build_digest_draft_card(digest), "digest draft")

    def post_digest(self, channel: str, round: Round, digest: Digest) -> None:
        posted = self._to_channel(
            channel, cards_digest.build_digest_summary_card(digest), "digest summary"
        )
        for piece in cards_digest.build_digest_thread_text(digest):
            activity = MessageActivityInput(text=piece, text_format="markdown")
            try:
                self._run(
                    self.app.reply(posted.conversation, posted.message, activity),
                    "digest thread",
                )
            except DeliveryFailed:
                # The summary is out, so the digest counts as shared; the thread is extra.
                logger.warning("digest %s: its thread did not reach %s", digest.id, channel)
                return

    def send_digest_to(self, member: Member, digest: Digest, note: str) -> None:
        """A digest shown to one member in their 1:1 chat (`/flip digest`): the summary card
        with what became of it (`note`), then its full text, as a channel thread has it."""
        card = cards_digest.build_digest_reviewed_card(digest, note)
        self._to_member(member, card, "digest")
        for piece in cards_digest.build_digest_thread_text(digest):
            activity = MessageActivityInput(text=piece, text_format="markdown")
            self._to_member(member, activity, "digest text")

    def send_notice(self, member: Member, text: str) -> None:
        self._to_member(member, MessageActivityInput(text=text), "notice")

    def send_consent_request(self, member: Member, text_version: str) -> None:
        """The consent request card, with Ja / Nej, in the member's 1:1 chat."""
        card = cards_consent.build_consent_request_card(self._language(member), text_version)
        self._to_member(member, MessageActivityInput().add_card(card), "consent request")

    def send_file(self, member: Member, data: bytes, filename: str, comment: str) -> None:
        """Ask the member's consent with a FileConsentCard; the bytes wait in `self.files` until
        their click (bot.teams.handlers uploads them then, or drops them on a decline)."""
        try:
            consent_id = self.files.add(member.id, filename, data)
        except files.FileTooLarge as exc:
            raise DeliveryFailed("rejected", f"file too large: {exc}") from exc
        card = files.consent_attachment(filename, len(data), comment, consent_id)
        try:
            self._to_member(
                member, MessageActivityInput(text=comment).add_attachments(card), "file"
            )
        except DeliveryFailed:
            self.files.take(consent_id, member.id)  # nobody can click a card that never arrived
            raise

    def delete_message(self, ref: MessageRef) -> None:
        self._run(
            self.app.api.conversations.delete_activity(ref.conversation, ref.message), "delete"
        )


def _detail(exc: BaseException) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        code = error_code(exc.response)
        return f"http_{exc.response.status_code}" + (f" {code}" if code else "")
    return type(exc).__name__
