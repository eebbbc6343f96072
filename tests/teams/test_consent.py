"""Asked once, on first contact, in Teams: the first prompt card in a broker's 1:1 chat follows
exactly one consent request card with Ja / Nej (Action.Execute); a click records the answer with
its time and text version and turns the card into what was recorded."""

from __future__ import annotations

import pytest

from bot.core.consent import text_version
from bot.store.privacy import consent_record, has_consent
from bot.teams import cards_consent
from tests.teams.scenario import BROKERS, FACILITATOR, SLACK_BROKERS, card_text, cards_to


def verbs(card: dict) -> list[tuple[str, str]]:
    found = []
    for element in card.get("body", []):
        for action in element.get("actions", []) if element.get("type") == "ActionSet" else []:
            data = action.get("data") or {}
            found.append((action.get("verb"), data.get(cards_consent.VERSION_KEY)))
    return found


def is_consent_card(card: dict) -> bool:
    return any(verb == cards_consent.CONSENT_YES for verb, _ in verbs(card))


def start_round(teams, process):
    status, _ = teams.say(FACILITATOR, "/flip start samtale-01")
    assert status == 200
    assert process.teams.wait_idle()
    [round] = process.services.rounds.open_rounds()
    return round


def test_the_first_prompt_card_follows_exactly_one_consent_request(mixed_unasked, connector, slack):
    teams, process = mixed_unasked
    services = process.services
    round = start_round(teams, process)
    version = text_version("da")
    for broker in BROKERS:
        chat = services.store.delivery(round.id, broker).ref.conversation
        first, second, *rest = cards_to(connector, chat)
        assert verbs(first) == [
            (cards_consent.CONSENT_YES, version),
            (cards_consent.CONSENT_NO, version),
        ]
        assert "artikel 6, stk. 1, litra e" in card_text(first)
        assert not is_consent_card(second) and "Svar" in card_text(second)
        assert not any(is_consent_card(card) for card in rest)
        assert not has_consent(services.store, broker)
    # The Slack members of the same network were asked in Slack, once each, before their DM.
    for member in SLACK_BROKERS:
        dms = [c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == member]
        assert "artikel 6" in dms[0].args["text"] and dms[1].args.get("metadata")
        assert sum("artikel 6" in c.args["text"] for c in dms) == 1


@pytest.mark.parametrize(
    ("verb", "consent"), [(cards_consent.CONSENT_YES, True), (cards_consent.CONSENT_NO, False)]
)
def test_a_click_is_recorded_with_time_and_version_and_replaces_the_card(
    mixed_unasked, connector, clock, verb, consent
):
    teams, process = mixed_unasked
    services = process.services
    start_round(teams, process)
    answered_at = clock.advance(minutes=3)
    status, body = teams.click(BROKERS[0], verb, **{cards_consent.VERSION_KEY: text_version("da")})
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    record = consent_record(services.store, BROKERS[0])
    assert (record["consent"], record["source"]) == (consent, "member")
    assert record["changed_at"] == answered_at.isoformat()
    assert record["text_version"] == text_version("da")
    shown = card_text(body["value"])
    assert ("*ja*" if consent else "*nej*") in shown and "samtykke" in shown
    assert not verbs(body["value"])  # no buttons left to click twice


def test_a_card_without_a_version_records_nothing(mixed_unasked, connector):
    teams, process = mixed_unasked
    start_round(teams, process)
    status, body = teams.click(BROKERS[1], cards_consent.CONSENT_YES)
    assert status == 200
    assert consent_record(process.services.store, BROKERS[1])["source"] == "none"
    assert "ja eller nej" in card_text(body["value"])


def test_the_home_card_shows_the_choice_with_a_button_to_change_it(mixed, connector):
    teams, process = mixed
    status, _ = teams.say(BROKERS[0], "hjem")
    assert status == 200
    assert process.teams.wait_idle()
    home = [c for c in connector.sent(f"a:chat-{BROKERS[0]}") if (c.json or {}).get("attachments")]
    card = home[-1].json["attachments"][0]["content"]
    assert "Du har sagt *ja*" in card_text(card)  # the mixed fixture's members said yes
    assert (cards_consent.CONSENT_NO, text_version("da")) in verbs(card)
    status, body = teams.click(
        BROKERS[0], cards_consent.CONSENT_NO, **{cards_consent.VERSION_KEY: text_version("da")}
    )
    assert status == 200 and "*nej*" in card_text(body["value"])
    assert not has_consent(process.services.store, BROKERS[0])
