import json

from bot.digest.model import Answer
from bot.slack.digest_blocks import (
    ACTION_APPROVE,
    ACTION_EDIT,
    ACTION_REBUILD,
    ACTION_REJECT,
    MAX_BLOCKS,
    MAX_THREAD_MESSAGES,
    build_digest_draft,
    build_digest_summary,
    build_digest_thread,
)
from tests.digest_helpers import build, demo_answers


def as_dicts(blocks):
    return [b.to_dict() for b in blocks]  # to_dict() enforces Slack's own limits


def section_texts(blocks):
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def test_summary_and_draft_fit_slack_and_carry_the_review_buttons():
    digest = build(demo_answers()).model_copy(update={"id": 17, "round_id": 3})
    summary = as_dicts(build_digest_summary(digest))
    assert summary[0]["type"] == "header" and len(summary) <= MAX_BLOCKS
    draft = as_dicts(build_digest_draft(digest))
    actions = draft[-1]
    assert actions["type"] == "actions"
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (ACTION_APPROVE, "17"),
        (ACTION_EDIT, "17"),
        (ACTION_REBUILD, "17"),
        (ACTION_REJECT, "17"),
    ]
    assert [e["text"]["text"] for e in actions["elements"]] == [
        "Del i kanalen",
        "Ret overskrifter",
        "Lav en ny kladde",
        "Del ikke",
    ]
    assert "runde 3" in draft[0]["text"]["text"]


def test_answer_text_cannot_ping_or_link_in_slack():
    text = "Jeg siger <!channel> og <@U0ABC123> og <https://x.dk|klik>, men samtidig er det svært."
    answers = [Answer(id=str(i), municipality="herning", texts={"q1": text}) for i in range(4)]
    digest = build(answers)
    rendered = json.dumps(
        [as_dicts(m) for m in build_digest_thread(digest)]
        + [as_dicts(build_digest_summary(digest))]
    )
    assert "<!channel>" not in rendered and "<@U0ABC123>" not in rendered
    assert "&lt;!channel&gt;" in rendered


def test_a_long_digest_is_split_within_limits_and_points_to_the_file():
    long_sentence = (
        "Borgeren og lederen og loven og planen vejer tungt, men samtidig er der tid. " * 5
    )
    answers = [
        Answer(
            id=str(i),
            municipality=["herning", "viborg", "silkeborg"][i % 3],
            texts={"q1": f"{long_sentence.strip()} Ord{i} er nyt. Hvorfor sker det{i}?"},
        )
        for i in range(300)
    ]
    digest = build(answers)
    # A digest is normally short; force a long one by repeating its themes.
    digest = digest.model_copy(update={"themes": digest.themes * 200})
    messages = build_digest_thread(digest, file_url="https://files.example/d.html")
    assert len(messages) == MAX_THREAD_MESSAGES
    for message in messages:
        blocks = as_dicts(message)
        assert len(blocks) <= MAX_BLOCKS
        assert all(len(text) <= 3000 for text in section_texts(blocks))
    last = as_dicts(messages[-1])[-1]
    assert last["type"] == "context" and "https://files.example/d.html" in json.dumps(last)


def test_an_overlong_text_is_split_into_sections_of_at_most_3000_characters():
    from bot.slack.digest_blocks import _sections

    text = "\n".join(f"> linje {i} " + "ord " * 40 for i in range(60)) + "\n" + "x" * 7000
    sections = as_dicts(_sections(text))
    assert all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert "".join(s["text"]["text"] for s in sections).replace("\n", "") == text.replace("\n", "")


def test_a_short_digest_is_one_thread_message():
    messages = build_digest_thread(build(demo_answers()))
    assert len(messages) == 1 and len(as_dicts(messages[0])) <= MAX_BLOCKS
