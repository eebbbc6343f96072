"""The rest of the round in Teams, through the same served app and fakes as test_round.py:
`hjem`, exports as a file (consent card, upload, file card), `digest`, `slet-mig`, `reopen`,
`prompts`, and renaming a draft digest's themes in a dialog."""

from __future__ import annotations

from bot.core.command import parse_command
from tests.teams.activities import installation_update_activity
from tests.teams.scenario import BROKERS, FACILITATOR, card_text, cards_to


def last_to(connector, aad: str) -> dict:
    """The last activity the bot posted in a member's 1:1 chat."""
    return connector.sent(f"a:chat-{aad}")[-1].json


def install(teams, connector, aad: str) -> None:
    status, _ = teams.post(
        installation_update_activity("add", service_url=connector.url, **teams.who(aad))
    )
    assert status == 200


def test_hjem_and_home_are_commands_of_their_own():
    assert parse_command("hjem").name == "hjem"
    assert parse_command("home").name == "hjem"
    assert parse_command("hjem nu").problem == ("slack.parse.unexpected", {"value": "nu"})


def test_hjem_typed_in_teams_shows_the_home_card(mixed, connector):
    teams, process = mixed
    install(teams, connector, FACILITATOR)
    teams.say(FACILITATOR, "/flip start samtale-01")
    status, _ = teams.say(FACILITATOR, "hjem")
    assert status == 200
    home = card_text(cards_to(connector, f"a:chat-{FACILITATOR}")[-1])
    assert "Åbne runder" in home and "Runde 1" in home
    teams.say(BROKERS[0], "/flip home")
    broker_home = card_text(last_to(connector, BROKERS[0])["attachments"][0]["content"])
    assert "Dine åbne oplæg" in broker_home
