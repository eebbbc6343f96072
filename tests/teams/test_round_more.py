"""The rest of the round in Teams, through the same served app and fakes as test_round.py:
`hjem`, exports as a file (consent card, upload, file card), `digest`, `slet-mig`, `reopen`,
`prompts`, and renaming a draft digest's themes in a dialog."""

from __future__ import annotations

import json
import re
import urllib.request

from bot.core.command import parse_command
from bot.core.models import MessageRef
from bot.store.privacy import record_answer_post
from bot.teams import actions
from bot.teams.files import CONSENT_CARD, INFO_CARD
from tests.teams.activities import (
    installation_update_activity,
    message_activity,
    sign_activity,
    task_fetch_activity,
    task_submit_activity,
)
from tests.teams.fakes import Answer
from tests.teams.scenario import (
    BROKERS,
    DIGESTS,
    FACILITATOR,
    RESEARCHER,
    ROUNDS,
    card_text,
    cards_to,
)


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
    assert "Venter på dit svar" in broker_home


def test_digest_in_teams_shows_the_stored_digest_only_to_the_member(mixed, connector):
    teams, process = mixed
    round = answered_round(teams, process, connector)

    # While the round is open: how it goes so far, and when the digest comes.
    teams.say(FACILITATOR, "/flip digest")
    so_far = last_to(connector, FACILITATOR)
    assert (
        so_far["text"]
        == f"Runde {round.id} er stadig åben. Opsamlingen bliver lavet, når runden lukker."
    )
    assert "Herning Kommune" in card_text(so_far["attachments"][0]["content"])

    teams.say(FACILITATOR, "/flip close")
    digest = process.services.digests.latest(round.id)
    before = len(connector.sent(f"a:chat-{FACILITATOR}"))
    in_channel = len(connector.sent(DIGESTS))  # the close summary
    teams.say(FACILITATOR, f"digest {round.id}")
    shown = connector.sent(f"a:chat-{FACILITATOR}")[before:]
    assert shown[0].json["text"].startswith(f"Her er opsamlingen fra runde {round.id}")
    card = card_text(shown[1].json["attachments"][0]["content"])
    assert "Kladde til gennemlæsning" in card
    assert actions.DIGEST_APPROVE not in card  # a look, not the review: no buttons
    full_text = " ".join(c.json.get("text") or "" for c in shown[2:])
    assert "Forskelle mellem kommunerne" in full_text and "dagsorden" in full_text
    # Nothing went to the digests channel, and the digest is still a draft.
    assert len(connector.sent(DIGESTS)) == in_channel
    assert process.services.store.digest(digest.id).status == "draft"

    # A broker may not see digests.
    teams.say(BROKERS[1], f"/flip digest {round.id}")
    assert last_to(connector, BROKERS[1])["text"].startswith("Det har du ikke adgang til.")


def test_slet_mig_asks_first_then_erases_whoever_clicks(mixed, connector):
    teams, process = mixed
    round = answered_round(teams, process, connector)
    store = process.services.store
    post = MessageRef("teams", "19:round0channel@thread.tacv2", "1700000000999", connector.url)
    record_answer_post(store, round.id, BROKERS[0], post)

    teams.say(BROKERS[0], "/flip slet-mig")
    question = last_to(connector, BROKERS[0])["attachments"][0]["content"]
    verbs = [b["verb"] for b in question["body"][1]["actions"]]
    assert verbs == [actions.ERASE_CONFIRM, actions.ERASE_CANCEL]
    assert store.response(round.id, BROKERS[0]) is not None  # asking erased nothing

    status, body = teams.click(BROKERS[0], actions.ERASE_CANCEL)
    assert status == 200 and "der er ikke slettet noget" in card_text(body["value"])
    assert store.response(round.id, BROKERS[0]) is not None

    status, body = teams.click(BROKERS[0], actions.ERASE_CONFIRM)
    assert status == 200
    assert "Dine svar og din svarhistorik er slettet (1 svar)" in card_text(body["value"])
    assert store.response(round.id, BROKERS[0]) is None
    assert store.member(BROKERS[0]) is None
    # The bot's post of their answer is gone from the channel too.
    assert connector.calls_to(
        "DELETE", r"/v3/conversations/19:round0channel@thread\.tacv2/activities/1700000000999"
    )
    # A second click is told, and erases nobody else.
    status, body = teams.click(BROKERS[0], actions.ERASE_CONFIRM)
    assert "allerede slettet" in card_text(body["value"])
    assert store.member(BROKERS[1]) is not None


