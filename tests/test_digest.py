import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digest.checks import DishonestDigest, assert_digest_is_honest
from bot.digest.model import OTHER_MUNICIPALITIES, Answer
from bot.digest.render import render
from tests.digest_helpers import NAMES, build, demo_answers


@pytest.fixture(scope="module")
def answers():
    return demo_answers()


@pytest.fixture(scope="module")
def digest(answers):
    return build(answers)


def test_demo_digest_keeps_its_promises(digest, answers):
    assert_digest_is_honest(digest, answers)
    assert 2 <= len(digest.themes) <= 6
    grouped = [a for th in digest.themes for a in th.answer_ids]
    assert sorted(grouped, key=int) == [a.id for a in answers]
    assert all(1 <= len(th.quotes) <= 3 for th in digest.themes)
    assert all(th.label and th.terms for th in digest.themes)
    assert digest.dilemmas and digest.questions
    assert all(q.text.endswith("?") for q in digest.questions)
    assert digest.total.answered == 40 and digest.not_quotable == 5
    assert "Der er 40 svar fra 5 kommuner." in digest.overview
    # The sample answers are spread evenly over the five municipalities, so differences between
    # them are chance; each one named must point at a real theme and a named municipality.
    for difference in digest.differences:
        assert abs(difference.share - difference.overall) >= 0.25
        assert digest.themes[difference.theme].label in render(digest, "md")


def test_dilemmas_are_sentences_that_weigh_two_things(digest):
    markers = re.compile(r"men|samtidig|på den ene side|dilemma|spændingsfelt|alligevel", re.I)
    assert all(markers.search(q.text) for q in digest.dilemmas)


def test_the_same_answers_give_the_same_digest(answers, digest):
    again = build(list(answers))
    assert again.model_dump() == digest.model_dump()


def test_answers_not_to_be_quoted_and_members_without_consent_are_never_quoted(answers):
    changed = [
        a.model_copy(update={"quotable": False}) if a.municipality == "herning" else a
        for a in answers
    ]
    changed = [
        a.model_copy(update={"research_consent": False}) if a.municipality == "viborg" else a
        for a in changed
    ]
    digest = build(changed)
    assert_digest_is_honest(digest, changed)
    quoted = {q.answer_id for q in digest.all_quotes()}
    by_id = {a.id: a for a in changed}
    assert {by_id[i].municipality for i in quoted} <= {"silkeborg", "holstebro", "vesthimmerland"}
    grouped = {i for th in digest.themes for i in th.answer_ids}
    assert not any(by_id[i].municipality == "viborg" for i in grouped)
    assert digest.left_out_no_consent == 8
    assert digest.answers_used == 32


def test_a_municipality_with_too_few_answers_shows_as_other_municipalities(answers):
    few = [
        a.model_copy(update={"municipality": "lille"}) if a.id in {"3", "6"} else a for a in answers
    ]
    names = {**NAMES, "lille": "Lilleby Kommune"}
    digest = build(few, names=names, min_group_size=3)
    assert_digest_is_honest(digest, few)
    rows = {r.municipality: r for r in digest.participation}
    assert "lille" not in rows and rows[OTHER_MUNICIPALITIES].answered == 2
    assert rows[OTHER_MUNICIPALITIES].name == "andre kommuner"
    small_quotes = [q for q in digest.all_quotes() if q.answer_id in {"3", "6"}]
    assert small_quotes, "the small municipality's answers are quotable and should be used"
    assert all(q.municipality == OTHER_MUNICIPALITIES for q in small_quotes)
    for fmt in ("md", "html", "json"):
        assert "Lilleby" not in render(digest, fmt) and '"lille"' not in render(digest, fmt)


def _tamper(digest, answers, how):
    digest = digest.model_copy(deep=True)
    quote = digest.themes[0].quotes[0]
    if how == "changed_text":
        quote.text = quote.text.replace("e", "a", 1) + "!"
    elif how == "wrong_offsets":
        quote.start += 1
    elif how == "not_quotable":
        banned = next(a for a in answers if not a.quotable)
        quote.answer_id, quote.question_id = banned.id, "q1"
        quote.start, quote.end = 0, 10
        quote.text = banned.texts["q1"][:10]
        quote.municipality = banned.municipality
    elif how == "wrong_municipality":
        quote.municipality = next(m for m in NAMES if m != quote.municipality)
    elif how == "names_a_person":
        digest.overview += " U0TEST001 sagde det."
    elif how == "theme_count":
        digest.themes[0].answers += 1
    elif how == "half_a_dilemma":
        pair = next(q for q in digest.dilemmas if "På den anden side" in q.text)
        pair.start += pair.text.index("På den anden side")
        pair.text = next(a for a in answers if a.id == pair.answer_id).texts[pair.question_id][
            pair.start : pair.end
        ]
    elif how == "total_disagrees":
        digest.total.answered += 1
    elif how == "filler_label":
        digest.themes[0].terms.append("muligt")
    elif how == "name_label":
        digest.themes[0].terms.append("mira")
    elif how == "label_from_elsewhere":
        digest.themes[0].terms.append("cykel")
    elif how == "unknown_answer":
        digest.themes[0].answer_ids.append("999")
        digest.themes[0].answers += 1
    return digest


