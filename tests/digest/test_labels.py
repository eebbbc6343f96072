"""Theme labels a facilitator can read aloud: real words in their usual form, no fillers, no names."""

import pytest

from bot.digest.text import capitalised_words, lemma, stop_words, words
from tests.digest.answers import (
    DANISH_EMPLOYERS,
    DANISH_PLAN,
    NORWEGIAN_EMPLOYERS,
    NORWEGIAN_PLAN,
    answers_of,
)
from tests.digest_helpers import build, demo_answers


@pytest.mark.parametrize(
    ("language", "groups", "expected"),
    [
        (
            "da",
            (DANISH_EMPLOYERS, DANISH_PLAN),
            {("virksomhed", "praktik"), ("plan", "tillid", "miste")},
        ),
        (
            "nb",
            (NORWEGIAN_EMPLOYERS, NORWEGIAN_PLAN),
            {("arbeidsgiver", "praksis"), ("plan", "tillit", "miste")},
        ),
    ],
)
def test_labels_are_lemmas_of_the_themes_own_words(language, groups, expected):
    answers = answers_of(*groups)
    digest = build(answers, k=2, language=language)
    assert {tuple(theme.terms) for theme in digest.themes} == expected
    assert {theme.label for theme in digest.themes} == {" · ".join(terms) for terms in expected}


def test_the_lemma_is_the_dictionary_form_not_a_stem():
    assert [lemma(w, "da") for w in ("borgerens", "virksomhederne", "rammen", "kravene")] == [
        "borger",
        "virksomhed",
        "ramme",
        "krav",
    ]
    assert [lemma(w, "nb") for w in ("arbeidsgiverne", "tilliten")] == ["arbeidsgiver", "tillit"]


def test_a_name_is_never_a_label_even_where_it_is_written_in_lower_case():
    # Kasper is in every plan answer; "kasper" is written lower-case in one of them.
    plan = [text.replace("Planen er", "Kaspers plan er") for text in DANISH_PLAN]
    plan = [text + " Kasper har det svært." for text in plan]
    digest = build(answers_of(DANISH_EMPLOYERS, plan), k=2)
    words = {term for theme in digest.themes for term in theme.terms}
    assert words and not words & {"kasper", "kaspers"}


def test_words_capitalised_inside_a_sentence_are_names():
    texts = [
        "Mira er lige begyndt. Jeg talte med Mira og hendes læge i går.",
        'Han sagde: "Rammen er rammen". Det var Jobcenter Herning, der ringede.',
        "- Første punkt er tillid.\nAnden linje: Planen holder.",
    ]
    assert capitalised_words(texts) == {"mira", "jobcenter", "herning"}


FILLERS = ["muligt", "grund", "første", "ofte", "måde", "flere", "sted", "finde", "sammen"]


def test_the_fillers_brokers_write_are_stop_words():
    assert set(FILLERS) <= stop_words()
    assert {lemma(w, "da") for w in FILLERS} <= stop_words()


def test_fillers_do_not_label_a_theme_even_when_every_answer_uses_them():
    padding = " Det er ofte muligt at finde en måde, og flere steder er grunden den første."
    answers = answers_of(
        [t + padding for t in DANISH_EMPLOYERS], [t + padding for t in DANISH_PLAN]
    )
    digest = build(answers, k=2)
    words = {term for theme in digest.themes for term in theme.terms}
    assert {"virksomhed", "plan", "tillid"} <= words
    assert not words & (set(FILLERS) | {"mulig", "sted", "grund"})


def test_demo_labels_hold_no_filler_no_name_and_come_from_their_answers():
    answers = demo_answers()
    digest = build(answers)
    by_id = {a.id: a for a in answers}
    for theme in digest.themes:
        assert 2 <= len(theme.terms) <= 3
        assert not set(theme.terms) & (stop_words() | {"mira", "miras"})
        lemmas = {lemma(w, "da") for i in theme.answer_ids for w in words(by_id[i].text)}
        assert set(theme.terms) <= lemmas
