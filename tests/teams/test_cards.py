"""Teams Adaptive Card builders and the card-data parser, without any server (like
tests/slack/test_blocks_and_parser.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.models import Response, Round, RoundStatus
from bot.core.participation import count_participation
from bot.teams import actions
from bot.teams.actions import MalformedAction, parse_action
from bot.teams.cards import (
    PROMPT_STATES,
    build_answer_dialog,
    build_help_card,
    build_prompt_card,
    build_reminder_card,
    build_welcome_card,
    card_dict,
    rebuild_answer_dialog,
)
from bot.teams.cards_digest import (
    build_digest_draft_card,
    build_digest_reviewed_card,
    build_digest_summary_card,
    build_digest_thread_text,
)
from bot.teams.cards_digest_edit import build_digest_edit_dialog
from bot.teams.cards_overview import HomeRound, build_home_card, build_round_summary_card
from bot.teams.cards_privacy import build_erase_confirm_card
from tests.digest_helpers import build, demo_answers

TZ = ZoneInfo("Europe/Copenhagen")
NAMES = {"silkeborg": "Silkeborg Kommune", "herning": "Herning Kommune"}
PING = "<at>Mette Jensen</at>"


def a_round(**changes) -> Round:
    data = dict(
        id=7,
        prompt_id="samtale-01",
        theme="samtale",
        audience="all",
        started_by="facilitator-1",
        started_at=datetime(2026, 11, 23, 8, tzinfo=UTC),
        closes_at=datetime(2026, 11, 28, 15, tzinfo=UTC),
        status=RoundStatus.OPEN,
    )
    data.update(changes)
    return Round(**data)


def a_response(text: str, **changes) -> Response:
    data = dict(
        id=3,
        round_id=7,
        member_id="member-1",
        answers={"q1": text},
        quotable=True,
        source="dialog",
        created_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
        updated_at=datetime(2026, 11, 24, 23, 30, tzinfo=UTC),
    )
    data.update(changes)
    return Response(**data)


def participation(round_id: int = 7):
    rows = [
        {"municipality": "silkeborg", "status": "answered", "n": 3},
        {"municipality": "silkeborg", "status": "sent", "n": 1},
        {"municipality": "herning", "status": "skipped", "n": 1},
        {"municipality": "herning", "status": "answered", "n": 1},
    ]
    return count_participation(round_id, rows, ["silkeborg", "herning"])


def walk(node):
    """Every dict inside a card's JSON, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def texts(card) -> list[str]:
    return [n["text"] for n in walk(card_dict(card)) if n.get("type") == "TextBlock"]


def buttons(card) -> list[dict]:
    return [n for n in walk(card_dict(card)) if str(n.get("type", "")).startswith("Action.")]


def inputs(card) -> dict[str, dict]:
    return {n["id"]: n for n in walk(card_dict(card)) if str(n.get("type")).startswith("Input.")}


def read_back(button: dict) -> actions.CardAction:
    """What a handler gets from a button: Action.Execute sends verb and data, task/fetch data."""
    return parse_action(button["data"], verb=button.get("verb"))


# -- the prompt card -------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["da", "en", "nb"])
@pytest.mark.parametrize("state", PROMPT_STATES)
def test_every_prompt_builds_in_every_state_and_language(library, language, state):
    for prompt in library.all():
        card = card_dict(build_prompt_card(prompt, a_round(), language, state, TZ))
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
        assert card["lang"] == language and card["fallbackText"]
        assert len(json.dumps(card).encode()) < 28_000  # Teams' message size
        assert ("ActionSet" in [b["type"] for b in card["body"]]) == (state != "closed")


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (
            "open",
            [
                ("Action.Submit", "Svar", actions.ANSWER_DIALOG),
                ("Action.Execute", "Spring over", actions.PROMPT_SKIP),
                ("Action.Execute", "Mind mig i morgen", actions.PROMPT_SNOOZE),
            ],
        ),
        ("answered", [("Action.Submit", "Ret svar", actions.EDIT_DIALOG)]),
        ("skipped", [("Action.Submit", "Svar", actions.ANSWER_DIALOG)]),
        ("snoozed", [("Action.Submit", "Svar", actions.ANSWER_DIALOG)]),
        ("closed", []),
    ],
)
def test_the_prompt_cards_buttons_follow_its_state(library, state, expected):
    card = build_prompt_card(library.get("samtale-01"), a_round(), "da", state, TZ)
    found = [(b["type"], b["title"], read_back(b).verb) for b in buttons(card)]
    assert found == expected
    assert all(read_back(b).round_id == 7 for b in buttons(card))


