"""Kollegial sparring's part of the Messenger protocol over Teams (mixed into TeamsMessenger):
the facilitators' draft card, the owner's case message, each answer as a card with *Tak*, and
the digest at close. Teams has no threads in a 1:1 chat, so "in the case's thread" means the
owner's 1:1 chat with the bot, where the case's first message is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.i18n import t
from bot.core.models import MessageRef, Prompt, SparringCase
from bot.core.network import Member
from bot.core.sparring_words import attribution, digest_intro
from bot.digest.model import Digest
from bot.teams import cards_digest, cards_sparring
from bot.teams.sdk import MessageActivityInput

if TYPE_CHECKING:
    from bot.teams.messenger import TeamsMessenger


class SparringCards:
    """The sparring methods of TeamsMessenger (self is the TeamsMessenger)."""

    def send_sparring_draft(
        self: TeamsMessenger, member: Member, case: SparringCase, prompt: Prompt
    ) -> None:
        names = {m.id: m.name for m in self.network.municipalities}
        lang = self._language(member)
        who = attribution(self.network, case.owner_id, case.show_name, lang)
        card = cards_sparring.build_draft_card(case, who, names, lang)
        self._to_member(member, card, "sparring draft")

    def start_sparring_thread(
        self: TeamsMessenger, member: Member, case: SparringCase, text: str
    ) -> MessageRef:
        return self._to_member(member, MessageActivityInput(text=text), "sparring thread")

    def send_sparring_answer(
        self: TeamsMessenger,
        member: Member,
        case: SparringCase,
        ref: MessageRef | None,
        attribution: str,
        text: str,
        answerer_id: str,
    ) -> MessageRef:
        card = cards_sparring.build_owner_answer(
            case.id, attribution, text, answerer_id, self._language(member)
        )
        return self._to_member(member, card, "sparring answer")

    def send_sparring_digest(
        self: TeamsMessenger,
        member: Member,
        case: SparringCase,
        ref: MessageRef | None,
        digest: Digest,
    ) -> None:
        lang = self._language(member)
        owner = member.id == case.owner_id
        intro = digest_intro(case, member.id, lang)
        if not digest.answers_used:
            text = f"{intro}\n\n{t('sparring.digest.empty', lang)}"
            self._to_member(member, MessageActivityInput(text=text), "sparring digest")
            return
        self._to_member(
            member, cards_digest.build_digest_reviewed_card(digest, intro), "sparring digest"
        )
        for piece in cards_digest.build_digest_thread_text(digest):
            activity = MessageActivityInput(text=piece, text_format="markdown")
            self._to_member(member, activity, "sparring digest text")
        library = cards_sparring.build_library_card(case.id, lang, owner=owner)
        self._to_member(member, library, "sparring library")
