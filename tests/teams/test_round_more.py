"""The rest of the round in Teams, through the same served app and fakes as test_round.py:
`hjem`, exports as a file (consent card, upload, file card), `digest`, `slet-mig`, `reopen`,
`prompts`, and renaming a draft digest's themes in a dialog."""

from __future__ import annotations

from bot.core.command import parse_command
from bot.teams.files import CONSENT_CARD, INFO_CARD
from tests.teams.activities import installation_update_activity, message_activity
from tests.teams.scenario import BROKERS, FACILITATOR, RESEARCHER, card_text, cards_to


def last_to(connector, aad: str) -> dict:
    """The last activity the bot posted in a member's 1:1 chat."""
    return connector.sent(f"a:chat-{aad}")[-1].json


def install(teams, connector, aad: str) -> None:
    status, _ = teams.post(
        installation_update_activity("add", service_url=connector.url, **teams.who(aad))
    )
    assert status == 200


def file_consent_activity(teams, aad: str, action: str, context, upload_url: str | None = None):
    """The member's click on a FileConsentCard, as Teams sends it (upload info only on accept)."""
    activity = message_activity("", service_url=teams.connector.url, **teams.who(aad))
    for key in ("text", "textFormat", "attachments"):
        del activity[key]
    value = {"type": "fileUpload", "action": action, "context": context}
    if upload_url:
        value["uploadInfo"] = {
            "name": "flip-export.csv",
            "uploadUrl": upload_url,
            "contentUrl": "https://contoso-my.sharepoint.com/personal/rikke/flip-export.csv",
            "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8C",
            "fileType": "csv",
        }
    activity.update({"type": "invoke", "name": "fileConsent/invoke", "value": value})
    return activity


def consent_cards(connector, aad: str) -> list[dict]:
    return [
        a
        for call in connector.sent(f"a:chat-{aad}")
        for a in (call.json or {}).get("attachments") or []
        if a["contentType"] == CONSENT_CARD
    ]


def answered_round(teams, process, connector):
    """A round with one consenting Teams broker's answer in it."""
    install(teams, connector, FACILITATOR)
    install(teams, connector, RESEARCHER)
    teams.say(FACILITATOR, "/flip start samtale-01")
    [round] = process.services.rounds.open_rounds()
    teams.say(BROKERS[0], "samtykke ja")
    question = process.services.rounds.prompt_of(round).questions[0].id
    process.services.rounds.record_answer(
        round.id, BROKERS[0], {question: "Vi lod borgeren skrive dagsordenen"}
    )
    return round


def test_an_export_reaches_the_researcher_as_a_file_after_consent(mixed, connector):
    teams, process = mixed
    answered_round(teams, process, connector)

    # A broker may not export.
    teams.say(BROKERS[1], "/flip export csv")
    assert last_to(connector, BROKERS[1])["text"].startswith("Det har du ikke adgang til.")
    assert consent_cards(connector, BROKERS[1]) == []

    status, _ = teams.say(RESEARCHER, "/flip export csv")
    assert status == 200
    [card] = consent_cards(connector, RESEARCHER)
    assert card["name"].startswith("flip-export-") and card["name"].endswith(".csv")
    assert card["content"]["sizeInBytes"] > 0
    context = card["content"]["acceptContext"]
    assert connector.uploads == {}  # nothing leaves before the researcher says yes

    status, _ = teams.post(
        file_consent_activity(
            teams, RESEARCHER, "accept", context, connector.upload_url("flip-export.csv")
        )
    )
    assert status == 200
    uploaded = connector.uploads["flip-export.csv"]
    assert uploaded.decode().startswith("id,answer_id,round,")
    assert "Vi lod borgeren skrive dagsordenen" in uploaded.decode()
    size = card["content"]["sizeInBytes"]
    assert len(uploaded) == size
    [put] = connector.calls_to("PUT", r"/upload/flip-export\.csv")
    assert put.headers["content-range"] == f"bytes 0-{size - 1}/{size}"
    assert put.authorization == ""  # the upload URL is pre-authorised: no bot token to storage
    info = last_to(connector, RESEARCHER)["attachments"][0]
    assert info["contentType"] == INFO_CARD
    assert info["contentUrl"].endswith("/flip-export.csv")
    assert info["content"]["uniqueId"] == "1150D938-8870-4044-9F2C-5BBDEBA70C8C"

    # The same card clicked again: the bytes are gone, nothing is uploaded twice.
    teams.post(
        file_consent_activity(
            teams, RESEARCHER, "accept", context, connector.upload_url("again.csv")
        )
    )
    assert "again.csv" not in connector.uploads
    assert "ikke længere" in last_to(connector, RESEARCHER)["text"]


def test_a_declined_export_is_dropped_and_another_member_cannot_take_it(mixed, connector):
    teams, process = mixed
    answered_round(teams, process, connector)
    teams.say(RESEARCHER, "eksport json")
    [card] = consent_cards(connector, RESEARCHER)
    context = card["content"]["declineContext"]

    # A forged click from another member with the researcher's consent id gets nothing.
    teams.post(
        file_consent_activity(
            teams, FACILITATOR, "accept", context, connector.upload_url("stolen.json")
        )
    )
    assert connector.uploads == {}

    teams.post(file_consent_activity(teams, RESEARCHER, "decline", context))
    assert card["name"] in last_to(connector, RESEARCHER)["text"]
    teams.post(
        file_consent_activity(
            teams, RESEARCHER, "accept", context, connector.upload_url("late.json")
        )
    )
    assert connector.uploads == {}
    assert len(process.teams.messenger.files) == 0


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