@pytest.mark.parametrize(
    "how",
    [
        "changed_text",
        "wrong_offsets",
        "not_quotable",
        "wrong_municipality",
        "names_a_person",
        "theme_count",
        "half_a_dilemma",
        "total_disagrees",
        "filler_label",
        "name_label",
        "label_from_elsewhere",
        "unknown_answer",
    ],
)
def test_the_honesty_check_catches_each_broken_promise(digest, answers, how):
    with pytest.raises(DishonestDigest):
        assert_digest_is_honest(_tamper(digest, answers, how), answers)


HOSTILE = "Jeg siger <script>alert(1)</script> & <@U0ABC> *fed* [link](http://x) til jer, men samtidig er det svært."


def test_answer_text_is_escaped_in_every_rendering():
    answers = [
        Answer(id=str(i), municipality="herning", texts={"q1": HOSTILE}, member=f"U0MEMBER{i}")
        for i in range(4)
    ]
    digest = build(answers)
    assert_digest_is_honest(digest, answers)
    assert any("<script>" in q.text for q in digest.all_quotes())
    html = render(digest, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;@U0ABC&gt;" in html
    md = render(digest, "md")
    assert "<script>" not in md and "\\<script\\>" in md and "\\[link\\]" in md
    assert HOSTILE in {q.text for q in digest.all_quotes()}


def test_json_quotes_are_the_verbatim_text(digest):
    data = json.loads(render(digest, "json"))
    texts = [q["text"] for th in data["themes"] for q in th["quotes"]]
    assert texts == [q.text for th in digest.themes for q in th.quotes]


def test_html_is_one_self_contained_file_for_phone_and_print(digest):
    html = render(digest, "html")
    assert html.startswith("<!DOCTYPE html>")
    assert 'name="viewport"' in html and "@media print" in html
    assert html.count("<svg") == 2
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    assert "<script" not in html
    for row in digest.participation:
        assert row.name in html


@pytest.mark.parametrize(
    ("language", "heading"),
    [("da", "Dilemmaer i spil"), ("en", "Dilemmas in play"), ("nb", "Dilemmaer i spill")],
)
def test_headings_follow_the_language(answers, language, heading):
    digest = build(answers, language=language)
    assert heading in render(digest, "md") and heading in render(digest, "html")


def test_no_answers_gives_an_empty_but_valid_digest():
    digest = build([])
    assert_digest_is_honest(digest, [])
    assert digest.themes == [] and "Ingen i denne omgang." in render(digest, "md")


def test_english_and_norwegian_answers_get_content_words_as_labels():
    texts = [
        "The employer wants a stable contact person at the job centre, but we change staff often.",
        "Employers ask for one contact person; the citizens need time to build trust.",
        "Arbeidsgiverne vil ha én kontaktperson, men vi bytter ofte saksbehandler.",
        "Arbeidsgiverne trenger en fast kontaktperson i Nav, samtidig som borgeren trenger tid.",
    ]
    answers = [
        Answer(id=str(i), municipality="herning", texts={"q1": t}, member=f"U{i}")
        for i, t in enumerate(texts)
    ]
    digest = build(answers)
    assert_digest_is_honest(digest, answers)
    labels = {term for th in digest.themes for term in th.terms}
    assert labels and not labels & {"the", "but", "we", "men", "vi", "og", "en"}


WORDS = st.sampled_from(
    [
        "borger",
        "leder",
        "plan",
        "tillid",
        "loven",
        "sanktion",
        "virksomhed",
        "men",
        "samtidig",
        "dilemma",
        "hvorfor",
        "hvordan",
        "Mira",
        "job",
        "tid",
        "angst",
        "møde",
        "forskning",
        "praksis",
        "jobcenter",
    ]
)
SENTENCE = (
    st.lists(WORDS, min_size=3, max_size=14)
    .map(" ".join)
    .flatmap(lambda s: st.sampled_from([s + ".", s + "?", s + "!", s]))
)


@given(
    st.lists(
        st.tuples(
            st.lists(SENTENCE, min_size=1, max_size=4).map(" ".join),
            st.sampled_from(list(NAMES)),
            st.booleans(),
            st.booleans(),
        ),
        min_size=0,
        max_size=25,
    )
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_set_of_answers_gives_an_honest_digest(rows):
    answers = [
        Answer(
            id=f"a{i}",
            municipality=m,
            texts={"q1": text},
            quotable=quotable,
            research_consent=consent,
            member=f"U{i}",
        )
        for i, (text, m, quotable, consent) in enumerate(rows)
    ]
    digest = build(answers)
    assert_digest_is_honest(digest, answers)
    grouped = [i for th in digest.themes for i in th.answer_ids]
    assert len(grouped) == len(set(grouped))


def test_a_copied_answer_reads_its_own_text():
    answer = Answer(id="1", municipality="herning", texts={"q1": "Første tekst."})
    assert answer.text == "Første tekst."
    assert answer.model_copy(update={"texts": {"q1": "Anden tekst."}}).text == "Anden tekst."


def test_a_quote_that_names_a_member_is_not_used():
    texts = [
        "Jeg talte med Signe Andersen om planen, men samtidig er loven klar.",
        "Signe mener, vi skal følge planen, men samtidig holde fristen.",
        "Vi skal følge planen, men samtidig holde fristen for borgeren.",
        "Planen er vigtig for borgeren, men samtidig er fristen vigtig.",
    ]
    answers = [
        Answer(id=str(i), municipality="herning", texts={"q1": t}, member=f"U0MEMBER{i}")
        for i, t in enumerate(texts)
    ]
    digest = build(answers, people=["Signe Andersen"])
    assert_digest_is_honest(digest, answers, forbidden=["Signe Andersen", "Signe"])
    assert digest.all_quotes() and all("Signe" not in q.text for q in digest.all_quotes())


def test_group_size_counts_members_with_consent_and_groups_silent_municipalities(answers):
    from bot.digest.model import MunicipalityFigures

    changed = [
        a.model_copy(update={"research_consent": False})
        if a.municipality == "herning" and a.id not in {"2", "7"}
        else a
        for a in answers
    ]
    herning_with_consent = [
        a for a in changed if a.municipality == "herning" and a.research_consent
    ]
    assert len(herning_with_consent) == 2
    figures = [
        MunicipalityFigures(municipality=m, name=m, delivered=10, answered=8, skipped=1)
        for m in ("silkeborg", "herning", "holstebro", "vesthimmerland", "viborg")
    ] + [
        MunicipalityFigures(municipality="skive", name="skive", delivered=2, answered=0, skipped=2)
    ]
    digest = build(changed, participation=figures, names={**NAMES, "skive": "Skive Kommune"})
    rows = {r.municipality: r for r in digest.participation}
    assert "herning" not in rows and "skive" not in rows
    assert rows[OTHER_MUNICIPALITIES].delivered == 12 and rows[OTHER_MUNICIPALITIES].skipped == 3
    assert "Herning" not in render(digest, "md") and "Skive" not in render(digest, "html")


def test_a_municipality_that_talks_about_something_else_is_named_as_different():
    employers = [
        "Virksomhederne vil have én fast kontakt i jobcentret.",
        "Virksomhederne mangler en fast kontakt, når de ansætter.",
        "En fast kontakt til virksomhederne gør forskellen.",
    ]
    citizens = [
        "Borgerens egen plan skal styre forløbet.",
        "Planen skal være borgerens egen, ellers holder forløbet ikke.",
        "Forløbet skal følge borgerens plan og tempo.",
    ]
    answers = [
        Answer(id=f"h{i}", municipality="herning", texts={"q1": employers[i % 3]}, member=f"UH{i}")
        for i in range(6)
    ] + [
        Answer(id=f"s{i}", municipality=m, texts={"q1": citizens[i % 3]}, member=f"US{i}")
        for i, m in enumerate(["silkeborg", "viborg"] * 3)
    ]
    digest = build(answers, k=2)
    herning = [d for d in digest.differences if d.municipality == "herning" and d.share == 1.0]
    assert herning and herning[0].overall == 0.5
    assert "virksomhed" in digest.themes[herning[0].theme].terms
    md = render(digest, "md")
    assert "I Herning Kommune handlede 6 af 6 svar om “" in md
    assert "(i alle kommuner 6 af 12)." in md and "%" not in md


def test_no_sentence_is_quoted_twice(digest):
    spots = [(q.answer_id, q.question_id, q.start) for q in digest.all_quotes()]
    assert len(spots) == len(set(spots))


def test_a_name_written_only_in_an_answer_without_consent_is_not_a_label():
    # Found by the property test above: "Mira" was capitalised only in an answer that may not be
    # used, so the engine saw "mira" as a plain word while the honesty check knew it as a name.
    consenting = [
        Answer(
            id=f"c{i}",
            municipality="herning",
            texts={"q1": "mira mira møde tid jobcenter"},
            quotable=True,
            research_consent=True,
            member=f"U{i}",
        )
        for i in range(4)
    ]
    refused = Answer(
        id="r",
        municipality="herning",
        texts={"q1": "Vi talte med Mira om det."},
        quotable=True,
        research_consent=False,
        member="U9",
    )
    digest = build([*consenting, refused])
    assert all("mira" not in theme.terms for theme in digest.themes)
    assert_digest_is_honest(digest, [*consenting, refused])
