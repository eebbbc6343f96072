"""The scenario of the Teams round tests: a mixed network (Teams and Slack members), the client
that sends signed activities into the running app, and readers of what reached the fake connector.
The fixtures serving it (`slack`, `mixed`) are in conftest.py."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.slack.harness import AppServer
from tests.teams.activities import (
    card_action_activity,
    message_activity,
    sign_activity,
)

TENANT = "11111111-2222-4333-8444-555555555555"  # the municipality's tenant (and the bot's)
OTHER_TENANT = "99999999-2222-4333-8444-555555555555"
FACILITATOR = "aaaaaaaa-0000-4000-8000-00000000fac1"
BROKERS = [f"aaaaaaaa-0000-4000-8000-0000000000b{i}" for i in range(1, 4)]
DIGESTS = "19:digests0channel@thread.tacv2"
ROUNDS = "19:rounds0channel@thread.tacv2"  # a programme's channel rounds
SLACK_BROKERS = ["U0SILK001", "U0SILK002"]
RESEARCHER = "aaaaaaaa-0000-4000-8000-0000000000e1"

NETWORK = f"""\
name: Testnetværk
channels:
  digests: "{DIGESTS}"
municipalities:
  - id: herning
    name: Herning Kommune
    teams_tenant: {TENANT}
  - id: silkeborg
    name: Silkeborg Kommune
members:
  - teams: {FACILITATOR}
    name: Frida Facilitator
    municipality: herning
    roles: [facilitator]
  - teams: {RESEARCHER}
    name: Rikke Researcher
    municipality: herning
    roles: [researcher]
{
    "".join(
        f'''  - teams: {b}
    name: Broker {i}
    municipality: herning
    roles: [broker]
'''
        for i, b in enumerate(BROKERS, 1)
    )
}{
    "".join(
        f'''  - slack_id: {s}
    name: Slack {i}
    municipality: silkeborg
    roles: [broker]
'''
        for i, s in enumerate(SLACK_BROKERS, 1)
    )
}programmes:
  - id: kanalrunde
    theme: samtale
    schedule: "0 9 * * mon"
    start: 2030-01-06
    channel: "{ROUNDS}"
"""


class Teams:
    """Sends signed activities into the running app as Teams would."""

    def __init__(self, server: AppServer, key, connector, idle):
        self.server, self.key, self.connector, self.idle = server, key, connector, idle

    def post(self, activity: dict, *, key=None, **claims) -> tuple[int, dict | None]:
        header = sign_activity(activity, key=key or self.key, **claims)
        request = urllib.request.Request(
            self.server.url + "/api/messages",
            data=json.dumps(activity).encode(),
            headers={"Content-Type": "application/json", "Authorization": header},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        # The SDK answers a message at once and handles it after: wait for that, and for the
        # work it started (a fan-out), so each step sees what the last one did.
        assert self.idle()
        return status, (json.loads(body) if body else None)

    def who(self, aad: str, conversation: str | None = None) -> dict:
        return {
            "user_aad_id": aad,
            "user_id": f"29:{aad}",
            "conversation_id": conversation or f"a:chat-{aad}",
            "tenant_id": TENANT,
        }

    def say(self, aad: str, text: str, conversation=None, **extra) -> tuple[int, dict | None]:
        who = self.who(aad, conversation)
        activity = message_activity(text, service_url=self.connector.url, **who)
        activity.update(extra)
        return self.post(activity)

    def click(self, aad: str, verb: str, **data) -> tuple[int, dict | None]:
        payload = {"action": verb, "verb": verb, **data}
        return self.post(
            card_action_activity(verb, payload, service_url=self.connector.url, **self.who(aad))
        )


def cards_to(connector, conversation: str) -> list[dict]:
    """The Adaptive Cards the bot posted to a conversation."""
    found = []
    for call in connector.sent(conversation):
        for attachment in (call.json or {}).get("attachments") or []:
            found.append(attachment["content"])
    return found


def card_text(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)