def test_the_answer_button_opens_a_dialog_and_skip_is_an_execute_with_its_verb(library):
    answer, skip, _ = buttons(
        build_prompt_card(library.get("samtale-01"), a_round(), "da", "open", TZ)
    )
    assert answer["data"] == {
        "msteams": {"type": "task/fetch"},
        "dialog_id": "flip.answer",
        "round_id": 7,
    }
    assert answer["style"] == "positive"
    assert skip["verb"] == "flip.prompt.skip"
    assert skip["data"] == {"action": "flip.prompt.skip", "round_id": 7}


def test_the_prompt_card_shows_theme_title_questions_and_the_deadline_in_danish_time(library):
    prompt = library.get("samtale-01")
    shown = texts(build_prompt_card(prompt, a_round(), "da", "open", TZ))
    assert shown[:2] == ["Samtaleflip", prompt.title]
    assert "Spørgsmål" in shown
    assert [s for s in shown if s.startswith("• ")] == [f"• {q.label}" for q in prompt.questions]
    # 15:00 UTC on 28 November is 16:00 in Copenhagen (winter time).
    assert shown[-1] == "Svar senest lørdag den 28. november kl. 16.00"


@pytest.mark.parametrize(
    ("language", "closes_at", "expected"),
    [
        ("da", datetime(2026, 6, 12, 10, tzinfo=UTC), "Svar senest fredag den 12. juni kl. 12.00"),
        (
            "en",
            datetime(2026, 11, 28, 15, tzinfo=UTC),
            "Please answer by Saturday 28 November at 16:00",
        ),
        (
            "nb",
            datetime(2026, 11, 28, 23, 30, tzinfo=UTC),
            "Svar innen søndag 29. november kl. 00.30",
        ),
    ],
)
def test_the_deadline_is_local_time_in_the_readers_language(library, language, closes_at, expected):
    card = build_prompt_card(
        library.get("samtale-01"), a_round(closes_at=closes_at), language, "open", TZ
    )
    assert expected in texts(card)


def test_an_answered_prompt_says_so_with_a_tick_in_each_language(library):
    prompt = library.get("samtale-01")
    for language, start in (("da", "✓ Besvaret"), ("en", "✓ Answered"), ("nb", "✓ Besvart")):
        shown = texts(build_prompt_card(prompt, a_round(), language, "answered", TZ))
        assert any(s.startswith(start) for s in shown), language
    nb_edit = buttons(build_prompt_card(prompt, a_round(), "nb", "answered", TZ))
    assert [b["title"] for b in nb_edit] == ["Endre svar"]


def test_an_unknown_state_is_refused(library):
    with pytest.raises(ValueError, match="unknown prompt state"):
        build_prompt_card(library.get("samtale-01"), a_round(), "da", "done", TZ)


# -- the answer dialog -----------------------------------------------------------------------


def test_the_answer_dialog_has_one_multiline_input_per_question_and_the_quote_toggle(library):
    prompt = library.get("samtale-01")
    card = build_answer_dialog(prompt, 7, "da")
    found = inputs(card)
    question_ids = [q.id for q in prompt.questions]
    assert list(found) == [*question_ids, "quotable"]
    for qid in question_ids:
        assert found[qid]["type"] == "Input.Text" and found[qid]["isMultiline"] is True
        assert found[qid]["maxLength"] == 3000
        assert "value" not in found[qid]
    assert found["quotable"]["value"] == "false"  # never pre-ticked: that is not consent
    assert found["quotable"]["title"] == "Må citeres ordret i opsamlingen"
    (submit,) = buttons(card)
    assert submit["title"] == "Send"
    assert read_back(submit) == actions.CardAction(actions.ANSWER_SUBMIT, round_id=7)