def test_reopen_and_prompts_in_teams(mixed, connector):
    teams, process = mixed
    round = answered_round(teams, process, connector)
    teams.say(FACILITATOR, "/flip close")
    assert not process.services.rounds.get_round(round.id).is_open

    teams.say(BROKERS[0], f"/flip reopen {round.id}")
    assert last_to(connector, BROKERS[0])["text"].startswith("Det har du ikke adgang til.")
    assert not process.services.rounds.get_round(round.id).is_open

    teams.say(FACILITATOR, f"genåbn {round.id} --closes 2d")
    reopened = process.services.rounds.get_round(round.id)
    assert reopened.is_open
    # 2 days from the test clock's Monday 09:00 in Copenhagen.
    assert (
        last_to(connector, FACILITATOR)["text"]
        == f"Runde {round.id} er åben igen til onsdag den 25. november kl. 09.00."
    )
    # The waiting prompts got their buttons back.
    ref = process.services.store.delivery(round.id, BROKERS[1]).ref
    updates = connector.calls_to(
        "PUT", rf"/v3/conversations/{ref.conversation}/activities/{ref.message}"
    )
    assert "Svar" in card_text(updates[-1].json["attachments"][0]["content"])

    teams.say(BROKERS[1], "oplæg samtale")
    listing = card_text(last_to(connector, BROKERS[1])["attachments"][0]["content"])
    assert "Samtaleflip" in listing and "samtale-01:" in listing
    assert "Strategiflip" not in listing


def test_ret_overskrifter_renames_a_theme_in_a_dialog(mixed, connector):
    teams, process = mixed
    round = answered_round(teams, process, connector)
    teams.say(FACILITATOR, "/flip close")
    draft = process.services.digests.latest(round.id)
    old_label = draft.themes[0].label
    who = teams.who(FACILITATOR)

    status, body = teams.post(
        task_fetch_activity(
            {"dialog_id": actions.DIGEST_EDIT_DIALOG, "digest_id": draft.id},
            service_url=connector.url,
            **who,
        )
    )
    assert status == 200 and body["task"]["type"] == "continue"
    form = body["task"]["value"]["card"]["content"]
    assert form["body"][1]["id"] == "theme_0" and form["body"][1]["value"] == old_label

    # A label naming a member: the dialog again, with the typed text and what is wrong.
    submit = {"action": actions.DIGEST_EDIT_SUBMIT, "digest_id": draft.id}
    status, body = teams.post(
        task_submit_activity(
            {**submit, "theme_0": "Det Frida Facilitator sagde"}, service_url=connector.url, **who
        )
    )
    assert status == 200 and body["task"]["type"] == "continue"
    again = body["task"]["value"]["card"]["content"]["body"]
    assert "nævner et medlem ved navn" in again[0]["text"]
    assert [e.get("value") for e in again if e.get("id") == "theme_0"] == [
        "Det Frida Facilitator sagde"
    ]
    assert process.services.digests.latest(round.id).id == draft.id  # nothing saved

    before = len(connector.sent(f"a:chat-{FACILITATOR}"))
    status, body = teams.post(
        task_submit_activity(
            {**submit, "theme_0": "Borgeren sætter dagsordenen"}, service_url=connector.url, **who
        )
    )
    assert status == 200 and body["task"]["type"] == "message"
    assert body["task"]["value"] == (
        "Rettelserne er gemt, og den rettede kladde er sendt til facilitatorerne."
    )
    edited = process.services.digests.latest(round.id)
    # Edited in place: the same draft, with the facilitator's heading.
    assert edited.id == draft.id and edited.themes[0].label == "Borgeren sætter dagsordenen"
    assert process.services.store.digest(draft.id).status == "draft"
    # The edited draft reached the facilitator, with its buttons.
    new_draft = card_text(connector.sent(f"a:chat-{FACILITATOR}")[before].json)
    assert "Borgeren sætter dagsordenen" in new_draft and actions.DIGEST_APPROVE in new_draft

    # A broker cannot open the dialog.
    status, body = teams.post(
        task_fetch_activity(
            {"dialog_id": actions.DIGEST_EDIT_DIALOG, "digest_id": edited.id},
            service_url=connector.url,
            **teams.who(BROKERS[1]),
        )
    )
    assert body["task"]["type"] == "message"
    assert body["task"]["value"].startswith("Det har du ikke adgang til.")


def in_channel(activity: dict) -> dict:
    """An activity from the programme's Teams channel instead of the 1:1 chat."""
    activity["conversation"] = {
        "id": ROUNDS,
        "conversationType": "channel",
        "tenantId": activity["conversation"]["tenantId"],
        "isGroup": True,
    }
    activity["channelData"]["channel"] = {"id": ROUNDS}
    activity["channelData"]["team"] = {"id": "19:team0@thread.tacv2"}
    return activity


