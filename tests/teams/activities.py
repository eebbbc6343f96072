"""Realistic inbound Teams activities, and the Bot Framework's signature on them.

Shapes follow what Teams sends a bot in a personal (1:1) chat: `from.aadObjectId` is the user's
Entra object id, the tenant is in both `conversation.tenantId` and `channelData.tenant.id`, and
`serviceUrl` is where replies go (here: the fake connector).
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime

import jwt

from tests.teams.fakes import BOT_ISSUER, KEY_ID

APP_ID = "00000000-0000-4000-8000-00000000f11b"
TENANT_ID = "11111111-2222-4333-8444-555555555555"
USER_AAD_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
USER_ID = "29:1broker-teams-user-id"
CONVERSATION_ID = "a:1personal-chat-with-broker"

_ids = itertools.count(1)


def sign_activity(
    activity: dict,
    *,
    key,
    app_id: str = APP_ID,
    service_url: str | None = None,
    iss: str = BOT_ISSUER,
    aud: str | None = None,
    exp_in: int = 300,
    kid: str = KEY_ID,
) -> str:
    """The `Authorization` header value the Bot Framework would send with activity."""
    now = int(time.time())
    claims = {
        "iss": iss,
        "aud": aud or app_id,
        "nbf": now - 5,
        "iat": now - 5,
        "exp": now + exp_in,
        "serviceurl": service_url if service_url is not None else activity["serviceUrl"],
    }
    return "Bearer " + jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _base(
    kind: str,
    *,
    service_url: str,
    app_id: str = APP_ID,
    tenant_id: str = TENANT_ID,
    user_aad_id: str = USER_AAD_ID,
    user_id: str = USER_ID,
    conversation_id: str = CONVERSATION_ID,
    locale: str = "da-DK",
) -> dict:
    return {
        "type": kind,
        "id": f"1{next(_ids):012d}",
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "localTimestamp": datetime.now(UTC).isoformat(),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": user_id, "name": "Mette Broker", "aadObjectId": user_aad_id},
        "recipient": {"id": f"28:{app_id}", "name": "flipbot"},
        "conversation": {
            "id": conversation_id,
            "conversationType": "personal",
            "tenantId": tenant_id,
        },
        "channelData": {"tenant": {"id": tenant_id}},
        "locale": locale,
    }


def message_activity(text: str, *, service_url: str, **who) -> dict:
    """A message a broker typed in the 1:1 chat with the bot."""
    activity = _base("message", service_url=service_url, **who)
    activity.update({"text": text, "textFormat": "plain", "attachments": []})
    return activity


def card_action_activity(verb: str, data: dict, *, service_url: str, **who) -> dict:
    """An Adaptive Card Action.Execute click (`adaptiveCard/action` invoke)."""
    activity = _base("invoke", service_url=service_url, **who)
    activity.update(
        {
            "name": "adaptiveCard/action",
            "replyToId": f"1{next(_ids):012d}",
            "value": {
                "action": {"type": "Action.Execute", "verb": verb, "data": data},
                "trigger": "manual",
            },
        }
    )
    return activity


def task_fetch_activity(data: dict, *, service_url: str, **who) -> dict:
    """Opening a dialog from an Action.Submit with `msteams.type = task/fetch`."""
    activity = _base("invoke", service_url=service_url, **who)
    activity.update(
        {
            "name": "task/fetch",
            "value": {"type": "task/fetch", "data": data, "context": {"theme": "default"}},
        }
    )
    return activity


def task_submit_activity(data: dict, *, service_url: str, **who) -> dict:
    """Submitting a dialog's inputs."""
    activity = _base("invoke", service_url=service_url, **who)
    activity.update(
        {
            "name": "task/submit",
            "value": {"type": "task/submit", "data": data, "context": {"theme": "default"}},
        }
    )
    return activity


def installation_update_activity(action: str = "add", *, service_url: str, **who) -> dict:
    """The app was installed for (action='add') or removed by ('remove') the user."""
    activity = _base("installationUpdate", service_url=service_url, **who)
    activity["action"] = action
    return activity
