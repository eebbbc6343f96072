import re

import pytest

from bot.core.i18n import LANGUAGES, catalogue, t, theme_name
from bot.core.themes import THEME_IDS

PLACEHOLDER = re.compile(r"{(\w+)}")


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "da"])
def test_catalogue_has_the_same_keys_and_placeholders_as_danish(language):
    danish, other = catalogue("da"), catalogue(language)
    assert set(other) == set(danish)
    for key, text in danish.items():
        assert set(PLACEHOLDER.findall(other[key])) == set(PLACEHOLDER.findall(text)), key


def test_every_theme_has_a_name_in_every_language():
    for language in LANGUAGES:
        names = {theme_name(theme, language) for theme in THEME_IDS}
        assert len(names) == len(THEME_IDS)


def test_text_is_filled_in_and_unknown_language_falls_back_to_danish():
    assert t("error.round_not_found", "en", round_id=7) == "I can't find round 7."
    assert t("error.round_not_found", "xx", round_id=7) == "Jeg kan ikke finde runde 7."


def test_unknown_key_is_an_error():
    with pytest.raises(KeyError):
        t("no.such.key")
