"""Kollegial sparring in Teams through `flipbot serve`'s WSGI app: share in a dialog -> the
redacted case shown -> Send -> the facilitator approves on the draft card -> brokers in the
other municipality (on Slack here) get it, the owner's own municipality not -> an answer
reaches the owner's chat with *Tak* -> close -> the owner's digest; refusals, a rejected case,
and a Teams colleague answering with their name shown."""

from __future__ import annotations

from bot.core.models import CaseStatus
from bot.privacy.erasure import erase_member
from bot.privacy.redact import PLACEHOLDERS
from bot.teams import actions
from bot.teams import cards_sparring as ui
from tests.teams.activities import (
    installation_update_activity,
    task_fetch_activity,
    task_submit_activity,
)
from tests.teams.scenario import (
    BROKERS,
    FACILITATOR,
    RESEARCHER,
    SLACK_BROKERS,
    card_text,
    cards_to,
)

OWNER = BROKERS[0]  # Broker 1, Herning


def install(teams, connector, *members):
    for member in members:
        status, _ = teams.post(
            installation_update_activity("add", service_url=connector.url, **teams.who(member))
        )
        assert status == 200


def fetch(teams, connector, member, data):
    return teams.post(task_fetch_activity(data, service_url=connector.url, **teams.who(member)))


def submit(teams, connector, member, data):
    return teams.post(task_submit_activity(data, service_url=connector.url, **teams.who(member)))


def form_data(**changes) -> dict:
    data = {
        "action": ui.SHARE_SUBMIT,
        ui.TITLE: "Borger vil ikke i praktik",
        ui.SITUATION: "Borgeren (ring 20 30 40 50) siger nej. Hvordan holder jeg samtalen åben?",
        "q1": "Hvad ville du sige?",
        "q2": "",
        "q3": "",
        ui.AUDIENCE: "others",
        ui.MUNICIPALITIES: "",
        ui.SHOW: "municipality",
        ui.SHARE_DIGEST: "true",
    }
    return data | changes


def shared(teams, connector, **changes) -> int:
    """Share and confirm a case as the owner; returns its id."""
    status, body = submit(teams, connector, OWNER, form_data(**changes))
    assert status == 200 and body["task"]["type"] == "continue", body
    case_id = next(
        a["data"][ui.CASE_KEY]
        for a in body["task"]["value"]["card"]["content"]["actions"]
        if a["data"]["action"] == ui.CONFIRM_SUBMIT
    )
    status, body = submit(
        teams, connector, OWNER, {"action": ui.CONFIRM_SUBMIT, "case_id": case_id}
    )
    assert status == 200 and body["task"]["type"] == "message"
    return case_id