def test_a_channel_round_posts_one_card_and_takes_answers_through_the_dialog(mixed, connector):
    teams, process = mixed
    services = process.services
    [programme] = services.network.programmes
    assert programme.channel == ROUNDS  # the channel the network file names
    # What the programme's slot does (bot.schedule.jobs): a round in its channel, then the fan-out.
    prompt = services.library.get("samtale-01")
    round = services.rounds.start_round(
        prompt, "all", None, FACILITATOR, programme_id=programme.id, channel=ROUNDS, deliver=False
    )
    services.rounds.deliver(round.id)
    [post] = connector.sent(ROUNDS)
    assert "Svar" in card_text(post.json)
    refs = {d.ref for d in services.store.deliveries(round.id)}
    assert len(refs) == 1 and next(iter(refs)).conversation == ROUNDS
    assert connector.calls_to("POST", r"/v3/conversations") == []  # no 1:1 chat was needed

    # A broker opens the dialog from the channel card and answers there.
    who = teams.who(BROKERS[0], conversation=ROUNDS)
    status, body = teams.post(
        in_channel(
            task_fetch_activity(
                {"dialog_id": actions.ANSWER_DIALOG, "round_id": round.id},
                service_url=connector.url,
                **who,
            )
        )
    )
    assert body["task"]["type"] == "continue"
    form = body["task"]["value"]["card"]["content"]["body"]
    assert "private" in {e.get("id") for e in form}  # a channel round may be answered privately
    question = prompt.questions[0].id
    answer = {"action": actions.ANSWER_SUBMIT, "round_id": round.id, question: "Vi gik en tur"}
    status, body = teams.post(
        in_channel(task_submit_activity(answer, service_url=connector.url, **who))
    )
    assert body["task"]["type"] == "message"
    assert services.store.response(round.id, BROKERS[0]).answers[question] == "Vi gik en tur"
    # The shared card does not show one member's state.
    assert connector.calls_to("PUT", rf"/v3/conversations/{ROUNDS}/activities/.+") == []

    # An @mention in the channel gets a hint in its thread, never a member's own home card.
    mention = message_activity(
        "<at>flipbot</at> hjem", service_url=connector.url, **teams.who(BROKERS[0], ROUNDS)
    )
    teams.post(in_channel(mention))
    assert len(connector.sent(ROUNDS)) == 1  # nothing new at the channel's top level
    [hint] = connector.calls_to(
        "POST", rf"/v3/conversations/{re.escape(ROUNDS)};messageid={mention['id']}/activities"
    )
    assert "knappen Svar" in hint.json["text"] and "attachments" not in hint.json

    # Closing turns the one card to closed, once.
    teams.say(FACILITATOR, "/flip close")
    [closed] = connector.calls_to("PUT", rf"/v3/conversations/{ROUNDS}/activities/.+")
    answer_button = '"title": "Svar"'
    assert answer_button in card_text(post.json)
    assert answer_button not in card_text(closed.json)


def test_a_failed_upload_says_so_and_sends_no_file_card(mixed, connector):
    teams, process = mixed
    answered_round(teams, process, connector)
    teams.say(RESEARCHER, "/flip export md")
    [card] = consent_cards(connector, RESEARCHER)
    connector.script("PUT", r"/upload/.+", Answer(507, {"error": {"code": "quotaLimitReached"}}))
    teams.post(
        file_consent_activity(
            teams,
            RESEARCHER,
            "accept",
            card["content"]["acceptContext"],
            connector.upload_url("flip-export.md"),
        )
    )
    assert connector.uploads == {}
    told = last_to(connector, RESEARCHER)
    assert told["text"].startswith("Filen kunne ikke gemmes i din OneDrive")
    assert "attachments" not in told


def test_every_flip_subcommand_runs_in_teams():
    from bot.core.command import SUBCOMMANDS
    from bot.teams.handlers import COMMANDS

    assert set(SUBCOMMANDS) == set(COMMANDS)


def test_a_command_typed_without_flip_in_norwegian_still_runs(mixed, connector):
    teams, process = mixed
    status, _ = teams.say(FACILITATOR, "lukk")
    assert status == 200
    # "lukk" is close: with no open round the facilitator is told so, not shown the help card.
    assert last_to(connector, FACILITATOR)["text"].startswith("Der er ingen åben runde")


def test_a_message_is_acknowledged_before_its_reply_is_sent(mixed, connector):
    """Teams waits for the HTTP answer to a message; the reply (a card through the Bot Connector,
    behind the pacer) must not hold it up. With the connector holding every send, the answer
    comes back anyway, and the reply lands once the connector lets it through."""
    teams, _ = mixed
    chat = f"a:chat-{FACILITATOR}"
    before = len(connector.sent(chat))
    release = connector.hold("POST", rf"/v3/conversations/{re.escape(chat)}/activities(/[^/]+)?")
    activity = message_activity("hej", service_url=connector.url, **teams.who(FACILITATOR))
    request = urllib.request.Request(
        teams.server.url + "/api/messages",
        data=json.dumps(activity).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": sign_activity(activity, key=teams.key),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        # Acknowledged while the connector would still be holding the reply (up to 30 s).
    finally:
        release.set()
    assert teams.idle()
    assert len(connector.sent(chat)) == before + 1  # sent once, not again after the wait
    assert "Sådan bruger du flipbot" in card_text(cards_to(connector, chat)[-1])  # the help card
