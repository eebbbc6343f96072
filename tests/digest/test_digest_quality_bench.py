"""The evaluation set is what the issue asks for, and the quality benchmark scores and writes
its section as it says."""

from collections import Counter

import pytest

from bench.bench_digest_quality import HEADING, load, scores, write_section
from bot.prompts import load_library


def test_the_set_has_200_answers_to_six_library_prompts_each_with_a_known_stance():
    prompts, rows = load()
    assert len(rows) >= 200 and len(prompts) >= 6
    library = load_library()
    assert all(prompt in library for prompt in prompts)
    assert all(row.stance in prompts[row.prompt] for row in rows)
    per_stance = Counter((row.prompt, row.stance) for row in rows)
    assert all(per_stance[(p, s)] >= 5 for p, stances in prompts.items() for s in stances)
    assert len({row.id for row in rows}) == len(rows)


def test_the_set_is_written_as_brokers_write():
    _, rows = load()
    lowercase = [r for r in rows if r.text == r.text.lower()]
    long = [r for r in rows if len(r.text) >= 300]  # written at the desk
    assert len(lowercase) >= 40 and len(long) >= 14


def test_a_perfect_grouping_scores_one_and_unplaced_answers_are_not_one_theme():
    stances = ["a", "a", "b", "b"]
    assert scores(stances, [1, 1, 0, 0]) == pytest.approx((1.0, 1.0))
    # Two answers left out of every theme are two groups, not a lucky shared one.
    nmi, _ = scores(stances, [0, 0, -1, -1])
    assert nmi < 1.0


def test_the_section_is_appended_at_the_end_and_later_replaced_in_place(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Earlier\n\nkept\n", encoding="utf-8")
    write_section([HEADING, "", "first run"], doc)
    assert doc.read_text(encoding="utf-8") == (
        f"# Benchmarks\n\n## Earlier\n\nkept\n\n{HEADING}\n\nfirst run\n"
    )
    with doc.open("a", encoding="utf-8") as handle:
        handle.write("\n## Later\n\nalso kept\n")
    write_section([HEADING, "", "second run"], doc)
    text = doc.read_text(encoding="utf-8")
    assert "first run" not in text and "second run" in text
    assert text.index("## Earlier") < text.index(HEADING) < text.index("## Later")
    assert text.endswith("## Later\n\nalso kept\n")