def test_a_case_from_share_to_the_owners_digest_in_teams(mixed, connector, slack, tmp_path):
    teams, process = mixed
    services = process.services
    install(teams, connector, OWNER, FACILITATOR)

    # `sparring` answers with the card that opens the form; the form opens for a broker.
    teams.say(OWNER, "sparring")
    card = cards_to(connector, f"a:chat-{OWNER}")[-1]
    assert ui.SHARE_DIALOG in card_text(card)
    status, body = fetch(teams, connector, OWNER, {"dialog_id": ui.SHARE_DIALOG})
    assert status == 200 and body["task"]["type"] == "continue"
    inputs = [e.get("id") for e in body["task"]["value"]["card"]["content"]["body"]]
    assert {ui.TITLE, ui.SITUATION, "q1", ui.AUDIENCE, ui.SHOW, ui.SHARE_DIGEST} <= set(inputs)

    # A form without a question comes back with the typed text and what is wrong.
    status, body = submit(teams, connector, OWNER, form_data(q1=""))
    again = card_text(body["task"]["value"]["card"]["content"])
    assert "Skriv mindst ét spørgsmål" in again and "Borger vil ikke i praktik" in again

    # The check shows the redacted case and what was removed; Send goes to the facilitators.
    status, body = submit(teams, connector, OWNER, form_data())
    preview = card_text(body["task"]["value"]["card"]["content"])
    assert "20 30 40 50" not in preview and PLACEHOLDERS["phone"] in preview
    assert "Jeg har taget ud: et telefonnummer." in preview
    assert not services.sparring.waiting_for_review()
    case_id = services.sparring.owned_by(OWNER)[0].id
    status, body = submit(
        teams, connector, OWNER, {"action": ui.CONFIRM_SUBMIT, "case_id": case_id}
    )
    assert body["task"]["type"] == "message"
    assert process.teams.wait_idle()
    draft = cards_to(connector, f"a:chat-{FACILITATOR}")[-1]
    assert "Send til sparring" in card_text(draft) and ui.APPROVE in card_text(draft)

    # A broker cannot approve; the facilitator can, and the draft card says who did.
    status, body = teams.click(OWNER, ui.APPROVE, case_id=case_id)
    assert body["value"].startswith("Det har du ikke adgang til")
    status, body = teams.click(FACILITATOR, ui.APPROVE, case_id=case_id)
    assert status == 200 and "Sendt til sparring af Frida Facilitator." in card_text(body["value"])
    assert process.teams.wait_idle()
    case = services.sparring.get(case_id)
    assert case.status == CaseStatus.RUNNING
    # Silkeborg's brokers (on Slack) have it; no Herning broker, and never the owner.
    reached = {d.member_id for d in services.store.deliveries(case.round_id)}
    assert reached == set(SLACK_BROKERS)
    slack_dm = next(
        c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == SLACK_BROKERS[0]
    )
    assert "En kollega fra Herning Kommune beder om kollegial sparring" in str(slack_dm.args)

    # An answer reaches the owner's chat as a card with Tak; the thanks reach the answerer once.
    rounds = services.rounds
    rounds.confirm_answer(
        rounds.record_answer(case.round_id, SLACK_BROKERS[0], {"q1": "Spørg hvad han selv vil."})
    )
    assert process.teams.wait_idle()
    answer = cards_to(connector, f"a:chat-{OWNER}")[-1]
    assert "En kollega fra Silkeborg Kommune" in card_text(answer)
    assert "Spørg hvad han selv vil." in card_text(answer)
    status, body = teams.click(OWNER, ui.THANK, case_id=case_id, answerer=SLACK_BROKERS[0])
    assert body["value"] == "Tak sendt."
    status, body = teams.click(OWNER, ui.THANK, case_id=case_id, answerer=SLACK_BROKERS[0])
    assert body["value"] == "Du har allerede sagt tak for det svar."

    # Close: the owner gets the digest in their chat, the facilitator too (the owner agreed).
    rounds.confirm_answer(
        rounds.record_answer(case.round_id, SLACK_BROKERS[1], {"q1": "Lyt efter det svære."})
    )
    teams.say(FACILITATOR, f"close {case.round_id}")
    assert process.teams.wait_idle()
    owner_chat = card_text(cards_to(connector, f"a:chat-{OWNER}"))
    assert "Sparringen om “Borger vil ikke i praktik” er slut" in owner_chat
    assert "med til FLIP-mødet" in card_text(cards_to(connector, f"a:chat-{FACILITATOR}"))
    assert services.sparring.get(case_id).status == CaseStatus.CLOSED

    # Under the digest: the owner's yes, then a facilitator makes it a library dilemma.
    status, body = teams.click(FACILITATOR, ui.LIBRARY_ADD, case_id=case_id)
    assert body["value"].startswith("Vidensmægleren har ikke sagt ja")
    assert ui.LIBRARY_CONSENT in owner_chat
    status, body = teams.click(OWNER, ui.LIBRARY_CONSENT, case_id=case_id)
    assert body["value"].startswith("Tak! En facilitator kan nu")
    folder = tmp_path / "egne"
    services.settings = services.settings.model_copy(update={"flipbot_prompts": str(folder)})
    status, body = teams.click(FACILITATOR, ui.LIBRARY_ADD, case_id=case_id)
    assert body["value"].startswith(f"Sagen er nu dilemmaet praksis-{case_id}")


