from collections import Counter
from textwrap import dedent

import pytest

from bot.core.themes import THEME_IDS
from bot.core.yamlfile import FileProblems
from bot.prompts import load_library

ITEM = """\
- id: {id}
  kind: dilemma
  theme: samtale
  title: Et lokalt dilemma
  body: |
    En borger siger nej tak til et tilbud.
  questions:
    - id: q1
      label: Hvad ville du gøre?
"""


def write(folder, name, text):
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def test_shipped_library_covers_every_theme(library):
    assert len(library) >= 36
    for theme in THEME_IDS:
        kinds = Counter(p.kind for p in library.by_theme(theme))
        assert kinds["reflection"] >= 4, theme
        assert kinds["dilemma"] >= 2, theme


def test_every_shipped_prompt_is_translated_to_english_and_norwegian(library):
    for prompt in library.all():
        assert set(prompt.translations) == {"en", "nb"}, prompt.id
        for language in ("en", "nb"):
            assert prompt.text(language).body != prompt.body, (prompt.id, language)
        assert prompt.text("da").title == prompt.title


def test_an_organisations_own_cases_are_added(tmp_path, library):
    extra = tmp_path / "egne"
    write(extra, "lokale.yaml", ITEM.format(id="lokal-01"))
    combined = load_library(extra)
    assert len(combined) == len(library) + 1
    assert combined.get("lokal-01").text("en").title == "Et lokalt dilemma"


def test_an_id_clash_with_the_library_is_an_error(tmp_path):
    extra = tmp_path / "egne"
    path = write(extra, "lokale.yaml", ITEM.format(id="samtale-01"))
    with pytest.raises(FileProblems) as caught:
        load_library(extra)
    [problem] = caught.value.problems
    assert problem.file == str(path)
    assert "samtale-01" in problem.message and "samtale.yaml" in problem.message
    assert problem.line == 1


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        ("kind: dilemma", "kind: case", "[0].kind", "'case'"),
        ("theme: samtale", "theme: snak", "[0].theme", "'snak'"),
        ("  title: Et lokalt dilemma\n", "", "[0].title", "required key is missing"),
        (
            "  questions:\n    - id: q1\n      label: Hvad ville du gøre?\n",
            "  questions: []\n",
            "[0].questions",
            "at least 1",
        ),
        (
            "      label: Hvad ville du gøre?",
            "      label: Hvad ville du gøre?\n      hjælp: nej",
            "[0].questions[0].hjælp",
            "unknown key",
        ),
        ("  title: Et lokalt dilemma", "  title: " + "x" * 130, "[0].title", "at most 120"),
    ],
)
def test_bad_items_name_file_line_and_field(tmp_path, old, new, path, message):
    extra = tmp_path / "egne"
    text = ITEM.format(id="lokal-01")
    assert old in text
    file = write(extra, "lokale.yaml", text.replace(old, new))
    with pytest.raises(FileProblems) as caught:
        load_library(extra)
    problems = [p for p in caught.value.problems if p.path == path]
    assert problems, [str(p) for p in caught.value.problems]
    assert message in problems[0].message
    assert problems[0].file == str(file) and problems[0].line is not None


TRANSLATION = """\
  translations:
    en:
      title: A local dilemma
      body: A citizen says no thanks.
      questions:
        - id: q2
          label: What would you do?
"""


def test_translation_must_have_the_same_questions(tmp_path):
    extra = tmp_path / "egne"
    path = write(extra, "lokale.yaml", ITEM.format(id="lokal-01") + TRANSLATION)
    with pytest.raises(FileProblems) as caught:
        load_library(extra)
    [problem] = caught.value.problems
    assert "translation 'en' has questions ['q2'], the Danish has ['q1']" in problem.message
    assert problem.file == str(path)


def test_duplicate_id_in_one_folder_and_yaml_errors_are_all_reported(tmp_path):
    extra = tmp_path / "egne"
    write(extra, "a.yaml", ITEM.format(id="lokal-01") + ITEM.format(id="lokal-01"))
    write(extra, "b.yaml", "- id: [unclosed\n")
    with pytest.raises(FileProblems) as caught:
        load_library(extra)
    messages = [str(p) for p in caught.value.problems]
    assert any("a.yaml:10" in m and "duplicate prompt id 'lokal-01'" in m for m in messages)
    assert any("b.yaml:2" in m and "YAML syntax error" in m for m in messages)


def test_a_missing_folder_is_an_error(tmp_path):
    with pytest.raises(FileProblems, match="not a directory"):
        load_library(tmp_path / "nowhere")
