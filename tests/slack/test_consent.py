"""Asked once, on first contact, in Slack: the first prompt DM is preceded by exactly one consent
request with Ja / Nej; the answer is stored with its time and text version; after a restart
nobody is asked again."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest

from bot.core.consent import text_version
from bot.slack import blocks_consent
from bot.slack.app import build_slack, wsgi_app
from bot.slack.handlers.common import wait_idle
from bot.store.privacy import consent_record, has_consent
from tests.slack.conftest import BROKER, FACILITATOR, close_pool, slack_settings
from tests.slack.harness import AppServer


@contextmanager
def serving(fake, tmp_path, clock, network, library):
    """flipbot over the fake Slack, on a database that outlives it (a restart builds it again)."""
    app, services = build_slack(
        slack_settings(fake, tmp_path), clock=clock, network=network, library=library
    )
    with AppServer(wsgi_app(app)) as server:
        yield server, services
        assert wait_idle(), "after-ack work did not finish"
    close_pool(services)
    services.store.close()


def start(services, library, clock, prompt="samtale-01"):
    return services.rounds.start_round(
        library.get(prompt), ["silkeborg"], clock() + timedelta(days=5), FACILITATOR
    )


def dms_to(fake, user):
    return [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == user]


def is_consent_request(call) -> bool:
    return any(
        e.get("action_id") == blocks_consent.CONSENT_YES
        for b in call.args.get("blocks") or []
        for e in b.get("elements") or []
    )


def buttons(call) -> list[tuple[str, str]]:
    (actions,) = [b for b in call.args["blocks"] if b["type"] == "actions"]
    return [(e["action_id"], e["value"]) for e in actions["elements"]]


def test_the_first_prompt_comes_after_exactly_one_consent_request(
    fake, tmp_path, clock, network, library
):
    with serving(fake, tmp_path, clock, network, library) as (server, services):
        start(services, library, clock)
        for broker in [m.id for m in network.brokers(["silkeborg"])]:
            first, second, *rest = dms_to(fake, broker)
            assert is_consent_request(first) and not is_consent_request(second)
            assert second.args.get("metadata", {}).get("event_type") == "flip_prompt"
            assert not any(is_consent_request(c) for c in rest)
        request = dms_to(fake, BROKER)[0]
        version = text_version("da")
        assert buttons(request) == [
            (blocks_consent.CONSENT_YES, version),
            (blocks_consent.CONSENT_NO, version),
        ]
        assert "artikel 6, stk. 1, litra e" in request.args["text"]
        assert "`/flip samtykke`" in request.args["text"]
        # Nothing is quoted or exported before the member says yes.
        assert not has_consent(services.store, BROKER)
        assert consent_record(services.store, BROKER)["asked_at"] == clock().isoformat()


@pytest.mark.parametrize(("action_id", "consent"), [("consent_yes", True), ("consent_no", False)])
def test_ja_or_nej_is_recorded_with_its_time_and_version_and_shown_in_place(
    fake, tmp_path, clock, network, library, action_id, consent
):
    with serving(fake, tmp_path, clock, network, library) as (server, services):
        start(services, library, clock)
        channel = fake.dm_channel(BROKER)
        ts = fake.messages[channel][0].ts  # the consent request, the first message in the DM
        answered_at = clock.advance(minutes=7)
        reply = server.click(BROKER, action_id, text_version("da"), channel, ts)
        assert reply.status == 200
        record = consent_record(services.store, BROKER)
        assert (record["consent"], record["source"]) == (consent, "member")
        assert record["changed_at"] == answered_at.isoformat()
        assert record["text_version"] == text_version("da")
        (update,) = fake.wait_for("chat.update")
        assert (update.args["channel"], update.args["ts"]) == (channel, ts)
        assert ("*ja*" if consent else "*nej*") in update.args["text"]
        assert "actions" not in [b["type"] for b in update.args["blocks"]]


def test_a_forged_version_records_nothing_and_says_what_to_do(
    fake, tmp_path, clock, network, library
):
    with serving(fake, tmp_path, clock, network, library) as (server, services):
        start(services, library, clock)
        channel = fake.dm_channel(BROKER)
        ts = fake.messages[channel][0].ts
        reply = server.click(BROKER, blocks_consent.CONSENT_YES, "whatever", channel, ts)
        assert reply.status == 200
        assert consent_record(services.store, BROKER)["source"] == "none"
        notice = fake.wait_for(
            "chat.postMessage",
            where=lambda c: (
                c.args.get("channel") == BROKER
                and "/flip samtykke" in c.args["text"]
                and not is_consent_request(c)
            ),
        )
        assert "ja eller nej" in notice[0].args["text"]


def test_nobody_is_asked_twice_also_after_a_restart(fake, tmp_path, clock, network, library):
    with serving(fake, tmp_path, clock, network, library) as (server, services):
        first = start(services, library, clock)
        services.rounds.close_round(first.id, FACILITATOR)
    # The process restarts on the same database; a member who never answered is not asked again.
    clock.advance(days=7)
    with serving(fake, tmp_path, clock, network, library) as (server, services):
        start(services, library, clock, prompt="samtale-02")
        for broker in [m.id for m in network.brokers(["silkeborg"])]:
            assert sum(is_consent_request(c) for c in dms_to(fake, broker)) == 1
        assert len([c for c in dms_to(fake, BROKER) if c.args.get("metadata")]) == 2


def test_app_home_shows_the_choice_and_a_button_that_changes_it(flip):
    def home() -> dict:
        before = len(flip.fake.calls_to("views.publish"))
        flip.server.event({"type": "app_home_opened", "user": BROKER, "tab": "home"})
        assert wait_idle()
        calls = flip.fake.calls_to("views.publish")
        assert len(calls) == before + 1
        return calls[-1].args["view"]

    def consent_buttons(view: dict) -> list[tuple[str, str]]:
        found = [
            b for b in view["blocks"] if b.get("block_id") == blocks_consent.CONSENT_HOME_BLOCK
        ]
        return [(e["action_id"], e["value"]) for b in found for e in b["elements"]]

    # The flip fixture's members said yes: Home says so and offers to say no.
    view = home()
    assert "Du har sagt *ja*" in str(view)
    assert consent_buttons(view) == [(blocks_consent.CONSENT_NO, text_version("da"))]
    reply = flip.server.click(BROKER, blocks_consent.CONSENT_NO, text_version("da"))
    assert reply.status == 200 and wait_idle()
    assert not has_consent(flip.services.store, BROKER)
    # The click republished Home with the new choice.
    published = flip.fake.calls_to("views.publish")[-1].args["view"]
    assert "Du har sagt *nej*" in str(published)
    assert consent_buttons(published) == [(blocks_consent.CONSENT_YES, text_version("da"))]