def test_a_researcher_cannot_share_in_teams(mixed, connector):
    teams, process = mixed
    install(teams, connector, RESEARCHER)
    teams.say(RESEARCHER, "sparring")
    reply = connector.sent(f"a:chat-{RESEARCHER}")[-1].json
    assert reply["text"].startswith("Det har du ikke adgang til")
    status, body = fetch(teams, connector, RESEARCHER, {"dialog_id": ui.SHARE_DIALOG})
    assert body["task"]["value"].startswith("Det har du ikke adgang til")


def test_a_rejected_case_in_teams_tells_the_owner(mixed, connector):
    teams, process = mixed
    services = process.services
    install(teams, connector, OWNER, FACILITATOR)
    case_id = shared(teams, connector)
    assert process.teams.wait_idle()
    status, body = fetch(
        teams, connector, FACILITATOR, {"dialog_id": ui.REJECT_DIALOG, "case_id": case_id}
    )
    assert body["task"]["type"] == "continue"
    empty = {"action": ui.REJECT_SUBMIT, "case_id": case_id, ui.REASON: " "}
    status, body = submit(teams, connector, FACILITATOR, empty)
    assert "Skriv en kort begrundelse" in card_text(body["task"]["value"]["card"]["content"])
    reason = {"action": ui.REJECT_SUBMIT, "case_id": case_id, ui.REASON: "Den minder om sag 2."}
    status, body = submit(teams, connector, FACILITATOR, reason)
    assert body["task"]["value"] == "Afvist af Frida Facilitator."
    assert process.teams.wait_idle()
    told = connector.sent(f"a:chat-{OWNER}")[-1].json["text"]
    assert told.endswith("Facilitatorens begrundelse: Den minder om sag 2.")
    assert services.sparring.get(case_id).status == CaseStatus.REJECTED


def test_a_teams_colleague_answers_with_their_name_and_the_owner_can_be_erased(mixed, connector):
    teams, process = mixed
    services = process.services
    install(teams, connector, OWNER, FACILITATOR, BROKERS[1])
    case_id = shared(teams, connector, **{ui.AUDIENCE: "all"})
    assert process.teams.wait_idle()
    case = services.sparring.approve(case_id, FACILITATOR)
    assert process.teams.wait_idle()
    assert services.store.delivery(case.round_id, OWNER) is None
    status, body = fetch(
        teams,
        connector,
        BROKERS[1],
        {"dialog_id": actions.ANSWER_DIALOG, "round_id": case.round_id},
    )
    dialog = body["task"]["value"]["card"]["content"]
    assert actions.SHOW_NAME_INPUT in [e.get("id") for e in dialog["body"]]
    answer = {
        "action": actions.ANSWER_SUBMIT,
        "round_id": case.round_id,
        "q1": "Tag virksomhedskonsulenten med.",
        "quotable": "true",
        actions.SHOW_NAME_INPUT: "true",
    }
    status, body = submit(teams, connector, BROKERS[1], answer)
    assert body["task"]["type"] == "message"
    assert process.teams.wait_idle()
    forwarded = card_text(cards_to(connector, f"a:chat-{OWNER}")[-1])
    assert "Broker 2 fra Herning Kommune" in forwarded

    erase_member(services.store, OWNER, by=FACILITATOR)
    gone = services.sparring.cases.case(case_id)
    assert gone.status == CaseStatus.ERASED and gone.title == ""
    assert services.store.response(case.round_id, BROKERS[1]) is None


def test_status_and_home_in_teams_list_the_cases(mixed, connector):
    teams, process = mixed
    install(teams, connector, OWNER, FACILITATOR)
    shared(teams, connector)
    assert process.teams.wait_idle()
    teams.say(FACILITATOR, "status")
    said = connector.sent(f"a:chat-{FACILITATOR}")[-1].json["text"]
    assert said.startswith("Der er ingen åbne runder")
    assert "• Borger vil ikke i praktik (Herning Kommune, venter på en facilitator)" in said
    teams.say(OWNER, "hjem")
    home = card_text(cards_to(connector, f"a:chat-{OWNER}")[-1])
    assert ui.SHARE_DIALOG in home
    assert "“Borger vil ikke i praktik” · venter på en facilitator · 0 svar" in home
