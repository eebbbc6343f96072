"""Quotes that stand alone: a dilemma with both its sides, whole thoughts, real questions."""

import pytest

from bot.digest.model import Answer
from bot.digest.quotes import is_real_question, units
from tests.digest_helpers import build

DANISH = {
    "silkeborg": "Jeg ville følge planen. På den ene side skal loven overholdes. På den anden side "
    "mister vi borgeren, hvis vi presser hende nu.",
    "herning": "Borgeren har brug for ro og tid til at komme sig. Men samtidig har hun krav på at "
    "vide, hvad loven siger om fristen.",
    "holstebro": "Lederen vil have tallene op, og borgeren vil have tid. Det er et klassisk "
    "spændingsfelt.",
    "viborg": "Hvorfor skal det altid være borgeren, der tilpasser sig systemet? Det er jo svært "
    "at vide på forhånd, ikke? Kunne forskerne hjælpe os med det?",
}
NORWEGIAN = {
    "silkeborg": "Jeg ville fulgt planen. På den ene siden må vi følge regelverket. På den andre "
    "siden er det brukeren som må leve med planen etterpå.",
    "herning": "Brukeren trenger tid og ro for å komme seg. Men samtidig har hun rett til å vite "
    "hva loven krever av henne.",
    "holstebro": "Lederen vil ha tallene opp, og brukeren trenger tid. Det er et klassisk "
    "spenningsfelt.",
    "viborg": "Hvorfor er det alltid veilederen som må bære dilemmaet alene? Det er jo vanskelig "
    "å vite på forhånd, ikke sant? Kunne forskerne hjelpe oss med det?",
}
# What a facilitator would read out, written by hand: each tension with both its sides.
EXPECTED = {
    "da": {
        "dilemmas": {
            "På den ene side skal loven overholdes. På den anden side mister vi borgeren, hvis vi "
            "presser hende nu.",
            "Borgeren har brug for ro og tid til at komme sig. Men samtidig har hun krav på at "
            "vide, hvad loven siger om fristen.",
            "Lederen vil have tallene op, og borgeren vil have tid. Det er et klassisk "
            "spændingsfelt.",
        },
        "question": "Hvorfor skal det altid være borgeren, der tilpasser sig systemet?",
        "halves": {
            "På den anden side mister vi borgeren, hvis vi presser hende nu.",
            "På den ene side skal loven overholdes.",
            "Men samtidig har hun krav på at vide, hvad loven siger om fristen.",
            "Det er et klassisk spændingsfelt.",
        },
    },
    "nb": {
        "dilemmas": {
            "På den ene siden må vi følge regelverket. På den andre siden er det brukeren som må "
            "leve med planen etterpå.",
            "Brukeren trenger tid og ro for å komme seg. Men samtidig har hun rett til å vite hva "
            "loven krever av henne.",
            "Lederen vil ha tallene opp, og brukeren trenger tid. Det er et klassisk "
            "spenningsfelt.",
        },
        "question": "Hvorfor er det alltid veilederen som må bære dilemmaet alene?",
        "halves": {
            "På den andre siden er det brukeren som må leve med planen etterpå.",
            "Men samtidig har hun rett til å vite hva loven krever av henne.",
            "Det er et klassisk spenningsfelt.",
        },
    },
}


def _answers(texts: dict[str, str]) -> list[Answer]:
    # Three members per municipality answer alike, so every municipality may be named.
    return [
        Answer(id=f"{place}{n}", municipality=place, texts={"q1": text}, member=f"U{place}{n}")
        for place, text in texts.items()
        for n in range(3)
    ]


@pytest.mark.parametrize(("language", "texts"), [("da", DANISH), ("nb", NORWEGIAN)])
def test_a_dilemma_is_quoted_with_both_its_sides(language, texts):
    digest = build(_answers(texts), language=language)
    expected = EXPECTED[language]
    quoted = {q.text for q in digest.all_quotes()}
    assert expected["dilemmas"] <= quoted
    assert not quoted & expected["halves"]
    assert [q.text for q in digest.questions] == [expected["question"]]


def test_a_thought_that_answers_a_sentence_it_does_not_have_is_never_quoted():
    orphan = "Men samtidig er det svært at se, hvordan vi skulle gøre det anderledes i dag."
    answers = [
        Answer(
            id=f"a{i}",
            municipality="herning",
            texts={"q1": "Jeg ville følge borgerens plan og give hende tid.", "q2": orphan},
            member=f"U{i}",
        )
        for i in range(3)
    ]
    digest = build(answers)
    assert all("anderledes" not in q.text for q in digest.all_quotes())


def test_units_join_a_sentence_to_the_one_it_answers():
    text = "Jeg følger planen. På den ene side A er vigtigt. På den anden side B. Til sidst C."
    assert [text[s:e] for s, e, _ in units(text)] == [
        "Jeg følger planen.",
        "På den ene side A er vigtigt. På den anden side B.",
        "Til sidst C.",
    ]
    assert [whole for _, _, whole in units("Men det er svært. Det ved vi godt.")] == [False, True]
    text = "Lederen vil have tal, og borgeren har brug for tid. Jeg kender spændingsfeltet godt."
    assert [text[s:e] for s, e, _ in units(text)] == [text]


@pytest.mark.parametrize(
    ("sentence", "real"),
    [
        ("Hvorfor er det altid frontmedarbejderen, der skal bære dilemmaet alene?", True),
        ("Men hvad betyder jobrettet egentlig for en som hende?", True),
        (
            "Det første, jeg tænker, er: Ved ydelsesafdelingen overhovedet, hvad vi har aftalt?",
            True,
        ),
        ("Er det borgeren, eller er det os selv, der skal dokumentere?", True),
        ("Hvordan får vi arbeidsgiverne med fra starten?", True),
        ("Det er jo svært at vide på forhånd, ikke?", False),
        ("Kunne FLIP være det?", False),
        ("Kunne forskerne hjælpe os med det?", False),
        ("Virker de overhovedet?", False),
        ("Borgeren skal have tid til det hele?", False),
    ],
)
def test_a_question_quote_is_a_real_question(sentence, real):
    assert is_real_question(sentence) is real
