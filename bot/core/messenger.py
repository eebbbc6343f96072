"""The Messenger protocol the core talks to, and a local in-process messenger for the demo and tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.core.models import MessageRef, Prompt, Round, SparringCase
from bot.core.network import Member, Network, channel_platform
from bot.digest.model import Digest

# Why a message did not reach its member or channel, in words that mean the same on every platform.
REASONS = frozenset(
    {
        "not_installed",  # the app is not installed for the member, or not in the channel
        "blocked",  # the member blocked the bot, or the conversation is closed to it
        "rate_limited",  # the platform still said "slow down" after our retries
        "not_found",  # no such member, channel or message on the platform
        "no_permission",  # the bot lacks a scope or a permission for this
        "transient",  # the platform or the connection failed; trying again later may work
        "rejected",  # the platform refused the message for another reason (see the detail)
    }
)


class DeliveryFailed(Exception):
    """The chat platform refused or could not take a message (after its own retries): a neutral
    `reason` and the platform's own error text (`detail`) for the log and /flip status."""

    def __init__(self, reason: str, detail: str = ""):
        if reason not in REASONS:
            raise ValueError(f"not a delivery failure reason: {reason!r}")
        self.reason = reason
        self.detail = detail
        super().__init__(self.error)

    @property
    def error(self) -> str:
        """What is stored with a failed delivery and shown in status: `reason: detail`."""
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


class Messenger(Protocol):
    """What the core needs from a chat platform. Implementations raise DeliveryFailed."""

    def send_prompt(self, member: Member, round: Round, prompt: Prompt) -> MessageRef:
        """Send a prompt to a member (a DM) and return where it landed."""

    def update_prompt(
        self, member: Member, round: Round, prompt: Prompt, ref: MessageRef, state: str
    ) -> None:
        """Show a sent prompt's new state in place: answered, skipped, snoozed or closed."""

    def send_reminder(self, member: Member, round: Round, prompt: Prompt, ref: MessageRef) -> None:
        """Remind a member who has neither answered nor skipped."""

    def post_round_summary(self, round: Round, prompt: Prompt, summary: dict, channel: str) -> None:
        """Post what came of a closed round (participation, later the digest) to a channel."""

    def find_prompt(self, member: Member, round: Round) -> MessageRef | None:
        """Where this round's prompt landed for this member, if it was sent (after a crash
        mid fan-out a delivery may be recorded 'sending' though the DM went out)."""

    def send_digest_draft(self, member: Member, round: Round, digest: Digest) -> None:
        """DM a facilitator the draft digest (digest.id set) with share / rebuild / do-not-share."""

    def post_digest(self, channel: str, round: Round, digest: Digest) -> None:
        """Post an approved digest: the summary in the channel message, the full digest in its thread."""

    def send_notice(self, member: Member, text: str) -> None:
        """A short plain message to a member (a confirmation, a refusal, what was removed)."""

    def send_file(self, member: Member, data: bytes, filename: str, comment: str) -> None:
        """A file to a member (a research export), with a line of text."""

    def delete_message(self, ref: MessageRef) -> None:
        """Delete one of the bot's own messages (an erased member's answer shown in a thread)."""

    def send_consent_request(self, member: Member, text_version: str) -> None:
        """DM the member the consent request (consent.request in their language) with Ja / Nej
        buttons that carry `text_version` back (see bot/core/consent.py)."""

    # -- kollegial sparring (bot.core.sparring) ----------------------------------------------

    def send_sparring_draft(self, member: Member, case: SparringCase, prompt: Prompt) -> None:
        """DM a facilitator a confirmed case with send / edit / reject."""

    def start_sparring_thread(self, member: Member, case: SparringCase, text: str) -> MessageRef:
        """DM a case's owner the message under which the case's answers will arrive."""

    def send_sparring_answer(
        self,
        member: Member,
        case: SparringCase,
        ref: MessageRef | None,
        attribution: str,
        text: str,
        answerer_id: str,
    ) -> MessageRef:
        """An answer to the owner, in the case's thread (ref), shown as `attribution`, with a
        thank-you button for `answerer_id`."""

    def send_sparring_digest(
        self, member: Member, case: SparringCase, ref: MessageRef | None, digest: Digest
    ) -> None:
        """The digest of a closed case, to its owner (in its thread) or to a facilitator."""


@dataclass
class Sent:
    kind: str
    member_id: str | None
    round_id: int
    detail: dict = field(default_factory=dict)


