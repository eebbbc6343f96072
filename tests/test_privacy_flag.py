"""Flagging names, health data and age + place that redaction cannot remove safely (issue 15)."""

import sys

import pytest
import yaml

from bot.privacy.flag import find_flags, first_names, flag_answers, preload, remove_flagged


def _flagged(text, members=()):
    return [(flag.kind, flag.text) for flag in find_flags(text, members)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mira Hansen vil gerne have et job.", [("name", "Mira Hansen")]),
        ("Jeg talte med Mira om praktik.", [("name", "Mira")]),
        ("Kim har fået job.", [("name", "Kim")]),  # a name, not a word
        ("Jeg talte med borgeren Ahmed om praktik.", [("name", "Ahmed")]),
        ("kollegaen Zorbulon tog sagen", [("name", "Zorbulon")]),  # role: any capitalised word
        ("Anne-Marie Holm kom til mødet.", [("name", "Anne-Marie Holm")]),
        # ordinary words as names only with context
        ("Vi mødte Per i går.", [("name", "Per")]),  # a capital mid-sentence
        ("Bo Jensen kom også.", [("name", "Bo Jensen")]),  # a surname after it
        ("Max Nielsen ringede.", [("name", "Max Nielsen")]),
        ("Vi talte med borgeren Bo om det.", [("name", "Bo")]),
        # health
        (
            "Hun har paranoid skizofreni og PTSD.",
            [("health", "paranoid skizofreni"), ("health", "PTSD")],
        ),
        ("Depressionen fylder meget.", [("health", "Depressionen")]),
        (
            "Han har ADHD og en autismediagnose? Nej, autisme.",
            [("health", "ADHD"), ("health", "autisme")],
        ),
        ("Hun har angst og diabetes.", [("health", "angst"), ("health", "diabetes")]),
        ("Han har rusmisbruk og depresjon.", [("health", "rusmisbruk"), ("health", "depresjon")]),
        # age and place
        ("En 23-årig fra Hvalpsund søger job.", [("age_place", "23-årig fra Hvalpsund")]),
        ("Hun er 23 år og bor i Hvalpsund.", [("age_place", "23 år og bor i Hvalpsund")]),
    ],
)
def test_likely_personal_data_is_flagged(text, expected):
    assert _flagged(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Per uge bruger vi 3 timer på det.",  # "per", a word at the start of a sentence
        "Hans mor var med til mødet.",  # "hans", his
        "Bo i Silkeborg er dyrt.",  # "bo", to live
        "Max 3 timer om ugen.",
        "Dag for dag bliver det bedre. Liv og glade dage.",
        "I Silkeborg har vi Helhedsflip med Jobcenter Herning og Vestas.",
        "Vi skal add noget, og kol er et ord.",  # acronyms only in capitals
        "Det kræver kræfter at holde fast.",
        "Hun er 23 år.",  # an age without a place
        "I 2025 kom 3 fra Herning.",  # a count, not an age
        "[NAVN] og [CPR] er allerede fjernet.",
    ],
)
def test_ordinary_text_is_not_flagged(text):
    assert _flagged(text) == []


def test_members_names_from_the_network_file_are_flagged_in_full_and_by_first_name():
    text = "Jeg spurgte Quillon Østergaard, og Quillon sagde ja."
    assert _flagged(text, ["Quillon Østergaard"]) == [
        ("name", "Quillon Østergaard"),
        ("name", "Quillon"),
    ]
    assert _flagged(text) == []  # not a first name in the lists: only the network file knows it


def test_spans_point_into_the_text_and_placeholders_replace_them():
    text = "Mira Hansen (23-årig fra Hvalpsund) har PTSD."
    flags = find_flags(text)
    assert [text[f.start : f.end] for f in flags] == [f.text for f in flags]
    assert remove_flagged(text, flags) == "[NAVN] ([ALDER OG STED]) har [HELBRED]."


def test_answers_are_flagged_per_question():
    flagged = flag_answers({"q1": "Mira siger ja.", "q2": "Vi holder fast."})
    assert list(flagged) == ["q1"]
    assert [f.text for f in flagged["q1"]] == ["Mira"]


def test_names_come_from_fakers_person_providers():
    names = first_names()
    assert {"Mira", "Kim", "Søren", "Ingrid", "Jürgen", "Astrid"} <= names
    assert "faker.providers.person.da_DK" in sys.modules
    assert "Quillon" not in names and "Per" in names


def test_the_demo_answers_flag_only_names_and_health_words():
    """The demo answers are about citizens: what is flagged there is a name or a diagnosis word."""
    from bot.demo import ANSWERS_FILE

    samples = yaml.safe_load(ANSWERS_FILE.read_text(encoding="utf-8"))
    texts = [value for sample in samples for value in sample["answers"].values()]
    flagged = {(f.kind, f.text) for text in texts for f in find_flags(text)}
    assert flagged == {("name", "Mira"), ("health", "angst"), ("health", "angsten")}


def test_preload_fills_the_name_lists_in_a_thread_of_its_own():
    thread = preload()
    assert thread.daemon and thread.name == "flipbot-names"
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert first_names.cache_info().currsize == 1
