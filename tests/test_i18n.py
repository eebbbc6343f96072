import re
import string
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import (
    LANGUAGES,
    _Formatter,
    catalogue,
    format_date,
    format_datetime,
    format_short_date,
    format_short_datetime,
    t,
    theme_name,
)
from bot.core.themes import THEME_IDS

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
PLURAL = re.compile(r"^(?:(?:zero|one|two|few|many|other)=[^|=]*\|?)+$")
# Fields that carry a number even where no word next to them changes with it.
NUMBERS = {
    "answered", "answers", "count", "delivered", "dilemmas", "failed", "length", "limit",
    "members", "number", "paused", "places", "questions", "rate", "responses", "round_id",
    "rows", "sent", "size", "skipped", "theme_answers", "waiting",
}  # fmt: skip


def fields(text: str) -> dict[str, set[str]]:
    """Every field a text fills in, with the format specs it is used with (nested ones too)."""
    found: dict[str, set[str]] = {}
    for _, name, spec, _ in string.Formatter().parse(text):
        if name is None:
            continue
        found.setdefault(name, set()).add(spec or "")
        for inner, specs in fields(spec or "").items():
            found.setdefault(inner, set()).update(specs)
    return found


def counted(text: str) -> set[str]:
    return {name for name, specs in fields(text).items() if any(PLURAL.match(s) for s in specs)}


def samples(text: str, number: int = 3) -> dict[str, object]:
    values: dict[str, object] = {}
    for name, specs in fields(text).items():
        if any(s.startswith("%") for s in specs):
            values[name] = datetime(2026, 12, 1, 16, tzinfo=COPENHAGEN)
        elif name in NUMBERS or name in counted(text):
            values[name] = number
        else:
            values[name] = f"<{name}>"
    return values


def entries():
    return [(lang, key) for lang in LANGUAGES for key in sorted(catalogue(lang))]


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "da"])
def test_catalogue_has_the_same_keys_and_placeholders_as_danish(language):
    danish, other = catalogue("da"), catalogue(language)
    assert set(other) == set(danish)
    for key, text in danish.items():
        assert set(fields(other[key])) == set(fields(text)), key


@pytest.mark.parametrize(("language", "key"), entries())
def test_every_entry_renders_with_sample_values_and_leaves_no_placeholder(language, key):
    text = catalogue(language)[key]
    for number in (0, 1, 2):
        shown = t(key, language, **samples(text, number))
        assert "{" not in shown and "}" not in shown, (key, shown)
        assert "one=" not in shown and "other=" not in shown, (key, shown)


@pytest.mark.parametrize(("language", "key"), entries())
def test_counted_words_take_the_one_form_for_1_and_the_other_form_for_0_and_2(language, key):
    # da, en and nb all have two plural categories: "one" for 1, "other" for 0, 2, 3, …
    text = catalogue(language)[key]
    for name in counted(text):
        for _, field, spec, _ in string.Formatter().parse(text):
            if field != name or not spec or not PLURAL.match(spec):
                continue
            forms = dict(part.split("=", 1) for part in spec.split("|") if part)
            assert "other" in forms, (key, spec)
            for number, form in ((0, "other"), (1, "one"), (2, "other")):
                values = samples(text)
                values[name] = number
                wanted = forms.get(form, forms["other"]).replace("{" + name + "}", str(number))
                assert wanted in t(key, language, **values), (key, number)


@pytest.mark.parametrize(
    ("language", "key", "params", "expected"),
    [
        ("da", "digest.theme_meta", {"answers": 1, "places": 1}, "1 svar fra 1 kommune"),
        ("da", "digest.theme_meta", {"answers": 2, "places": 2}, "2 svar fra 2 kommuner"),
        ("da", "digest.theme_meta", {"answers": 0, "places": 0}, "0 svar fra 0 kommuner"),
        ("en", "digest.theme_meta", {"answers": 1, "places": 1}, "1 answer from 1 municipality"),
        ("en", "digest.theme_meta", {"answers": 2, "places": 2}, "2 answers from 2 municipalities"),
        ("en", "digest.theme_meta", {"answers": 0, "places": 1}, "0 answers from 1 municipality"),
        ("nb", "digest.theme_meta", {"answers": 1, "places": 1}, "1 svar fra 1 kommune"),
        ("nb", "digest.theme_meta", {"answers": 2, "places": 2}, "2 svar fra 2 kommuner"),
        (
            "da",
            "digest.left_out",
            {"count": 1},
            "1 svar er ikke med, fordi der ikke er givet samtykke til, at det bruges i forskning.",
        ),
        (
            "da",
            "digest.left_out",
            {"count": 2},
            "2 svar er ikke med, fordi der ikke er givet samtykke til, at de bruges i forskning.",
        ),
        (
            "en",
            "digest.left_out",
            {"count": 1},
            "1 answer is left out because no consent was given to use it in research.",
        ),
        (
            "en",
            "digest.left_out",
            {"count": 0},
            "0 answers are left out because no consent was given to use them in research.",
        ),
        (
            "nb",
            "digest.left_out",
            {"count": 2},
            "2 svar er ikke med fordi det ikke er gitt samtykke til at de brukes i forskning.",
        ),
        ("da", "slack.start.paused", {"count": 1}, "1 vidensmægler er på pause og får den ikke."),
        ("da", "slack.start.paused", {"count": 2}, "2 vidensmæglere er på pause og får den ikke."),
        ("en", "slack.start.paused", {"count": 1}, "1 knowledge broker is paused and will not get it."),
        ("en", "slack.start.paused", {"count": 2}, "2 knowledge brokers are paused and will not get it."),
        ("nb", "slack.start.paused", {"count": 1}, "1 kunnskapsmegler er på pause og får den ikke."),
        ("nb", "slack.start.paused", {"count": 0}, "0 kunnskapsmeglere er på pause og får den ikke."),
        ("da", "digest.overview.themes", {"count": 1, "labels": "“X”"}, "Svarene samler sig om 1 tema: “X”."),
        ("da", "digest.overview.themes", {"count": 2, "labels": "“X”"}, "Svarene samler sig om 2 temaer: “X”."),
        ("en", "digest.overview.answers", {"answered": 1, "places": 1}, "There is 1 answer from 1 municipality."),
        ("en", "digest.overview.answers", {"answered": 2, "places": 2}, "There are 2 answers from 2 municipalities."),
        ("da", "slack.remind.ok", {"sent": 1, "failed": 0}, "Jeg har sendt 1 påmindelse (0 kunne ikke leveres)."),
        ("nb", "slack.remind.ok", {"sent": 2, "failed": 1}, "Jeg har sendt 2 påminnelser (1 kunne ikke leveres)."),
    ],
)  # fmt: skip
def test_counted_phrases_by_hand(language, key, params, expected):
    assert t(key, language, **params) == expected