def test_a_channel_rounds_dialog_adds_only_for_facilitators(library):
    card = build_answer_dialog(library.get("samtale-01"), 7, "en", in_channel=True, private=True)
    assert inputs(card)["private"]["value"] == "true"
    assert inputs(card)["private"]["title"].startswith("Only for facilitators")


def test_editing_fills_the_dialog_with_the_stored_answer(library):
    prompt = library.get("samtale-01")
    card = build_answer_dialog(prompt, 7, "da", answers={"q1": "Det gamle svar"}, quotable=False)
    assert inputs(card)["q1"]["value"] == "Det gamle svar"
    assert inputs(card)["quotable"]["value"] == "false"


def test_a_rejected_submit_comes_back_with_what_was_typed_and_the_problem(library):
    prompt = library.get("samtale-01")
    (submit,) = buttons(build_answer_dialog(prompt, 7, "da", message_id="1700000000000"))
    # Teams merges the inputs into the submit action's data.
    payload = {**submit["data"], "q1": "Borgeren sagde: " + PING, "q2": "", "quotable": "false"}
    submitted = parse_action(payload)
    assert submitted.answers == {"q1": "Borgeren sagde: " + PING, "q2": ""}
    assert submitted.quotable is False and submitted.message_id == "1700000000000"
    again = rebuild_answer_dialog(prompt, submitted, "da", "Svaret er for langt.")
    assert inputs(again)["q1"]["value"] == "Borgeren sagde: " + PING
    assert inputs(again)["quotable"]["value"] == "false"
    assert texts(again)[0] == "Dit svar er ikke gemt endnu: Svaret er for langt."
    assert parse_action(buttons(again)[0]["data"]).message_id == "1700000000000"


def test_a_question_id_that_collides_with_the_dialogs_own_data_is_refused(library):
    prompt = library.get("samtale-01")
    clashing = prompt.model_copy(
        update={"questions": [prompt.questions[0].model_copy(update={"id": "round_id"})]}
    )
    with pytest.raises(ValueError, match="collide"):
        build_answer_dialog(clashing, 7, "da")


# -- the parser ------------------------------------------------------------------------------


def every_builder_button(library) -> list[dict]:
    prompt = library.get("samtale-01")
    digest = build(demo_answers()).model_copy(update={"id": 17, "round_id": 7})
    home = build_home_card(
        language="da",
        tz=TZ,
        open_prompts=[(a_round(), prompt, "open")],
        journal=[],
        paused_until=None,
        facilitator_rounds=[HomeRound(a_round(), prompt, participation())],
        names=NAMES,
    )
    cards = [
        build_prompt_card(prompt, a_round(), "da", "open", TZ),
        build_prompt_card(prompt, a_round(), "da", "answered", TZ),
        build_answer_dialog(prompt, 7, "da"),
        home,
        build_digest_draft_card(digest),
        build_erase_confirm_card("da"),
        build_digest_edit_dialog(digest),
    ]
    return [b for card in cards for b in buttons(card)]


def test_every_verb_is_on_some_card_and_reads_back_to_itself(library):
    found = every_builder_button(library)
    read = [read_back(b) for b in found]
    assert {r.verb for r in read} == set(actions.VERBS)
    for button, action in zip(found, read, strict=True):
        if button["type"] == "Action.Execute":
            assert action.verb == button["verb"] == button["data"]["action"]
        target = actions.VERBS[action.verb]
        expected = {"round": (7, None), "digest": (None, 17), "clicker": (None, None)}
        assert (action.round_id, action.digest_id) == expected[target]


def test_ids_sent_back_as_digit_strings_are_read():
    assert parse_action({"action": actions.ROUND_CLOSE, "round_id": "12"}).round_id == 12


