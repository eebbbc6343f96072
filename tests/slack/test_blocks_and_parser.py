"""Block Kit builders and the /flip parser, without any server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.command import SUBCOMMANDS, Command, parse_command
from bot.core.models import Round, RoundStatus
from bot.slack import blocks

TZ = ZoneInfo("Europe/Copenhagen")


def a_round(**changes) -> Round:
    data = dict(
        id=7,
        prompt_id="samtale-01",
        theme="samtale",
        audience="all",
        started_by="U0FACI001",
        started_at=datetime(2026, 11, 23, 8, tzinfo=UTC),
        closes_at=datetime(2026, 11, 28, 15, tzinfo=UTC),
        status=RoundStatus.OPEN,
    )
    data.update(changes)
    return Round(**data)


@pytest.mark.parametrize("language", ["da", "en", "nb"])
@pytest.mark.parametrize("state", blocks.PROMPT_STATES)
def test_every_prompt_in_every_state_and_language_builds_within_slacks_limits(
    library, language, state
):
    for prompt in library.all():
        text, built = blocks.build_prompt_message(prompt, a_round(), language, state, TZ)
        assert text and len(built) <= blocks.MAX_BLOCKS
        dumped = [b.to_dict() for b in built]  # to_dict validates lengths
        assert sum(len(str(b)) for b in dumped) < 13000
        assert ("actions" in [b["type"] for b in dumped]) == (state != "closed")


def test_the_deadline_is_written_out_in_the_members_language_and_the_networks_time():
    text = blocks.deadline_text(datetime(2026, 11, 28, 15, tzinfo=UTC), "da", TZ)
    # Not Slack's <!date^…> token: Slack would render it in English for every reader.
    assert text == "lørdag den 28. november kl. 16.00"
    assert blocks.deadline_text(datetime(2026, 11, 28, 15, tzinfo=UTC), "nb", TZ) == (
        "lørdag 28. november kl. 16.00"
    )
    assert blocks.deadline_text(datetime(2026, 11, 28, 15, tzinfo=UTC), "en", TZ) == (
        "Saturday 28 November at 16:00"
    )


@pytest.mark.parametrize(
    ("prompt_id", "language", "expected", "deadline"),
    [
        (
            "samtale-05",
            "da",
            "Nyt dilemma fra FLIP: Ahmad og de to udeblivelser",
            "Svar senest lørdag den 28. november kl. 16.00",
        ),
        (
            "samtale-01",
            "da",
            "Nyt refleksionsspørgsmål fra FLIP: En samtale, der flyttede noget",
            "Svar senest lørdag den 28. november kl. 16.00",
        ),
        (
            "samtale-01",
            "nb",
            "Nytt refleksjonsspørsmål fra FLIP: En samtale som flyttet noe",
            "Svar innen lørdag 28. november kl. 16.00",
        ),
        (
            "samtale-05",
            "en",
            "New FLIP dilemma: Ahmad and the two missed meetings",
            "Please answer by Saturday 28 November at 16:00",
        ),
    ],
)
def test_the_notification_names_a_dilemma_or_a_reflection_question_and_the_deadline_is_local(
    library, prompt_id, language, expected, deadline
):
    prompt = library.get(prompt_id)
    text, built = blocks.build_prompt_message(prompt, a_round(), language, "open", TZ)
    assert text == expected
    assert deadline in str([b.to_dict() for b in built])


def test_answer_modal_round_trips_its_context_and_prefills_an_edit(library):
    prompt = library.get("samtale-01")
    context = blocks.ModalContext(7, "D0SILK001", "1.2")
    view = blocks.build_answer_modal(prompt, "da", context).to_dict()
    assert blocks.ModalContext.load(view["private_metadata"]) == context
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert all(b["element"]["max_length"] == 3000 for b in inputs[:-1])
    # "Må citeres" is never pre-ticked: a pre-ticked box is not consent.
    assert "initial_options" not in inputs[-1]["element"]
    assert inputs[-1]["element"]["options"][0]["value"] == blocks.QUOTABLE


def test_reading_a_submitted_answer_modal():
    values = {
        "q_q1": {"answer": {"value": "a"}},
        "q_q2": {"answer": {"value": None}},
        "choices": {"choices": {"selected_options": [{"value": "private"}]}},
    }
    assert blocks.read_answer_modal(values) == ({"q1": "a", "q2": ""}, False, True)


def test_long_text_is_split_into_message_sized_pieces():
    text = "\n".join(f"linje {i} " + "x" * 90 for i in range(400))
    pieces = blocks.split_text(text)
    assert len(pieces) > 1 and all(len(p) <= blocks.MESSAGE_TEXT_BUDGET for p in pieces)
    assert "\n".join(pieces) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Command("help")),
        ("HJÆLP", Command("help")),
        ("status", Command("status")),
        ("close 12", Command("close", {"round_id": 12})),
        ("luk", Command("close", {})),
        ("reopen 3 --closes 2d", Command("reopen", {"round_id": 3, "closes": timedelta(days=2)})),
        ("pause 2w", Command("pause", {"for": timedelta(weeks=2)})),
        ("pause until 2026-12-01", Command("pause", {"until": date(2026, 12, 1)})),
        (
            "start samtale Silkeborg --closes 5d --kanal <#C0FLIPTALK|flip-samtale>",
            Command(
                "start",
                {
                    "target": "samtale",
                    "municipalities": ["silkeborg"],
                    "closes": timedelta(days=5),
                    "channel": "C0FLIPTALK",
                },
            ),
        ),
    ],
)
def test_parse_command(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("dance", "slack.parse.unknown_command"),
        ("close twelve", "slack.parse.bad_round"),
        ("pause soon", "slack.parse.bad_duration"),
        ("pause until tomorrow", "slack.parse.bad_date"),
        ("start x --closes", "slack.parse.missing_value"),
        ("start x --kanal general", "slack.parse.bad_channel"),
        ("status now", "slack.parse.unexpected"),
        ("reopen", "slack.parse.missing_round"),
        ("pause", "slack.parse.missing_pause"),
        ("pause until", "slack.parse.missing_date"),
    ],
)
def test_malformed_commands_become_help_with_the_problem(text, problem):
    command = parse_command(text)
    assert command.name == "help" and command.problem[0] == problem


@given(st.text(max_size=200))
def test_parse_command_never_raises(text):
    command = parse_command(text)
    assert command.name in SUBCOMMANDS


def test_the_handlers_package_says_where_every_listener_lands():
    import re
    from pathlib import Path

    import bot.slack.handlers as handlers

    folder = Path(handlers.__file__).parent
    documented = handlers.__doc__ or ""
    registered = set()
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        registered |= set(re.findall(r"def (\w+)\(ack: Ack", text))
        registered |= set(re.findall(r"@app\.event\(\"\w+\"\)\n    def (\w+)", text))
    assert registered, "no listener found: the pattern no longer matches the handlers"
    assert sorted(name for name in registered if name not in documented) == []