@pytest.mark.parametrize(
    ("language", "moment", "expected"),
    [
        ("da", datetime(2026, 12, 1, 15, tzinfo=UTC), "tirsdag den 1. december kl. 16.00"),
        ("en", datetime(2026, 12, 1, 15, tzinfo=UTC), "Tuesday 1 December at 16:00"),
        ("nb", datetime(2026, 12, 1, 15, tzinfo=UTC), "tirsdag 1. desember kl. 16.00"),
        # Summer time: UTC+2 in Copenhagen.
        ("da", datetime(2026, 6, 12, 10, 5, tzinfo=UTC), "fredag den 12. juni kl. 12.05"),
        ("nb", datetime(2026, 6, 12, 10, 5, tzinfo=UTC), "fredag 12. juni kl. 12.05"),
        # Past midnight in Copenhagen while still the day before in UTC.
        ("en", datetime(2026, 11, 28, 23, 30, tzinfo=UTC), "Sunday 29 November at 00:30"),
    ],
)
def test_a_day_and_time_in_the_members_language_and_the_networks_time_zone(
    language, moment, expected
):
    assert format_datetime(moment, language, COPENHAGEN) == expected


@pytest.mark.parametrize(
    ("language", "long", "short"),
    [
        ("da", "mandag den 4. januar 2027", "4. jan. 2027"),
        ("en", "Monday 4 January 2027", "4 Jan 2027"),
        ("nb", "mandag 4. januar 2027", "4. jan. 2027"),
    ],
)
def test_a_date_in_the_members_language(language, long, short):
    moment = datetime(2027, 1, 4, 8, tzinfo=UTC)
    assert format_date(moment, language, COPENHAGEN) == long
    assert format_short_date(moment, language, COPENHAGEN) == short


def test_an_unknown_language_gets_danish_dates_and_a_naive_time_is_refused():
    moment = datetime(2026, 12, 1, 15, tzinfo=UTC)
    assert format_datetime(moment, "xx", COPENHAGEN) == "tirsdag den 1. december kl. 16.00"
    with pytest.raises(ValueError, match="naive"):
        format_date(datetime(2026, 12, 1, 15), "da", COPENHAGEN)


def test_every_theme_has_a_name_in_every_language():
    for language in LANGUAGES:
        names = {theme_name(theme, language) for theme in THEME_IDS}
        assert len(names) == len(THEME_IDS)


def test_text_is_filled_in_and_unknown_language_falls_back_to_danish():
    assert t("error.round_not_found", "en", round_id=7) == "I can't find round 7."
    assert t("error.round_not_found", "xx", round_id=7) == "Jeg kan ikke finde runde 7."


def test_a_strftime_spec_is_not_taken_for_plural_forms():
    moment = datetime(2026, 12, 1, 16, tzinfo=COPENHAGEN)
    assert _Formatter("da").format("{moment:%d.%m.%Y}", moment=moment) == "01.12.2026"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("da", "1. dec. 2026 kl. 16.00"),
        ("en", "1 Dec 2026, 16:00"),
        ("nb", "1. des. 2026 kl. 16.00"),
    ],
)
def test_a_short_date_and_time_for_files(language, expected):
    assert (
        format_short_datetime(datetime(2026, 12, 1, 15, tzinfo=UTC), language, COPENHAGEN)
        == expected
    )


def test_unknown_key_is_an_error():
    with pytest.raises(KeyError):
        t("no.such.key")