@pytest.mark.parametrize(
    ("data", "verb", "problem"),
    [
        (None, None, "must be an object"),
        (["flip.prompt.skip", 7], None, "must be an object"),
        ("flip.prompt.skip", None, "must be an object"),
        ({}, None, "unknown card action"),
        ({"action": "flip.nope", "round_id": 7}, None, "unknown card action"),
        ({"action": 7, "round_id": 7}, None, "unknown card action"),
        ({"action": actions.PROMPT_SKIP}, None, "round_id"),
        ({"action": actions.PROMPT_SKIP, "round_id": 0}, None, "round_id"),
        ({"action": actions.PROMPT_SKIP, "round_id": -3}, None, "round_id"),
        ({"action": actions.PROMPT_SKIP, "round_id": 2**62}, None, "round_id"),
        ({"action": actions.PROMPT_SKIP, "round_id": True}, None, "round_id"),
        ({"action": actions.PROMPT_SKIP, "round_id": 7.5}, None, "round_id"),
        ({"action": actions.PROMPT_SKIP, "round_id": "7; drop"}, None, "round_id"),
        ({"action": actions.PROMPT_SKIP, "round_id": "٣"}, None, "round_id"),
        ({"action": actions.DIGEST_APPROVE, "round_id": 7}, None, "digest_id"),
        ({"action": actions.PROMPT_SKIP, "round_id": 7}, actions.ROUND_CLOSE, "differ"),
        ({"round_id": 7}, "flip.nope", "unknown card action"),
        ({"action": actions.ANSWER_DIALOG, "round_id": 7}, None, "dialog_id"),
        ({"action": actions.ANSWER_SUBMIT, "round_id": 7, "q1": 5}, None, "must be text"),
        ({"action": actions.ANSWER_SUBMIT, "round_id": 7, "q1": "x" * 20_001}, None, "longer"),
        ({"action": actions.ANSWER_SUBMIT, "round_id": 7, "quotable": "ja"}, None, "quotable"),
        ({"action": actions.ANSWER_SUBMIT, "round_id": 7, "message_id": 9}, None, "message_id"),
    ],
)
def test_malformed_card_data_is_rejected_with_a_clear_error(data, verb, problem):
    with pytest.raises(MalformedAction, match=problem):
        parse_action(data, verb=verb)


def test_building_data_for_an_unknown_verb_or_without_its_id_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown verb"):
        actions.execute_data("flip.nope", round_id=7)
    with pytest.raises(ValueError, match="digest_id"):
        actions.execute_data(actions.DIGEST_REJECT, round_id=7)
    with pytest.raises(ValueError, match="unknown dialog"):
        actions.dialog_data(actions.PROMPT_SKIP, 7)


# -- mentions ---------------------------------------------------------------------------------


def assert_no_mention(card) -> None:
    for node in walk(card_dict(card)):
        assert node.get("type") != "mention" and "entities" not in node and "mentioned" not in node


def test_member_text_with_at_tags_stays_plain_text_and_builds_no_mention(library):
    prompt = library.get("samtale-01")
    pinging = prompt.model_copy(update={"title": f"Hej {PING}"})
    home = build_home_card(
        language="da",
        tz=TZ,
        open_prompts=[(a_round(), pinging, "open")],
        journal=[(a_round(), prompt, a_response(f"Jeg talte med {PING} i går."))],
        paused_until=None,
        facilitator_rounds=None,
        names=NAMES,
    )
    dialog = build_answer_dialog(prompt, 7, "da", answers={"q1": PING})
    for card in (home, dialog, build_prompt_card(pinging, a_round(), "da", "open", TZ)):
        assert_no_mention(card)
        assert "msteams" not in card_dict(card)
    assert f"Jeg talte med {PING} i går." in texts(home)
    assert f"Hej {PING}" in texts(build_prompt_card(pinging, a_round(), "da", "open", TZ))


# -- home, reminder, help, welcome, summary -----------------------------------------------------


