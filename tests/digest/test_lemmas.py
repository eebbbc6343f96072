"""The lemma cache gives simplemma's own lemmas, from a file written once."""

import simplemma
from simplemma.strategies import DefaultStrategy

from bot.digest.lemmas import CachedDictionaries
from bot.store.lemma_cache import SqliteDictionary

WORDS = ["houses", "running", "better", "mice", "was", "flipbot", "knowledge", "brokers"]


def lemmas_with(factory) -> list[str]:
    lemmatizer = simplemma.Lemmatizer(
        lemmatization_strategy=DefaultStrategy(dictionary_factory=factory)
    )
    return [lemmatizer.lemmatize(word, "en") for word in WORDS]


def test_the_cached_dictionary_is_written_once_and_gives_simplemmas_lemmas(tmp_path):
    first = CachedDictionaries(tmp_path)
    expected = [simplemma.lemmatize(word, lang="en") for word in WORDS]
    assert lemmas_with(first) == expected
    [written] = tmp_path.glob("simplemma-*-en-*.db")
    assert not list(tmp_path.glob("*.part"))
    later = CachedDictionaries(tmp_path)
    assert isinstance(later.get_dictionary("en"), SqliteDictionary)
    assert lemmas_with(later) == expected
    assert written.stat().st_size > 1_000_000


def test_an_unwritable_cache_folder_falls_back_to_simplemmas_dictionary(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    factory = CachedDictionaries(blocked / "cache")
    assert not isinstance(factory.get_dictionary("en"), SqliteDictionary)
    assert lemmas_with(factory) == [simplemma.lemmatize(word, lang="en") for word in WORDS]
