"""Teams: an answer that seems to name a citizen is not stored until the broker chooses Fjern or
Behold (issue 15); signed activities through `flipbot serve`'s app, Microsoft faked at HTTP."""

from __future__ import annotations

from bot.export.collect import ExportFilter, collect
from bot.teams import actions, cards_flags
from tests.teams.activities import task_fetch_activity, task_submit_activity
from tests.teams.scenario import BROKERS, FACILITATOR, card_text

NAMED = "Mira Hansen vil gerne i praktik hos en tømrer."
REMOVED = "[NAVN] vil gerne i praktik hos en tømrer."
QUESTION = "Dit svar ser ud til at nævne en borger (Mira Hansen). Vil du fjerne navnet?"


def start_round(teams, process):
    status, _ = teams.say(FACILITATOR, "/flip start samtale-01")
    assert status == 200 and process.teams.wait_idle()
    [round] = process.services.rounds.open_rounds()
    return round


def submit(teams, connector, broker, round, text):
    status, body = teams.post(
        task_fetch_activity(
            {"dialog_id": actions.ANSWER_DIALOG, "round_id": round.id},
            service_url=connector.url,
            **teams.who(broker),
        )
    )
    inputs = [
        e for e in body["task"]["value"]["card"]["content"]["body"] if e.get("type") == "Input.Text"
    ]
    data = {
        "action": actions.ANSWER_SUBMIT,
        "round_id": round.id,
        inputs[0]["id"]: text,
        "quotable": "true",
    }
    status, body = teams.post(
        task_submit_activity(data, service_url=connector.url, **teams.who(broker))
    )
    assert status == 200
    return inputs[0]["id"], body


def asked(teams, connector, broker, round) -> tuple[str, list[dict]]:
    """Submit the named answer; the question id and the buttons of the card that comes back."""
    question, body = submit(teams, connector, broker, round, NAMED)
    return question, buttons(body["task"]["value"]["card"]["content"])


def buttons(card: dict) -> list[dict]:
    return [
        action
        for element in card["body"]
        if element.get("type") == "ActionSet"
        for action in element["actions"]
    ]


def test_the_dialog_asks_first_and_fjern_stores_the_placeholder_everywhere(mixed, connector):
    teams, process = mixed
    services = process.services
    round = start_round(teams, process)
    question, body = submit(teams, connector, BROKERS[0], round, NAMED)

    assert body["task"]["type"] == "continue"
    card = body["task"]["value"]["card"]["content"]
    assert QUESTION in card_text(card)
    shown = buttons(card)
    assert [(b["type"], b["title"], b.get("style")) for b in shown] == [
        ("Action.Execute", "Fjern", "positive"),
        ("Action.Execute", "Behold", None),
    ]
    assert services.store.response(round.id, BROKERS[0]) is None  # nothing stored yet

    status, body = teams.click(BROKERS[0], cards_flags.FLAG_REMOVE, **shown[0]["data"])
    assert status == 200
    assert "Tak, dit svar er gemt uden det markerede." in card_text(body["value"])
    assert services.store.response(round.id, BROKERS[0]).answers == {question: REMOVED}
    # The prompt card was updated to "answered", and nothing sent to Teams holds the name.
    ref = services.store.delivery(round.id, BROKERS[0]).ref
    updates = connector.calls_to(
        "PUT", rf"/v3/conversations/{ref.conversation}/activities/{ref.message}"
    )
    assert updates and "Ret svar" in card_text(updates[-1].json["attachments"][0]["content"])

    # A second click on the same card changes nothing and says so.
    status, body = teams.click(BROKERS[0], cards_flags.FLAG_KEEP, **shown[1]["data"])
    assert "allerede gemt" in card_text(body["value"])
    assert services.store.response(round.id, BROKERS[0]).answers == {question: REMOVED}

    # The digest built at close and the researchers' export carry the placeholder.
    status, _ = teams.say(FACILITATOR, f"/flip close {round.id}")
    assert status == 200 and process.teams.wait_idle()
    digests = [row["content"] for row in services.store._rows("select content from digests")]
    assert digests and not any("Mira" in content for content in digests)
    export = collect(
        services.store, services.network, services.library, ExportFilter(round_id=round.id)
    )
    assert [row.text for row in export.rows] == [REMOVED]
    assert "Mira" not in "\n".join(services.store.db.conn.iterdump())
    assert not any(
        "Mira" in (call.body or b"").decode("utf-8", "replace") for call in connector.calls
    )


def test_behold_stores_the_answer_as_typed(mixed, connector):
    teams, process = mixed
    round = start_round(teams, process)
    question, (_, keep) = asked(teams, connector, BROKERS[1], round)
    status, body = teams.click(BROKERS[1], cards_flags.FLAG_KEEP, **keep["data"])
    assert "gemt, som du skrev det" in card_text(body["value"])
    assert process.services.store.response(round.id, BROKERS[1]).answers == {question: NAMED}


def test_a_quoted_reply_gets_the_question_card_in_the_chat(mixed, connector):
    teams, process = mixed
    services = process.services
    round = start_round(teams, process)
    ref = services.store.delivery(round.id, BROKERS[2]).ref
    quoted = {"entities": [{"type": "quotedReply", "quotedReply": {"messageId": ref.message}}]}
    status, _ = teams.say(
        BROKERS[2],
        f'<quoted messageId="{ref.message}"/>Borgeren Ahmed vil gerne starte i januar',
        conversation=ref.conversation,
        **quoted,
    )
    assert status == 200 and process.teams.wait_idle()
    assert services.store.response(round.id, BROKERS[2]) is None
    sent = connector.sent(ref.conversation)[-1].json
    card = sent["attachments"][0]["content"]
    assert "Dit svar ser ud til at nævne en borger (Ahmed)" in card_text(card)
    remove = buttons(card)[0]
    status, body = teams.click(BROKERS[2], cards_flags.FLAG_REMOVE, **remove["data"])
    assert status == 200
    [answer] = services.store.response(round.id, BROKERS[2]).answers.values()
    assert answer == "Borgeren [NAVN] vil gerne starte i januar"


def test_someone_else_cannot_choose_for_the_broker(mixed, connector):
    teams, process = mixed
    round = start_round(teams, process)
    _, (_, keep) = asked(teams, connector, BROKERS[0], round)
    status, body = teams.click(BROKERS[1], cards_flags.FLAG_KEEP, **keep["data"])
    assert status == 200
    assert process.services.store.response(round.id, BROKERS[0]) is None
    assert process.services.store.response(round.id, BROKERS[1]) is None
