"""Answers of any size and content are stored safely (redacted) or refused with a clear key."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.answering import MAX_ANSWER_CHARS, RoundError
from bot.privacy.redact import redact

BROKER = "U0SILK001"

anything = st.one_of(
    st.text(
        alphabet=st.characters(), max_size=200
    ),  # control characters, RTL, emoji, lone surrogates
    st.text(max_size=MAX_ANSWER_CHARS + 50, min_size=MAX_ANSWER_CHARS - 50),
    st.sampled_from(["<!channel>", "\u202eesrever", "\x00\x01\x1b[31m", "👩🏽‍💼" * 10, " \n\t "]),
)


@pytest.fixture
def open_round(rounds, library, clock):
    prompt = library.get("inddragelse-05")
    round_ = rounds.start_round(prompt, ["silkeborg"], clock() + timedelta(days=5), "U0FACI001")
    return round_.id, prompt.questions[0].id


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=anything)
def test_any_answer_is_stored_redacted_or_refused_clearly(rounds, db, open_round, text):
    round_id, q = open_round
    try:
        result = rounds.record_answer(round_id, BROKER, {q: text})
    except RoundError as exc:
        assert exc.key in ("answer_empty", "answer_too_long")
        return
    stored = db.response(round_id, BROKER).answers[q]
    assert stored == result.response.answers[q]
    assert redact(stored).removed == {}
    assert stored.strip() and len(stored) <= MAX_ANSWER_CHARS + 10 * stored.count("[")


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=anything)
def test_any_thread_reply_is_stored_redacted_or_refused_clearly(rounds, db, open_round, text):
    round_id, _ = open_round
    try:
        rounds.add_to_answer(round_id, BROKER, text)
    except RoundError as exc:
        assert exc.key in ("answer_empty", "answer_too_long")
        return
    for stored in db.response(round_id, BROKER).answers.values():
        assert redact(stored).removed == {}
