"""A data subject access export (GDPR Art. 15): everything flipbot holds about one member, as
one JSON document: who they are in the network, their answers with the rounds and prompts they
answered (and earlier versions), their deliveries, the consent log under their pseudonyms, where
the bot showed their answers, and the audit entries that name them. Times are exact: it is their
own data."""

from __future__ import annotations

import json
from datetime import datetime

import bot
from bot.core.network import Network
from bot.core.timeutil import iso, utcnow
from bot.export.keys import project_key, pseudonym, round_pseudonym
from bot.prompts import Library
from bot.store.database import Store
from bot.store.exports import consent_log
from bot.store.privacy import answer_posts, deliveries_of

SCHEMA_VERSION = "1.0"
MEMBER_FIELDS = (
    "id",
    "name",
    "municipality",
    "roles",
    "language",
    "active",
    "research_consent",
    "consent_source",
    "consent_changed_at",
    "paused_until",
)


class NoSuchMember(LookupError):
    """No member with that id (or only an erased one: nothing of theirs is left to give)."""


def member_access(
    store: Store, network: Network, library: Library, member_id: str, now: datetime | None = None
) -> dict:
    """Everything stored about member_id, JSON-ready; raises NoSuchMember."""
    member = store.member(member_id)
    if member is None or member.get("erased_at"):
        raise NoSuchMember(member_id)
    key = project_key(store)
    answers = []
    rounds = set()
    for response in sorted(store.member_responses(member_id), key=lambda r: r.id):
        rounds.add(response.round_id)
        round = store.round(response.round_id)
        prompt = library.get(round.prompt_id) if round else None
        shown = prompt.text(member.get("language") or network.language) if prompt else None
        answers.append(
            {
                "round": response.round_id,
                "prompt_id": round.prompt_id if round else None,
                "prompt_title": shown.title if shown else None,
                "prompt_body": shown.body if shown else None,
                "questions": {q.id: q.label for q in shown.questions} if shown else {},
                "answers": response.answers,
                "quotable": response.quotable,
                "source": response.source,
                "answered_at": iso(response.created_at),
                "updated_at": iso(response.updated_at),
                "earlier_versions": [
                    {"answers": h["answers"], "replaced_at": h["replaced_at"]}
                    for h in store.response_history(response.id)
                ],
            }
        )
    deliveries = deliveries_of(store, member_id)
    names = {pseudonym(key, member_id)}
    names |= {
        round_pseudonym(key, r, member_id) for r in rounds | {d["round_id"] for d in deliveries}
    }
    audit = [
        {**entry, "at": iso(entry["at"])}
        for entry in store.audit_entries()
        if member_id in (entry["actor"], entry["subject"])
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "flipbot_version": bot.__version__,
        "made_at": iso(now or utcnow()),
        "member": {
            **{k: member.get(k) for k in MEMBER_FIELDS},
            "active": bool(member.get("active")),
            "research_consent": bool(member.get("research_consent")),
        },
        "export_pseudonym": pseudonym(key, member_id),
        "answers": answers,
        "deliveries": deliveries,
        "consent_log": [e for e in consent_log(store) if e["pseudonym"] in names],
        "answer_posts": [
            {"platform": p.platform, "conversation": p.conversation, "message": p.message}
            for p in answer_posts(store, member_id)
        ],
        "audit": [{k: v for k, v in e.items() if k != "id"} for e in audit],
    }


def member_access_json(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")
