"""A digest made for the room: the prompt first, no ranking, counts that agree, local time, A4."""

import json
from datetime import UTC, datetime

import pytest

from bot.digest.model import Answer, MunicipalityFigures, PromptShown
from bot.digest.render import render
from tests.digest.answers import DANISH_EMPLOYERS, DANISH_PLAN
from tests.digest_helpers import NAMES, build

PROMPT = PromptShown(
    title="Planen og fristen",
    body="Kasper har lagt en plan.\n\nNu siger din leder, at fristen gælder.",
    questions=["Hvad ville du gøre?", "Hvad har du brug for?"],
)


def _answer(i: int, place: str, q1: str, q2: str = "", consent: bool = True) -> Answer:
    return Answer(
        id=f"a{i}",
        municipality=place,
        texts={"q1": q1, "q2": q2},
        member=f"U{i}",
        research_consent=consent,
    )


def _answers() -> list[Answer]:
    # Herning answers most, Silkeborg least; Viborg writes 7 answers, 5 about employers and 2
    # about the citizen's own plan in employers' words (one theme: all 7 of Viborg's answers).
    rows = [(place, text) for place in ("herning",) * 8 for text in [DANISH_PLAN[0]]]
    rows += [("silkeborg", DANISH_PLAN[1])] * 3
    rows += [("holstebro", DANISH_PLAN[2])] * 4
    rows += [("viborg", DANISH_EMPLOYERS[n % 4]) for n in range(5)]
    rows += [("viborg", DANISH_PLAN[3])] * 2
    return [_answer(i, p, t) for i, (p, t) in enumerate(rows)]


def test_participation_keeps_the_network_files_order_never_a_ranking():
    digest = build(_answers())
    assert [r.municipality for r in digest.participation] == [
        "silkeborg",
        "herning",
        "holstebro",
        "viborg",
    ]
    figures = [
        MunicipalityFigures(municipality=m, name=m, delivered=10, answered=a)
        for m, a in [("viborg", 7), ("holstebro", 4), ("herning", 8), ("silkeborg", 3)]
    ]
    digest = build(_answers(), participation=figures)
    assert [r.municipality for r in digest.participation] == list(NAMES)[:3] + ["viborg"]


def test_a_difference_is_told_in_counts_never_in_percentages():
    digest = build(_answers(), k=3)
    md = render(digest, "md")
    employers = next(th for th in digest.themes if "virksomhed" in th.terms)
    assert (
        f"I Viborg Kommune handlede 7 af 7 svar om “{employers.label}” (i alle kommuner 7 af 22)."
        in md
    )
    assert "%" not in md.split("## Forskelle")[1]
    # Silkeborg (3 answers) is too small to compare; no line says what a municipality lacks.
    assert {d.municipality for d in digest.differences} == {"herning", "viborg"}
    assert all(d.share > d.overall for d in digest.differences)


def test_quotes_cite_municipality_and_question_in_the_room_and_ids_only_in_json():
    digest = build(_answers(), prompt=PROMPT, questions=["q1", "q2"])
    md, html = render(digest, "md"), render(digest, "html")
    assert "— Herning Kommune, spørgsmål 1" in md
    assert "— Herning Kommune, spørgsmål 1" in html
    for text in (md, html):
        assert "svar a" not in text and "q1)" not in text
    data = json.loads(render(digest, "json"))
    quote = data["themes"][0]["quotes"][0]
    assert quote["answer_id"].startswith("a") and quote["question_number"] in (1, 2)


def test_the_overview_counts_what_the_table_counts():
    answers = _answers() + [_answer(99, "herning", DANISH_PLAN[0], consent=False)]
    digest = build(answers)
    assert digest.total.answered == 23
    assert "Der er 23 svar fra 4 kommuner." in digest.overview
    assert "| I alt | – | 23 | 0 |" in render(digest, "md")


def test_the_digest_opens_with_the_prompt_the_brokers_answered():
    digest = build(_answers(), prompt=PROMPT)
    for text in (render(digest, "md"), render(digest, "html")):
        assert "Planen og fristen" in text
        assert (
            "Kasper har lagt en plan." in text and "Nu siger din leder, at fristen gælder." in text
        )
        assert "Spørgsmål 2:" in text and "Hvad har du brug for?" in text
    md = render(digest, "md")
    assert md.index("Det spurgte vi om") < md.index("Overblik")


def test_a_prompt_id_from_the_library_brings_its_text():
    digest = build(_answers(), prompt_id="inddragelse-05")
    assert digest.prompt is not None and digest.prompt.title == "Miras plan og lovens frist"
    assert "er aktivitetsparat" in render(digest, "md")


@pytest.mark.parametrize(
    ("when", "language", "shown"),
    [
        (datetime(2026, 11, 27, 12, 0, tzinfo=UTC), "da", "Lavet 27. november 2026 kl. 13.00."),
        (datetime(2026, 6, 15, 10, 30, tzinfo=UTC), "da", "Lavet 15. juni 2026 kl. 12.30."),
        (datetime(2026, 6, 15, 10, 30, tzinfo=UTC), "nb", "Laget 15. juni 2026 kl. 12.30."),
        (datetime(2026, 6, 15, 10, 30, tzinfo=UTC), "en", "Made 15 June 2026 at 12:30."),
    ],
)
def test_the_footer_shows_local_time_with_a_date_in_the_digests_language(when, language, shown):
    digest = build(_answers(), created_at=when, language=language)
    assert shown in render(digest, "md") and shown in render(digest, "html")


def test_the_html_prints_on_a4():
    html = render(build(_answers()), "html")
    assert "@page{size:A4" in html and "@media print" in html