class LocalMessenger:
    """Keeps every message in memory: the offline demo and the core's tests use it."""

    def __init__(self, fail_for: set[str] | None = None):
        self.sent: list[Sent] = []
        self.fail_for = set(fail_for or ())
        self._counter = 0

    def _ts(self) -> str:
        self._counter += 1
        return f"{1700000000 + self._counter}.000100"

    def send_prompt(self, member: Member, round: Round, prompt: Prompt) -> MessageRef:
        if member.id in self.fail_for:
            raise DeliveryFailed("not_found", "user_not_found")
        ref = MessageRef("local", f"dm-{member.id}", self._ts())
        self.sent.append(
            Sent("prompt", member.id, round.id, {"prompt": prompt.id, "ts": ref.message})
        )
        return ref

    def update_prompt(
        self, member: Member, round: Round, prompt: Prompt, ref: MessageRef, state: str
    ) -> None:
        self.sent.append(Sent("update", member.id, round.id, {"state": state, "ts": ref.message}))

    def send_reminder(self, member: Member, round: Round, prompt: Prompt, ref: MessageRef) -> None:
        if member.id in self.fail_for:
            raise DeliveryFailed("not_found", "user_not_found")
        self.sent.append(Sent("reminder", member.id, round.id))

    def post_round_summary(self, round: Round, prompt: Prompt, summary: dict, channel: str) -> None:
        self.sent.append(Sent("summary", None, round.id, {"channel": channel, **summary}))

    def find_prompt(self, member: Member, round: Round) -> MessageRef | None:
        for sent in self.sent:
            if sent.kind == "prompt" and sent.member_id == member.id and sent.round_id == round.id:
                return MessageRef("local", f"dm-{member.id}", sent.detail["ts"])
        return None

    def send_digest_draft(self, member: Member, round: Round, digest: Digest) -> None:
        if member.id in self.fail_for:
            raise DeliveryFailed("not_found", "user_not_found")
        self.sent.append(
            Sent(
                "digest_draft",
                member.id,
                round.id,
                {"digest_id": digest.id, "digest": digest},
            )
        )

    def post_digest(self, channel: str, round: Round, digest: Digest) -> None:
        self.sent.append(
            Sent(
                "digest",
                None,
                round.id,
                {"channel": channel, "digest_id": digest.id, "digest": digest},
            )
        )

    def send_notice(self, member: Member, text: str) -> None:
        self.sent.append(Sent("notice", member.id, 0, {"text": text}))

    def send_file(self, member: Member, data: bytes, filename: str, comment: str) -> None:
        self.sent.append(Sent("file", member.id, 0, {"filename": filename, "size": len(data)}))

    def delete_message(self, ref: MessageRef) -> None:
        self.sent.append(Sent("delete", None, 0, {"ref": ref}))

    def send_consent_request(self, member: Member, text_version: str) -> None:
        if member.id in self.fail_for:
            raise DeliveryFailed("not_found", "user_not_found")
        self.sent.append(Sent("consent_request", member.id, 0, {"version": text_version}))

    def send_sparring_draft(self, member: Member, case: SparringCase, prompt: Prompt) -> None:
        if member.id in self.fail_for:
            raise DeliveryFailed("not_found", "user_not_found")
        self.sent.append(Sent("sparring_draft", member.id, 0, {"case_id": case.id}))

    def start_sparring_thread(self, member: Member, case: SparringCase, text: str) -> MessageRef:
        ref = MessageRef("local", f"dm-{member.id}", self._ts())
        self.sent.append(
            Sent("sparring_thread", member.id, 0, {"case_id": case.id, "text": text, "ref": ref})
        )
        return ref

    def send_sparring_answer(
        self,
        member: Member,
        case: SparringCase,
        ref: MessageRef | None,
        attribution: str,
        text: str,
        answerer_id: str,
    ) -> MessageRef:
        if member.id in self.fail_for:
            raise DeliveryFailed("not_found", "user_not_found")
        sent = MessageRef("local", f"dm-{member.id}", self._ts())
        detail = {
            "case_id": case.id,
            "attribution": attribution,
            "text": text,
            "answerer": answerer_id,
            "thread": ref,
            "ref": sent,
        }
        self.sent.append(Sent("sparring_answer", member.id, case.round_id or 0, detail))
        return sent

    def send_sparring_digest(
        self, member: Member, case: SparringCase, ref: MessageRef | None, digest: Digest
    ) -> None:
        self.sent.append(
            Sent(
                "sparring_digest",
                member.id,
                case.round_id or 0,
                {"case_id": case.id, "digest": digest, "thread": ref},
            )
        )

    def of_kind(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind]


