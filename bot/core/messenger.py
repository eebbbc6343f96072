"""The Messenger protocol the core talks to, and a local in-process messenger for the demo and tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.core.models import Prompt, Round
from bot.core.network import Member
from bot.digest.model import Digest


@dataclass(frozen=True)
class MessageRef:
    """Where a message landed: a channel (or DM) id and the message timestamp."""

    channel: str
    ts: str


class DeliveryFailed(Exception):
    """The chat platform refused or could not take a message (after its own retries)."""

    def __init__(self, error: str):
        self.error = error
        super().__init__(error)


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
        if member.slack_id in self.fail_for:
            raise DeliveryFailed("user_not_found")
        ref = MessageRef(f"D{member.slack_id[1:]}", self._ts())
        self.sent.append(
            Sent("prompt", member.slack_id, round.id, {"prompt": prompt.id, "ts": ref.ts})
        )
        return ref

    def update_prompt(
        self, member: Member, round: Round, prompt: Prompt, ref: MessageRef, state: str
    ) -> None:
        self.sent.append(Sent("update", member.slack_id, round.id, {"state": state, "ts": ref.ts}))

    def send_reminder(self, member: Member, round: Round, prompt: Prompt, ref: MessageRef) -> None:
        if member.slack_id in self.fail_for:
            raise DeliveryFailed("user_not_found")
        self.sent.append(Sent("reminder", member.slack_id, round.id))

    def post_round_summary(self, round: Round, prompt: Prompt, summary: dict, channel: str) -> None:
        self.sent.append(Sent("summary", None, round.id, {"channel": channel, **summary}))

    def find_prompt(self, member: Member, round: Round) -> MessageRef | None:
        for sent in self.sent:
            if (
                sent.kind == "prompt"
                and sent.member_id == member.slack_id
                and sent.round_id == round.id
            ):
                return MessageRef(f"D{member.slack_id[1:]}", sent.detail["ts"])
        return None

    def send_digest_draft(self, member: Member, round: Round, digest: Digest) -> None:
        if member.slack_id in self.fail_for:
            raise DeliveryFailed("user_not_found")
        self.sent.append(
            Sent(
                "digest_draft",
                member.slack_id,
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

    def of_kind(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind]
