"""Every /flip subcommand and every button, as every role: allowed or politely refused exactly as
bot.core.access.POLICY says, and a refusal changes nothing (no database change, nothing sent to anyone
but the member who was refused)."""

from __future__ import annotations

import sqlite3

import pytest
import yaml

from bot.core.access import POLICY
from bot.core.command import SUBCOMMANDS
from bot.core.i18n import t
from bot.core.network import load_network
from bot.core.services import EXAMPLE_NETWORK
from bot.slack import blocks, blocks_privacy, digest_blocks
from bot.slack.app import build_slack, wsgi_app
from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import slack_settings
from tests.slack.harness import AppServer

# One member per role; the admin holds no other role, so admin rights are tested on their own.
ROLES = {
    "broker": "U0SILK001",
    "facilitator": "U0FACI002",
    "researcher": "U0RESE002",
    "admin": "U0ADMIN01",
    "stranger": "U0STRANGR",
}

# subcommand -> (the text sent, the POLICY action that guards it; None: anyone)
COMMANDS = {
    "help": ("help", None),
    "start": ("start samtale-02 silkeborg", "start_round"),
    "status": ("status", "status"),
    "remind": ("remind 1", "remind"),
    "close": ("close 1", "close_round"),
    "reopen": ("reopen 1", "reopen_round"),
    "digest": ("digest 1", "digest"),
    "prompts": ("prompts", "list_prompts"),
    "pause": ("pause 2w", "pause"),
    "resume": ("resume", "pause"),
    "samtykke": ("samtykke nej", "consent"),
    "slet-mig": ("slet-mig", "erase_self"),
    "export": ("export csv", "export"),
}

# action_id -> (where the button sits, the POLICY action that guards it)
BUTTONS = {
    blocks.ANSWER: ("prompt", "answer"),
    blocks.EDIT: ("prompt", "answer"),
    blocks.SKIP: ("prompt", "answer"),
    blocks.SNOOZE: ("prompt", "answer"),
    blocks.HOME_REMIND: ("home", "remind"),
    blocks.HOME_CLOSE: ("home", "close_round"),
    blocks.HOME_START: ("home", "start_round"),
    blocks_privacy.ERASE_CONFIRM: ("ephemeral", "erase_self"),
    blocks_privacy.ERASE_CANCEL: ("ephemeral", "erase_self"),
    digest_blocks.ACTION_APPROVE: ("prompt", "review_digest"),
    digest_blocks.ACTION_REBUILD: ("prompt", "review_digest"),
    digest_blocks.ACTION_REJECT: ("prompt", "review_digest"),
}


def may(role: str, action: str | None) -> bool:
    return action is None or role in POLICY[action]


@pytest.fixture(scope="module")
def admin_network(tmp_path_factory):
    data = yaml.safe_load(EXAMPLE_NETWORK.read_text(encoding="utf-8"))
    data["members"].append(
        {
            "slack_id": ROLES["admin"],
            "name": "Anne Admin",
            "municipality": "viborg",
            "roles": ["admin"],
        }
    )
    path = tmp_path_factory.mktemp("network") / "network.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_network(path)


@pytest.fixture
def flip(fake, clock, tmp_path, admin_network, library):
    """flipbot with one open round for Silkeborg (its DMs sent), ready to be poked."""
    settings = slack_settings(fake, tmp_path)
    app, services = build_slack(settings, clock=clock, network=admin_network, library=library)
    with AppServer(wsgi_app(app)) as server:
        server.response_url = fake.response_url
        server.command("U0FACI001", "start samtale-01 silkeborg")
        assert wait_idle()
        assert services.store.deliveries(1)
        yield server, services, fake, settings.flipbot_db
        assert wait_idle(), "after-ack work did not finish"


def snapshot(path: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return list(db.iterdump())


def refusal(services, user: str) -> str:
    return t("error.access_denied", services.network.language_of(user))


def assert_refused_quietly(fake, before: int, user: str, refused: str) -> None:
    """Only the refused member hears anything, and only the refusal."""
    new = fake.calls[before:]
    assert new, "the member was not told why nothing happened"
    for call in new:
        assert call.method in ("chat.postEphemeral", "chat.postMessage", "response"), call
        assert call.args.get("text") == refused, call
        if call.method != "response":
            assert user in (call.args.get("user"), call.args.get("channel")), call


def test_the_matrix_covers_every_subcommand():
    assert set(COMMANDS) == set(SUBCOMMANDS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_as_every_role(flip, role, name):
    server, services, fake, db_path = flip
    user = ROLES[role]
    text, action = COMMANDS[name]
    refused = refusal(services, user)
    before_db, before_calls = snapshot(db_path), len(fake.calls)
    reply = server.command(user, text)
    assert reply.status == 200, reply.body
    said = reply.json().get("text", "")
    assert wait_idle()
    if may(role, action):
        assert said not in (refused, t("slack.error.generic", services.network.language_of(user)))
    else:
        assert said == refused
        assert reply.json()["response_type"] == "ephemeral"
        assert snapshot(db_path) == before_db
        assert fake.calls[before_calls:] == []


def click_payload(fake, services, user: str, action_id: str, where: str) -> dict:
    if where == "prompt":
        delivery = services.store.delivery(1, user)
        channel = delivery.ref.conversation if delivery else "D" + user[1:]
        ts = delivery.ref.message if delivery else "1800000000.999999"
        container = {"type": "message", "channel_id": channel, "message_ts": ts}
    elif where == "home":
        container = {"type": "view", "view_id": "V0HOME"}
    else:
        container = {"type": "message", "message_ts": "1800000000.999998", "is_ephemeral": True}
    payload = {
        "type": "block_actions",
        "team": {"id": "T0FLIP"},
        "user": {"id": user},
        "api_app_id": "A0FLIP",
        "trigger_id": f"trigger-{user}",
        "container": container,
        "actions": [{"action_id": action_id, "block_id": "b", "value": "1", "type": "button"}],
    }
    if where == "ephemeral":
        payload["response_url"] = fake.response_url
    return payload


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action_id", BUTTONS)
def test_every_button_as_every_role(flip, role, action_id):
    server, services, fake, db_path = flip
    user = ROLES[role]
    where, action = BUTTONS[action_id]
    refused = refusal(services, user)
    before_db, before_calls = snapshot(db_path), len(fake.calls)
    reply = server.interaction(click_payload(fake, services, user, action_id, where))
    assert reply.status == 200, reply.body
    assert wait_idle()
    told = [c.args.get("text") for c in fake.calls[before_calls:]]
    if may(role, action):
        assert refused not in told
        assert t("slack.error.generic", services.network.language_of(user)) not in told
    else:
        assert snapshot(db_path) == before_db
        assert_refused_quietly(fake, before_calls, user, refused)
