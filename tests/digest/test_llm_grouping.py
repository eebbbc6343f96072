"""The LLM proposes the grouping, labels and quotes, against a local chat-completions server
(127.0.0.1, port 0). A proposal that keeps every promise of the offline digest is used; any other
falls back to the extractive digest, which says why."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

import tests.test_digest_llm as llm_fakes
from bot.digest.checks import assert_digest_is_honest
from bot.digest.llm import LlmEngine
from bot.digest.model import Answer
from bot.digest.render import render
from tests.digest.answers import DANISH_EMPLOYERS, DANISH_PLAN
from tests.digest_helpers import build

PEOPLE = ["Mette Sørensen", "Jonas Holm"]
LINE = re.compile(r"^(A\d+)( \(not to be quoted\))?: (.*)$", re.MULTILINE)


class FromRequest(list):
    """The reply queue of the chat-completions fake of tests/test_digest_llm.py, made from the
    request it answers: `respond` gets the answer lines the model was sent and those marked not
    to be quoted, and returns the JSON the model answers; `raw` (status, body) and `hang` stand
    for a broken or slow endpoint."""

    def __init__(self, fake):
        super().__init__()
        self.fake = fake
        self.respond: Callable[[dict[str, str], set[str]], object] | None = None
        self.raw: tuple[int, str] | None = None
        self.hang = False

    def pop(self, index=-1):
        if self.hang:
            return "hang"  # the fake waits until the test ends: the client times out first
        if self.raw is not None:
            return self.raw
        found = list(LINE.finditer(self.fake.requests[-1]["body"]["messages"][1]["content"]))
        lines = {m[1]: m[3] for m in found}
        marked = {m[1] for m in found if m[2]}
        return 200, llm_fakes.completion(self.respond(lines, marked))


@pytest.fixture
def model():
    fake = llm_fakes.FakeLlm()
    fake.replies = FromRequest(fake)
    yield fake
    fake.close()


def _answers() -> list[Answer]:
    """16 answers from two municipalities (8 members each): employers, and the citizen's plan.
    The last plan answer may not be quoted; one answer names a colleague (Mette)."""
    texts = DANISH_EMPLOYERS + DANISH_PLAN
    texts = texts + [text.replace("jobcentret", "jobcentret hos Mette") for text in texts]
    return [
        Answer(
            id=f"r{i + 1}",
            municipality=("herning", "silkeborg")[i % 2],
            texts={"q1": text},
            member=f"U0TEST{i:03d}",
            quotable=i != len(texts) - 1,
        )
        for i, text in enumerate(texts)
    ]


OVERVIEW = "Brokerne beskriver to måder at gribe sagen an på: via virksomhederne eller planen."


def good(lines: dict[str, str], marked=frozenset()) -> dict:
    """Two themes by what the answers are about, with a verbatim quote each."""
    employers = [label for label, text in lines.items() if "irksomhed" in text]
    plan = [label for label in lines if label not in employers]
    return {
        "overview": OVERVIEW,
        "themes": [
            {
                "label": "Kontakten til virksomheden",
                "answers": employers,
                "quotes": [{"answer": employers[0], "text": lines[employers[0]]}],
            },
            {"label": "Borgerens egen plan", "answers": plan, "quotes": []},
        ],
    }


@pytest.fixture(scope="module")
def answers():
    return _answers()


@pytest.fixture(scope="module")
def extractive(answers):
    return build(answers, k=3, people=PEOPLE)


def run(model, extractive, answers, timeout=2.0):
    return LlmEngine(model.url, None, "m", timeout=timeout)(extractive, answers, PEOPLE)


def test_a_grouping_that_keeps_every_promise_is_used(model, answers, extractive):
    model.replies.respond = good
    digest = run(model, extractive, answers)
    assert (digest.engine, digest.engine_note, digest.llm_grouping) == ("llm", None, True)
    labels = {th.label: th for th in digest.themes}
    assert set(labels) == {"Kontakten til virksomheden", "Borgerens egen plan"}
    employers = labels["Kontakten til virksomheden"]
    assert {answers[int(i[1:]) - 1].texts["q1"] for i in employers.answer_ids} == set(
        DANISH_EMPLOYERS
    ) | {t.replace("jobcentret", "jobcentret hos Mette") for t in DANISH_EMPLOYERS}
    assert employers.terms == ["kontakt", "virksomhed"]
    assert employers.quotes[0].text == DANISH_EMPLOYERS[0]
    assert labels["Borgerens egen plan"].quotes  # picked from its answers when none is proposed
    assert digest.overview == OVERVIEW
    assert_digest_is_honest(digest, answers, forbidden=PEOPLE)
    md = render(digest, "md")
    assert "Sprogmodellen har også samlet svarene i temaer" in md
    sent = json.dumps(model.requests[0]["body"], ensure_ascii=False)
    assert "U0TEST" not in sent and "Mette" not in sent and "herning" not in sent
    assert model.requests[0]["body"]["messages"][1]["content"].count("(not to be quoted)") == 1


def _first_employer(lines):
    return next(label for label, text in lines.items() if "irksomhed" in text)


def invented(lines, marked=frozenset()):
    reply = good(lines, marked)
    reply["themes"][0]["quotes"] = [
        {"answer": _first_employer(lines), "text": "Virksomhederne er altid tilfredse med os."}
    ]
    return reply


def dropped(lines, marked=frozenset()):
    reply = good(lines, marked)
    reply["themes"][1]["answers"] = reply["themes"][1]["answers"][1:]
    return reply


def twice(lines, marked=frozenset()):
    reply = good(lines, marked)
    reply["themes"][1]["answers"].append(reply["themes"][0]["answers"][0])
    return reply


def named(lines, marked=frozenset()):
    reply = good(lines, marked)
    reply["themes"][1]["label"] = "Kasper og planen"
    return reply


def member_named(lines, marked=frozenset()):
    reply = good(lines, marked)
    reply["themes"][0]["label"] = "Mettes virksomheder"
    return reply


def not_quotable(lines, marked):
    reply = good(lines, marked)
    [label] = marked
    reply["themes"][1]["quotes"] = [{"answer": label, "text": lines[label]}]
    return reply


@pytest.mark.parametrize(
    ("respond", "reason"),
    [
        (invented, "står ikke ordret i svaret"),
        (dropped, "den udelod 1 svar"),
        (twice, "i to temaer"),
        (named, "overskriften “Kasper og planen” er et navn"),
        (member_named, "er et navn"),
        (not_quotable, "som ikke må citeres"),
    ],
    ids=[
        "invents-a-quote",
        "drops-an-answer",
        "places-one-twice",
        "name-as-label",
        "member-as-label",
        "quotes-the-unquotable",
    ],
)
def test_a_grouping_that_breaks_a_promise_falls_back_and_says_why(
    model, answers, extractive, respond, reason
):
    model.replies.respond = respond
    digest = run(model, extractive, answers)
    assert digest.engine == "extractive" and not digest.llm_grouping
    assert reason in digest.engine_note
    assert digest.themes == extractive.themes and digest.overview == extractive.overview
    assert f"Sprogmodellen kunne ikke bruges ({digest.engine_note})" in render(digest, "md")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [((200, "{ not json"), "invalid answer"), ((500, '{"error": "boom"}'), "HTTP 500")],
    ids=["bad-json", "server-error"],
)
def test_a_broken_endpoint_falls_back_and_says_why(model, answers, extractive, raw, reason):
    model.replies.raw = raw
    digest = run(model, extractive, answers)
    assert (digest.engine, digest.engine_note) == ("extractive", reason)
    assert digest.themes == extractive.themes


def test_a_bad_json_grouping_inside_a_good_reply_falls_back(model, answers, extractive):
    model.replies.respond = lambda lines, marked: {"overview": OVERVIEW, "themes": [{"label": "x"}]}
    digest = run(model, extractive, answers)
    assert (digest.engine, digest.engine_note) == ("extractive", "invalid answer")


def test_a_slow_model_is_given_up_on_after_the_time_out(model, answers, extractive):
    model.replies.hang = True
    digest = run(model, extractive, answers, timeout=0.3)
    assert (digest.engine, digest.engine_note) == ("extractive", "time-out")
    assert digest.themes == extractive.themes
