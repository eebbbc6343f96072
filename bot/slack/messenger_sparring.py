"""Kollegial sparring's part of the Messenger protocol over Slack (mixed into SlackMessenger):
the facilitators' draft, the owner's case thread, each answer in it, and the digest at close."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.i18n import t
from bot.core.models import MessageRef, Prompt, SparringCase
from bot.core.network import Member
from bot.core.sparring_words import attribution, digest_intro
from bot.core.text import escape_mrkdwn
from bot.digest.model import Digest
from bot.slack import blocks_sparring as sparring
from bot.slack.digest_blocks import build_digest_private
from bot.slack.errors import slack_ref

if TYPE_CHECKING:
    from bot.slack.messenger import SlackMessenger


class SparringMessages:
    """The sparring methods of SlackMessenger (self is the SlackMessenger)."""

    def send_sparring_draft(
        self: SlackMessenger, member: Member, case: SparringCase, prompt: Prompt
    ) -> None:
        lang = self._language(member)
        names = {m.id: m.name for m in self.network.municipalities}
        who = attribution(self.network, case.owner_id, case.show_name, lang)
        text, message = sparring.build_draft_message(case, who, names, lang)
        self.post_message(member.slack or "", text, message)

    def start_sparring_thread(
        self: SlackMessenger, member: Member, case: SparringCase, text: str
    ) -> MessageRef:
        return self.post_text(member.slack or "", escape_mrkdwn(text))

    def send_sparring_answer(
        self: SlackMessenger,
        member: Member,
        case: SparringCase,
        ref: MessageRef | None,
        attribution: str,
        text: str,
        answerer_id: str,
    ) -> MessageRef:
        lang = self._language(member)
        fallback, message = sparring.build_owner_answer(
            case.id, attribution, text, answerer_id, lang
        )
        data = self._call(
            "chat_postMessage",
            channel=ref.conversation if ref else member.slack,
            thread_ts=ref.message if ref else None,
            text=fallback,
            blocks=[b.to_dict() for b in message],
            unfurl_links=False,
        )
        return slack_ref(data["channel"], data["ts"])

    def send_sparring_digest(
        self: SlackMessenger,
        member: Member,
        case: SparringCase,
        ref: MessageRef | None,
        digest: Digest,
    ) -> None:
        lang = self._language(member)
        owner = member.id == case.owner_id
        intro = digest_intro(case, member.id, lang)
        channel = ref.conversation if ref else (member.slack or "")
        thread = ref.message if ref else None
        if not digest.answers_used:
            self.post_text(
                channel, f"{escape_mrkdwn(intro)}\n{t('sparring.digest.empty', lang)}", thread
            )
            return
        library = sparring.build_library_button(case.id, lang, owner=owner)
        for message in [*build_digest_private(digest, intro), library]:
            self._call(
                "chat_postMessage",
                channel=channel,
                thread_ts=thread,
                text=intro,
                blocks=[b.to_dict() for b in message],
                unfurl_links=False,
            )