def test_a_brokers_home_shows_open_prompts_with_buttons_and_their_answers_newest_first(library):
    prompt, other = library.get("samtale-01"), library.get(library.all()[-1].id)
    journal = [
        (a_round(), prompt, a_response("Første svar")),
        (
            a_round(id=8),
            other,
            a_response("Nyeste svar", id=4, updated_at=datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ),
    ]
    home = build_home_card(
        language="da",
        tz=TZ,
        open_prompts=[(a_round(), prompt, "answered")],
        journal=journal,
        paused_until=datetime(2026, 12, 14, 23, 30, tzinfo=UTC),
        facilitator_rounds=None,
        names=NAMES,
    )
    shown = texts(home)
    assert (
        "Du er på pause til tirsdag den 15. december 2026." in shown
    )  # 23:30 UTC is past midnight in Copenhagen
    assert shown.index("Nyeste svar") < shown.index("Første svar")
    # 23:30 UTC on 24 November is the 25th in Copenhagen.
    assert any(s.endswith("25. nov. 2026") for s in shown)
    assert [(b["title"], read_back(b).verb) for b in buttons(home)] == [
        ("Ret svar", actions.EDIT_DIALOG)
    ]
    assert "Åbne runder" not in shown


def test_a_facilitators_home_has_remind_and_close_per_open_round(library):
    prompt = library.get("samtale-01")
    home = build_home_card(
        language="en",
        tz=TZ,
        open_prompts=[],
        journal=[],
        paused_until=None,
        facilitator_rounds=[HomeRound(a_round(id=12), prompt, participation(12))],
        names=NAMES,
    )
    found = [(b["title"], b["verb"], b["data"]["round_id"]) for b in buttons(home)]
    assert found == [
        ("Send reminder", actions.ROUND_REMIND, 12),
        ("Close round", actions.ROUND_CLOSE, 12),
    ]
    facts = [(f["title"], f["value"]) for n in walk(card_dict(home)) for f in n.get("facts", [])]
    assert facts == [("Silkeborg Kommune", "3/4 (75%)"), ("Herning Kommune", "1/2 (50%)")]
    shown = texts(home)
    assert f"Round 12: {prompt.text('en').title}" in shown
    assert "Nothing is waiting for your answer right now." in shown


def test_the_reminder_names_the_prompt_and_deadline_and_opens_the_dialog(library):
    prompt = library.get("samtale-01")
    card = build_reminder_card(prompt, a_round(), "da", TZ)
    assert (
        f"Hej! Der er stadig tid til at svare på “{prompt.title}”. Fristen er lørdag den 28. november kl. 16.00."
        in texts(card)
    )
    assert [read_back(b).verb for b in buttons(card)] == [actions.ANSWER_DIALOG]


def test_the_help_card_lists_every_command_with_its_description():
    card = build_help_card("da", problem="ukendt kommando `foo`")
    assert texts(card)[0] == "Det forstod jeg ikke: ukendt kommando `foo`"
    facts = {
        f["title"].split()[0]: f["value"] for n in walk(card_dict(card)) for f in n.get("facts", [])
    }
    # The first word of each usage line is the Danish command (the English ones work too).
    assert set(facts) == {
        "hjælp",
        "hjem",
        "sparring",
        "pause",
        "tilbage",
        "samtykke",
        "slet-mig",
        "start",
        "status",
        "påmind",
        "luk",
        "opsamling",
        "eksport",
    }
    assert facts["status"] == "Åbne runder og deltagelse pr. kommune"
    english = build_help_card("en")
    assert texts(english)[0] == "How to use flipbot"


def test_the_welcome_card_greets_in_the_members_language():
    assert texts(build_welcome_card("da"))[0] == "Velkommen til flipbot"
    assert texts(build_welcome_card("nb"))[0] == "Velkommen til flipbot"
    assert texts(build_welcome_card("en"))[0] == "Welcome to flipbot"
    assert buttons(build_welcome_card("da")) == []


def test_the_round_summary_has_a_line_per_municipality_and_the_total(library):
    prompt = library.get("samtale-01")
    closed = a_round(status=RoundStatus.CLOSED, closed_at=datetime(2026, 11, 28, 15, tzinfo=UTC))
    shown = texts(build_round_summary_card(closed, prompt, participation(), NAMES, "da"))
    assert shown == [
        f"Runde 7 er lukket: {prompt.title}",
        "Silkeborg Kommune: 3 svar af 4 (75 %), 0 sprunget over, 0 på pause, 0 ikke leveret",
        "Herning Kommune: 1 svar af 2 (50 %), 1 sprunget over, 0 på pause, 0 ikke leveret",
        "I alt: 4 svar af 6 (67 %)",
    ]


# -- digests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digest():
    return build(demo_answers()).model_copy(update={"id": 17, "round_id": 3})


def test_the_digest_draft_carries_share_rebuild_and_reject_for_its_digest(digest):
    card = build_digest_draft_card(digest)
    assert [(b["title"], read_back(b).verb, b["data"]["digest_id"]) for b in buttons(card)] == [
        ("Del i kanalen", actions.DIGEST_APPROVE, 17),
        ("Lav en ny kladde", actions.DIGEST_REBUILD, 17),
        ("Ret overskrifter", actions.DIGEST_EDIT_DIALOG, 17),
        ("Del ikke", actions.DIGEST_REJECT, 17),
    ]
    shown = texts(card)
    assert shown[0] == "Her er kladden til opsamlingen fra runde 3. Læs den igennem, før den deles."
    assert shown[1] == digest.title
    with pytest.raises(ValueError, match="stored digest"):
        build_digest_draft_card(digest.model_copy(update={"id": None}))


def test_the_reviewed_draft_has_no_buttons_and_says_what_happened(digest):
    card = build_digest_reviewed_card(digest, "✅ Delt i kanalen af Mette, i dag.")
    assert buttons(card) == []
    assert texts(card)[-1] == "✅ Delt i kanalen af Mette, i dag."


def test_the_digest_summary_card_shows_the_themes_and_participation(digest):
    card = build_digest_summary_card(digest)
    shown = texts(card)
    assert shown[0] == digest.title
    assert any(s.startswith("Deltagelse: ") and "Herning Kommune" in s for s in shown)
    themes = [s for s in shown if s.startswith("• ")]
    assert len(themes) == len(digest.themes) and themes[0].startswith(
        f"• {digest.themes[0].label}: "
    )
    assert (
        card_dict(card)["fallbackText"]
        == f"Opsamling fra runde 3: {digest.total.answered} svar. Hele opsamlingen står i tråden."
    )


def test_the_full_digest_text_holds_every_quote_and_escapes_answer_text(digest):
    quote = digest.themes[0].quotes[0]
    pinging = quote.model_copy(update={"text": f"Spørg {PING} om *det* [her](https://x.example)"})
    theme = digest.themes[0].model_copy(update={"quotes": [pinging, *digest.themes[0].quotes[1:]]})
    changed = digest.model_copy(update={"themes": [theme, *digest.themes[1:]]})
    (text,) = build_digest_thread_text(changed)
    assert "<at>" not in text and "[her](" not in text
    assert r"Spørg \<at\>Mette Jensen\</at\> om \*det\* \[her\](https://x.example)" in text
    for heading in (
        "**Dilemmaer i spil**",
        "**Åbne spørgsmål til mødet**",
        "**Forskelle mellem kommunerne**",
    ):
        assert heading in text
    assert text.count("\n> ") == len(changed.all_quotes())


def test_a_long_digest_is_split_into_replies_that_each_fit_and_say_they_go_on(digest):
    pieces = build_digest_thread_text(digest, budget=700)
    assert len(pieces) > 2
    assert all(len(p.encode()) <= 700 for p in pieces)
    assert all(p.endswith("_Opsamlingen fortsætter i næste besked._") for p in pieces[:-1])
    assert not pieces[-1].endswith("_Opsamlingen fortsætter i næste besked._")
    whole = "\n\n".join(pieces)
    assert all(f"(svar {q.answer_id}, {q.question_id})" in whole for q in digest.all_quotes())
