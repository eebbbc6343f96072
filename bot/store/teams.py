"""Teams conversations: where flipbot reaches a member in Teams (from an install event, or one it
created). Uses the Store's connection and lock, like the other query modules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.timeutil import iso
from bot.store.database import Store


@dataclass(frozen=True)
class TeamsConversation:
    member_id: str
    conversation_id: str
    service_url: str
    tenant_id: str | None


def remember_conversation(store: Store, conversation: TeamsConversation, at: datetime) -> None:
    """Keep (or replace) the member's 1:1 conversation with the bot."""
    with store.atomic() as db:
        db["teams_conversations"].upsert(
            {
                "member_id": conversation.member_id,
                "conversation_id": conversation.conversation_id,
                "service_url": conversation.service_url,
                "tenant_id": conversation.tenant_id,
                "installed_at": iso(at),
            },
            pk="member_id",
        )


def conversation_of(store: Store, member_id: str) -> TeamsConversation | None:
    rows = store._rows(
        "select member_id, conversation_id, service_url, tenant_id from teams_conversations "
        "where member_id = ?",
        [member_id],
    )
    return TeamsConversation(**rows[0]) if rows else None


def forget_conversation(store: Store, member_id: str) -> None:
    """The member removed the app: flipbot can no longer write there."""
    with store.atomic() as db:
        db.execute("delete from teams_conversations where member_id = ?", [member_id])
