"""The Messenger protocol over Slack's Web API: prompts as DMs (or channel posts), updates in place,
reminders in the prompt's thread, round summaries and digests to the digest channel, digest drafts
to the facilitators."""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.i18n import t
from bot.core.messenger import DeliveryFailed, MessageRef
from bot.core.models import Prompt, Round
from bot.core.network import Member, Network
from bot.core.participation import Participation
from bot.core.text import escape_mrkdwn
from bot.core.work_queue import people_waiting
from bot.digest.model import Digest
from bot.digest.render_html import render_html
from bot.slack import blocks, blocks_consent
from bot.slack import blocks_overview as overview
from bot.slack.digest_blocks import thread_is_cut
from bot.slack.digest_post import DRAFT_EVENT, post_digest_to_channel, send_digest_draft_dm
from bot.slack.errors import slack_error, slack_failure, slack_ref
from bot.slack.messenger_sparring import SparringMessages
from bot.slack.pooled import connection_errors

logger = logging.getLogger(__name__)

PROMPT_EVENT = "flip_prompt"


def _as_dict(block) -> dict:
    return block if isinstance(block, dict) else block.to_dict()


class SlackMessenger(SparringMessages):
    """Talks to Slack; every failure becomes DeliveryFailed(error code).

    `client` (a WebClient, a connection per call) serves what a person waits for: a modal, the
    DM they just answered, a reply. `bulk` (default: `client`) sends the fan-out's prompts and
    reminders; serving builds it over pooled, kept-alive connections (bot/slack/pooled.py).
    Measured (docs/benchmarks.md, issue 16): the pool sends 3x as many DMs a second for a third of
    the CPU, but its one loop thread made a click's modal slower than the click's own thread does.
    """

    def __init__(self, client: WebClient, network: Network, bulk: Any = None):
        self.client = client
        self.bulk = bulk if bulk is not None else client
        self.network = network
        # A channel round has one shared message for all its members: post it once, and push
        # each state change to it once.
        self._channel_lock = threading.Lock()
        self._channel_posts: dict[int, MessageRef] = {}
        self._channel_states: dict[MessageRef, str] = {}
        # A fan-out sends the same blocks thousands of times: build and validate them once.
        self._built: dict[tuple, tuple[str, list[dict]]] = {}

    def _prompt_blocks(
        self, prompt: Prompt, round: Round, language: str, state: str
    ) -> tuple[str, list[dict]]:
        key = (round.id, round.closes_at, round.status, prompt.id, language, state)
        built = self._built.get(key)
        if built is None:
            text, message = blocks.build_prompt_message(
                prompt, round, language, state, self.network.tz
            )
            built = (text, [b.to_dict() for b in message])
            if len(self._built) > 256:
                self._built.clear()
            self._built[key] = built
        return built

    def _language(self, member: Member | None) -> str:
        if member is None:
            return self.network.language
        return self.network.language_of(member.id)

    def _call(self, method: str, *, via: Any = None, **kwargs) -> dict:
        try:
            return getattr(via or self.client, method)(**kwargs).data
        except (SlackApiError, SlackClientError, OSError, *connection_errors()) as exc:
            error = slack_error(exc)
            logger.warning("Slack %s failed: %s", method, error)
            raise slack_failure(error) from exc

    def send_prompt(self, member: Member, round: Round, prompt: Prompt) -> MessageRef:
        if round.channel:
            return self._channel_prompt(round, prompt)
        language = self._language(member)
        text, message = self._prompt_blocks(prompt, round, language, "open")
        # A fan-out sends from many threads: let a click's modal or a DM update go first.
        people_waiting.step_aside()
        data = self._call(
            "chat_postMessage",
            via=self.bulk,
            channel=member.slack,
            text=text,
            blocks=message,
            metadata={
                "event_type": PROMPT_EVENT,
                "event_payload": {"round_id": round.id, "member_id": member.id},
            },
            unfurl_links=False,
        )
        return slack_ref(data["channel"], data["ts"])

    def _channel_prompt(self, round: Round, prompt: Prompt) -> MessageRef:
        """The round's one message in its channel: found (after a restart) or posted once."""
        with self._channel_lock:
            ref = self._channel_posts.get(round.id) or self._find_in(round.channel, round, None)
            if ref is None:
                text, message = blocks.build_prompt_message(
                    prompt, round, self.network.language, "open", self.network.tz
                )
                data = self._call(
                    "chat_postMessage",
                    channel=round.channel,
                    text=text,
                    blocks=message,
                    metadata={"event_type": PROMPT_EVENT, "event_payload": {"round_id": round.id}},
                    unfurl_links=False,
                )
                ref = slack_ref(data["channel"], data["ts"])
            self._channel_posts[round.id] = ref
            return ref

    def update_prompt(
        self, member: Member, round: Round, prompt: Prompt, ref: MessageRef, state: str
    ) -> None:
        if round.channel:
            # The shared message only shows the round's state; a member's own state is theirs.
            if state not in ("open", "closed"):
                return
            with self._channel_lock:
                if self._channel_states.get(ref) == state:
                    return
                self._channel_states[ref] = state
            member = None  # type: ignore[assignment]
        language = self._language(member)
        text, message = self._prompt_blocks(prompt, round, language, state)
        self._call(
            "chat_update", channel=ref.conversation, ts=ref.message, text=text, blocks=message
        )

    def send_reminder(self, member: Member, round: Round, prompt: Prompt, ref: MessageRef) -> None:
        language = self._language(member)
        text = blocks.build_reminder(prompt, round, language, self.network.tz)
        if ref.conversation and ref.message and not round.channel:
            # In the prompt's thread, shown in the DM too, so a reply lands where we look for it.
            self._call(
                "chat_postMessage",
                via=self.bulk,
                channel=ref.conversation,
                thread_ts=ref.message,
                reply_broadcast=True,
                text=text,
            )
        else:
            self._call("chat_postMessage", via=self.bulk, channel=member.slack, text=text)

    def post_round_summary(self, round: Round, prompt: Prompt, summary: dict, channel: str) -> None:
        participation = Participation.model_validate(summary)
        names = {m.id: m.name for m in self.network.municipalities}
        text, message = overview.build_round_summary(
            round, prompt, participation, names, self.network.language
        )
        self._call("chat_postMessage", channel=channel, text=text, blocks=message)

    def _address(self, target: str) -> str:
        """A channel id, a Slack user id, or a member id (which becomes their Slack user id)."""
        member = self.network.member(target)
        return member.slack if member and member.slack else target

    def post_text(self, channel: str, text: str, thread_ts: str | None = None) -> MessageRef:
        """A plain message (thread confirmations, help), split when longer than one message."""
        channel = self._address(channel)
        ref = None
        for piece in blocks.split_text(text):
            data = self._call("chat_postMessage", channel=channel, text=piece, thread_ts=thread_ts)
            ref = ref or slack_ref(data["channel"], data["ts"])
        return ref  # type: ignore[return-value]

    def post_ephemeral(
        self, channel: str, user: str, text: str, message: list | None = None
    ) -> None:
        """A message only `user` sees in `channel`; `message` is optional Block Kit."""
        extra = {"blocks": [_as_dict(b) for b in message]} if message else {}
        user = self._address(user)
        self._call("chat_postEphemeral", channel=channel, user=user, text=text, **extra)

    def post_message(self, channel: str, text: str, message: list) -> MessageRef:
        """A Block Kit message to a channel or a member's DM (a user id)."""
        blocks_ = [_as_dict(b) for b in message]
        channel = self._address(channel)
        data = self._call("chat_postMessage", channel=channel, text=text, blocks=blocks_)
        return slack_ref(data["channel"], data["ts"])

    def update_message(self, ref: MessageRef, text: str, message: list) -> None:
        """Replace a message the bot posted (e.g. a decided digest draft)."""
        blocks_ = [_as_dict(b) for b in message]
        self._call(
            "chat_update", channel=ref.conversation, ts=ref.message, text=text, blocks=blocks_
        )

    def delete_message(self, ref: MessageRef) -> None:
        """Delete one of the bot's own messages."""
        self._call("chat_delete", channel=ref.conversation, ts=ref.message)

    def send_consent_request(self, member: Member, text_version: str) -> None:
        """The consent request, with Ja / Nej, as a DM (see bot/core/consent.py)."""
        text, message = blocks_consent.build_consent_request(self._language(member), text_version)
        self._call("chat_postMessage", channel=member.slack, text=text, blocks=message)

    def send_notice(self, member: Member, text: str) -> None:
        """A short plain message in the member's DM."""
        self.post_text(member.slack or "", text)

    def send_file(self, member: Member, data: bytes, filename: str, comment: str) -> None:
        """Upload a file into a member's DM (files.getUploadURLExternal, the bytes,
        files.completeUploadExternal: slack_sdk's files_upload_v2)."""
        channel = self._call("conversations_open", users=member.slack)["channel"]["id"]
        self._call(
            "files_upload_v2",
            channel=channel,
            content=data,
            filename=filename,
            title=filename,
            initial_comment=comment,
        )

    def find_prompt(self, member: Member, round: Round) -> MessageRef | None:
        """Look in the member's DM for this round's prompt (by its message metadata)."""
        if round.channel:
            return self._find_in(round.channel, round, None)
        opened = self._call("conversations_open", users=member.slack)
        return self._find_in(opened["channel"]["id"], round, member.id)

    def _find_in(self, channel: str, round: Round, member_id: str | None) -> MessageRef | None:
        return self._find_by_metadata(
            channel,
            round.started_at.timestamp() - 60,
            PROMPT_EVENT,
            {"round_id": round.id, "member_id": member_id},
        )

    def _find_by_metadata(
        self, channel: str, since: float, event_type: str, payload: dict
    ) -> MessageRef | None:
        """The first message since `since` whose metadata has this event type and payload values."""
        cursor = None
        while True:
            page = self._call(
                "conversations_history",
                channel=channel,
                oldest=f"{since:.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in page.get("messages", []):
                metadata = message.get("metadata") or {}
                found = metadata.get("event_payload") or {}
                if metadata.get("event_type") == event_type and all(
                    found.get(key) == value for key, value in payload.items()
                ):
                    return slack_ref(channel, message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def post_channel_answer(
        self, channel: str, thread_ts: str, member: Member, answer_text: str
    ) -> MessageRef:
        """A channel round's answer, shown in the prompt's thread under the broker's name."""
        text = t(
            "slack.channel.answer_post",
            self.network.language,
            name=escape_mrkdwn(member.name),
            text=escape_mrkdwn(answer_text),
        )
        return self.post_text(channel, text, thread_ts=thread_ts)

    def _digest_call(self, send, *args) -> str:
        """bot.slack.digest_post turns Slack's refusals into DeliveryFailed; a lost connection too."""
        try:
            return send(self.client, *args)
        except (SlackClientError, OSError) as exc:
            logger.warning("sending a digest failed: %s", slack_error(exc))
            raise slack_failure(slack_error(exc)) from exc

    def send_digest_draft(self, member: Member, round: Round, digest: Digest) -> None:
        """The draft with its review buttons in the facilitator's DM, the full digest in its thread."""
        ts = self._digest_call(send_digest_draft_dm, member.slack, digest)
        self._digest_file(member.slack, ts, digest)

    def post_digest(self, channel: str, round: Round, digest: Digest) -> None:
        """An approved digest: the summary in the channel, the full digest in its thread."""
        ts = self._digest_call(post_digest_to_channel, channel, digest)
        self._digest_file(channel, ts, digest)

    def _digest_file(self, channel: str, ts: str, digest: Digest) -> None:
        """A digest too long for its thread: the whole of it as one HTML file in the thread
        (the thread's last message says the rest is in the file)."""
        if not thread_is_cut(digest):
            return
        if channel[:1] in ("U", "W"):  # a member: files go to the DM channel, not the user id
            channel = self._call("conversations_open", users=channel)["channel"]["id"]
        name = f"flip-digest-{digest.round_id or digest.id}.html"
        try:
            self._call(
                "files_upload_v2",
                channel=channel,
                thread_ts=ts,
                content=render_html(digest).encode("utf-8"),
                filename=name,
                title=digest.title,
            )
        except DeliveryFailed:
            # The digest itself is out; the file is extra, and the error is logged.
            logger.warning("digest %s: the HTML file did not reach the thread", digest.id)

    def find_digest_draft(self, user: str, digest_id: int, since: float) -> MessageRef | None:
        """A facilitator's DM holding the draft of this digest (by its metadata), if any."""
        channel = self._call("conversations_open", users=self._address(user))["channel"]["id"]
        return self._find_by_metadata(channel, since, DRAFT_EVENT, {"digest_id": digest_id})
