"""Every /flip subcommand, every button and every modal submission, as every role: allowed or
politely refused exactly as the tables below say (written out by hand, not read from
bot.core.access.POLICY, so a change of the policy must change them too), and a refusal changes
nothing (no database change, nothing sent to anyone but the member who was refused)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
import yaml

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

EVERYONE = frozenset({"broker", "facilitator", "researcher", "admin"})
FACILITATORS = frozenset({"facilitator", "admin"})
BROKERS = frozenset({"broker"})

# subcommand -> (the text sent, the roles that may use it; the stranger never may, except help)
COMMANDS = {
    "help": ("help", EVERYONE | {"stranger"}),
    "hjem": ("hjem", EVERYONE | {"stranger"}),
    "start": ("start samtale-02 silkeborg", FACILITATORS),
    "status": ("status", FACILITATORS),
    "remind": ("remind 1", FACILITATORS),
    "close": ("close 1", FACILITATORS),
    "reopen": ("reopen 1", FACILITATORS),
    "digest": ("digest 1", frozenset({"facilitator", "researcher", "admin"})),
    "prompts": ("prompts", EVERYONE),
    "pause": ("pause 2w", BROKERS),
    "resume": ("resume", BROKERS),
    "samtykke": ("samtykke nej", EVERYONE),
    "slet-mig": ("slet-mig", EVERYONE),
    "export": ("export csv", frozenset({"researcher", "admin"})),
    "sparring": ("sparring", BROKERS),
}

# action_id -> (where the button sits, the roles that may click it)
BUTTONS = {
    blocks.ANSWER: ("prompt", BROKERS),
    blocks.EDIT: ("prompt", BROKERS),
    blocks.SKIP: ("prompt", BROKERS),
    blocks.SNOOZE: ("prompt", BROKERS),
    blocks.HOME_REMIND: ("home", FACILITATORS),
    blocks.HOME_CLOSE: ("home", FACILITATORS),
    blocks.HOME_START: ("home", FACILITATORS),
    blocks_privacy.ERASE_CONFIRM: ("ephemeral", EVERYONE),
    blocks_privacy.ERASE_CANCEL: ("ephemeral", EVERYONE),
    digest_blocks.ACTION_APPROVE: ("prompt", FACILITATORS),
    digest_blocks.ACTION_REBUILD: ("prompt", FACILITATORS),
    digest_blocks.ACTION_REJECT: ("prompt", FACILITATORS),
}

# callback_id -> the roles that may submit the modal
SUBMISSIONS = {
    blocks.START_MODAL: FACILITATORS,
    blocks.ANSWER_MODAL: BROKERS,
}


def may(role: str, allowed: frozenset[str]) -> bool:
    return role in allowed


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


def test_the_matrix_covers_every_modal_flipbot_registers(flip):
    server, services, fake, db_path = flip
    callbacks = {value for name, value in vars(blocks).items() if name.endswith("_MODAL") and value}
    assert callbacks == set(SUBMISSIONS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_as_every_role(flip, role, name):
    server, services, fake, db_path = flip
    user = ROLES[role]
    text, roles = COMMANDS[name]
    refused = refusal(services, user)
    before_db, before_calls = snapshot(db_path), len(fake.calls)
    reply = server.command(user, text)
    assert reply.status == 200, reply.body
    said = reply.json().get("text", "")
    assert wait_idle()
    if may(role, roles):
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
        "trigger_id": f"trigger-{user}-{action_id}",
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
    where, roles = BUTTONS[action_id]
    refused = refusal(services, user)
    before_db, before_calls = snapshot(db_path), len(fake.calls)
    reply = server.interaction(click_payload(fake, services, user, action_id, where))
    assert reply.status == 200, reply.body
    assert wait_idle()
    told = [c.args.get("text") for c in fake.calls[before_calls:]]
    if may(role, roles):
        assert refused not in told
        assert t("slack.error.generic", services.network.language_of(user)) not in told
    else:
        assert snapshot(db_path) == before_db
        assert_refused_quietly(fake, before_calls, user, refused)


def submission_values(callback_id: str, clock) -> tuple[dict, str]:
    """A filled-in modal of this kind (values and private_metadata), as Slack sends it back."""
    if callback_id == blocks.START_MODAL:
        closes = (clock() + timedelta(days=5)).date().isoformat()
        values = {
            blocks.START_PROMPT: {
                blocks.START_PROMPT: {
                    "type": "static_select",
                    "selected_option": {"value": "samtale-02"},
                }
            },
            blocks.START_AUDIENCE: {
                blocks.START_AUDIENCE: {
                    "type": "multi_static_select",
                    "selected_options": [{"value": "herning"}],
                }
            },
            blocks.START_CLOSES: {
                blocks.START_CLOSES: {"type": "datepicker", "selected_date": closes}
            },
        }
        return values, ""
    values = {"q_q1": {"answer": {"type": "plain_text_input", "value": "Et svar fra matrixen"}}}
    return values, blocks.ModalContext(1).dump()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("callback_id", SUBMISSIONS)
def test_every_modal_submission_as_every_role(flip, role, callback_id):
    server, services, fake, db_path = flip
    user = ROLES[role]
    refused = refusal(services, user)
    values, metadata = submission_values(callback_id, services.rounds.clock)
    before_db, before_calls = snapshot(db_path), len(fake.calls)
    view = {"callback_id": callback_id, "private_metadata": metadata}
    reply = server.submit(user, view, values)
    assert reply.status == 200, reply.body
    assert wait_idle()
    errors = reply.json().get("errors", {}) if reply.body else {}
    if may(role, SUBMISSIONS[callback_id]):
        assert errors == {}, errors
        assert snapshot(db_path) != before_db  # a round started, an answer stored
    else:
        assert list(errors.values()) == [refused]
        assert snapshot(db_path) == before_db
        assert fake.calls[before_calls:] == []