class PlatformMessengers:
    """One Messenger per chat platform behind the one protocol, so a network may mix platforms:
    a member is reached on the first of their platforms this process serves, a sent message is
    changed on the platform it was sent on, a channel on the platform its id belongs to."""

    def __init__(self, network: Network, by_platform: dict[str, Messenger]):
        self.network = network
        self.by_platform = dict(by_platform)
        # Set by build_services: asks a member for consent before their first prompt.
        self.consent_requests: ConsentGate | None = None

    def on(self, platform: str) -> Messenger:
        """The messenger of one platform (an edge asks for its own)."""
        return self.by_platform[platform]

    def _member(self, member: Member) -> Messenger:
        for platform in member.platforms:
            if platform in self.by_platform:
                return self.by_platform[platform]
        served = ", ".join(sorted(self.by_platform)) or "none"
        raise DeliveryFailed(
            "not_installed",
            f"{member.id} is on {'/'.join(member.platforms)}; this process serves {served}",
        )

    def _ref(self, ref: MessageRef) -> Messenger:
        return self.by_platform.get(ref.platform) or self._missing(ref.platform)

    def _channel(self, channel: str) -> Messenger:
        return self.by_platform.get(channel_platform(channel)) or self._missing(
            channel_platform(channel)
        )

    def _round(self, round: Round, member: Member) -> Messenger:
        return self._channel(round.channel) if round.channel else self._member(member)

    @staticmethod
    def _missing(platform: str) -> Messenger:
        raise DeliveryFailed("not_installed", f"this process does not serve {platform}")

    def send_prompt(self, member: Member, round: Round, prompt: Prompt) -> MessageRef:
        if self.consent_requests is not None:
            # Always by DM; a channel round's post does not wait for it.
            try:
                dm = self._member(member)
            except DeliveryFailed:
                if not round.channel:
                    raise
            else:
                self.consent_requests.before_prompt(member, dm, required=not round.channel)
        return self._round(round, member).send_prompt(member, round, prompt)

    def update_prompt(
        self, member: Member, round: Round, prompt: Prompt, ref: MessageRef, state: str
    ) -> None:
        self._ref(ref).update_prompt(member, round, prompt, ref, state)

    def send_reminder(self, member: Member, round: Round, prompt: Prompt, ref: MessageRef) -> None:
        self._ref(ref).send_reminder(member, round, prompt, ref)

    def post_round_summary(self, round: Round, prompt: Prompt, summary: dict, channel: str) -> None:
        self._channel(channel).post_round_summary(round, prompt, summary, channel)

    def find_prompt(self, member: Member, round: Round) -> MessageRef | None:
        return self._round(round, member).find_prompt(member, round)

    def send_digest_draft(self, member: Member, round: Round, digest: Digest) -> None:
        self._member(member).send_digest_draft(member, round, digest)

    def post_digest(self, channel: str, round: Round, digest: Digest) -> None:
        self._channel(channel).post_digest(channel, round, digest)

    def send_notice(self, member: Member, text: str) -> None:
        self._member(member).send_notice(member, text)

    def send_file(self, member: Member, data: bytes, filename: str, comment: str) -> None:
        self._member(member).send_file(member, data, filename, comment)

    def delete_message(self, ref: MessageRef) -> None:
        self._ref(ref).delete_message(ref)

    def send_consent_request(self, member: Member, text_version: str) -> None:
        self._member(member).send_consent_request(member, text_version)

    def send_sparring_draft(self, member: Member, case: SparringCase, prompt: Prompt) -> None:
        self._member(member).send_sparring_draft(member, case, prompt)

    def start_sparring_thread(self, member: Member, case: SparringCase, text: str) -> MessageRef:
        return self._member(member).start_sparring_thread(member, case, text)

    def send_sparring_answer(
        self,
        member: Member,
        case: SparringCase,
        ref: MessageRef | None,
        attribution: str,
        text: str,
        answerer_id: str,
    ) -> MessageRef:
        target = self._ref(ref) if ref is not None else self._member(member)
        return target.send_sparring_answer(member, case, ref, attribution, text, answerer_id)

    def send_sparring_digest(
        self, member: Member, case: SparringCase, ref: MessageRef | None, digest: Digest
    ) -> None:
        target = self._ref(ref) if ref is not None else self._member(member)
        target.send_sparring_digest(member, case, ref, digest)


class ConsentGate(Protocol):
    """What PlatformMessengers asks before a prompt (bot.core.consent.ConsentRequests)."""

    def before_prompt(self, member: Member, messenger: Messenger, *, required: bool) -> None: ...
