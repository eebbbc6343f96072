"""Privacy in Slack: the broker is told what was removed from an answer, nothing unredacted is
posted back, `/flip samtykke` and `/flip slet-mig` (with its confirmation) work end to end."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from bot.core.models import DeliveryStatus, MessageRef
from bot.slack import blocks, blocks_privacy
from bot.slack.handlers.common import wait_idle
from bot.store.privacy import answer_posts
from tests.slack.conftest import BROKER, FACILITATOR
from tests.slack.harness import answer_values

CHANNEL = "C0FLIPTALK"
CPR, PHONE, EMAIL = "010190-1234", "22334455", "borger@example.dk"
RAW = f"Borgeren ({CPR}, tlf. {PHONE}, {EMAIL}) fik et job."
STORED = "Borgeren ([CPR], tlf. [TLF], [EMAIL]) fik et job."
ENGLISH_BROKER = "U0HERN007"


def everything_posted(fake) -> str:
    """Every argument the bot sent to Slack, as one string to search."""
    return "\n".join(json.dumps(c.args, ensure_ascii=False) for c in fake.calls)


def assert_nothing_unredacted(fake) -> None:
    posted = everything_posted(fake)
    for raw in (CPR, PHONE, EMAIL):
        assert raw not in posted


def start(flip, text: str = "start samtale-01") -> None:
    flip.server.command(FACILITATOR, text)
    assert wait_idle()


def prompt_of(flip, user: str):
    delivery = flip.services.store.delivery(1, user)
    return delivery.ref.conversation, delivery.ref.message


def answer_in_modal(flip, user: str, text: str, **kwargs) -> None:
    channel, ts = prompt_of(flip, user)
    flip.server.click(user, blocks.ANSWER, "1", channel, ts)
    view = flip.fake.wait_for("views.open", where=lambda c: c.args["trigger_id"].endswith(user))
    view = view[-1].args["view"]
    reply = flip.server.submit(user, view, answer_values(view, {"q1": text}, **kwargs))
    assert reply.status == 200 and reply.body == ""
    assert wait_idle()


def reply_in_thread(flip, user: str, text: str, channel: str, ts: str, event_ts: str) -> None:
    kind = "im" if channel.startswith("D") else "channel"
    flip.server.event(
        {
            "type": "message",
            "channel_type": kind,
            "channel": channel,
            "user": user,
            "text": text,
            "ts": event_ts,
            "thread_ts": ts,
        }
    )
    assert wait_idle()


# -- 1. the redaction notice ----------------------------------------------------------------


def test_a_modal_answer_in_a_dm_round_says_what_was_removed(flip):
    start(flip)
    answer_in_modal(flip, BROKER, RAW)
    assert flip.services.store.response(1, BROKER).answers == {"q1": STORED}
    told = [c.args["text"] for c in flip.fake.calls_to("chat.postMessage")]
    assert any(
        "Jeg har fjernet et CPR-nummer, en mailadresse og et telefonnummer" in t for t in told
    )
    assert_nothing_unredacted(flip.fake)


def test_a_clean_modal_answer_gets_no_notice(flip):
    start(flip)
    before = len(flip.fake.calls_to("chat.postMessage"))
    answer_in_modal(flip, BROKER, "Vi holdt et godt møde den 01-01-2026 om sag 2026-1234.")
    assert len(flip.fake.calls_to("chat.postMessage")) == before
    assert not any("fjernet" in json.dumps(c.args) for c in flip.fake.calls)


def test_the_notice_is_in_the_members_language(flip):
    start(flip)
    answer_in_modal(flip, ENGLISH_BROKER, f"Call me on {PHONE}")
    told = [c.args["text"] for c in flip.fake.calls_to("chat.postMessage")]
    assert any("removed a phone number from your answer" in t for t in told)


def test_a_thread_reply_in_a_dm_says_what_was_removed_and_to_delete_the_message(flip):
    start(flip)
    channel, ts = prompt_of(flip, BROKER)
    reply_in_thread(flip, BROKER, RAW, channel, ts, "1900000000.000100")
    assert flip.services.store.response(1, BROKER).answers == {"q1": STORED}
    thread = [
        c.args["text"]
        for c in flip.fake.calls_to("chat.postMessage")
        if c.args.get("thread_ts") == ts
    ]
    assert len(thread) == 1
    assert "Tak, dit svar er gemt." in thread[0]
    assert "Jeg har fjernet et CPR-nummer" in thread[0]
    assert "Din egen besked står stadig i Slack" in thread[0]
    assert_nothing_unredacted(flip.fake)

    # The same reply again changes nothing stored, but the message still holds the number.
    reply_in_thread(flip, BROKER, RAW, channel, ts, "1900000000.000101")
    thread = [
        c.args["text"]
        for c in flip.fake.calls_to("chat.postMessage")
        if c.args.get("thread_ts") == ts
    ]
    assert len(thread) == 2 and "Din egen besked" in thread[1]
    assert flip.services.store.response(1, BROKER).answers == {"q1": STORED}


def test_a_channel_round_posts_only_the_redacted_answer(flip):
    start(flip, f"start samtale-01 --kanal <#{CHANNEL}|flip-samtale>")
    ts = flip.services.store.deliveries(1, [DeliveryStatus.SENT])[0].ref.message
    answer_in_modal(flip, BROKER, RAW)
    thread = [
        c.args["text"]
        for c in flip.fake.calls_to("chat.postMessage")
        if c.args.get("thread_ts") == ts
    ]
    assert len(thread) == 1 and "[CPR]" in thread[0] and "[EMAIL]" in thread[0]
    thanks = flip.fake.calls_to("chat.postEphemeral")[-1].args
    assert thanks["user"] == BROKER
    assert "Tak, dit svar er gemt." in thanks["text"] and "Jeg har fjernet" in thanks["text"]

    # A reply in the shared thread: the thanks and the notice only to them.
    reply_in_thread(flip, "U0SILK002", f"Min kollega: {EMAIL}", CHANNEL, ts, "1900000000.000200")
    told = flip.fake.calls_to("chat.postEphemeral")[-1].args
    assert told["user"] == "U0SILK002"
    assert "en mailadresse" in told["text"] and "Din egen besked" in told["text"]
    assert flip.services.store.response(1, "U0SILK002").answers == {"q1": "Min kollega: [EMAIL]"}
    assert_nothing_unredacted(flip.fake)


# -- 2. /flip samtykke ----------------------------------------------------------------------


def text_of(reply) -> str:
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    return body["text"]


def test_consent_is_shown_withdrawn_and_given_again(flip):
    store = flip.services.store
    assert "Du har givet samtykke" in text_of(flip.server.command(BROKER, "samtykke"))
    assert "Det er noteret" in text_of(flip.server.command(BROKER, "samtykke nej"))
    assert not store.member(BROKER)["research_consent"]
    assert "Du har ikke givet samtykke" in text_of(flip.server.command(BROKER, "samtykke"))
    assert "Tak!" in text_of(flip.server.command(BROKER, "consent JA"))
    assert store.member(BROKER)["research_consent"]
    audit = [
        (e["actor"], e["action"], e["subject"], e["detail"]["consent"])
        for e in store.audit_entries()
    ]
    assert audit == [
        (BROKER, "consent", BROKER, False),
        (BROKER, "consent", BROKER, True),
    ]
    assert wait_idle()
    assert flip.fake.calls_to("chat.postMessage") == []


def test_consent_with_a_word_it_does_not_know_says_what_to_write(flip):
    reply = text_of(flip.server.command(BROKER, "samtykke måske"))
    assert "`måske`" in reply and "/flip samtykke ja" in reply
    assert flip.services.store.audit_entries() == []
    assert flip.services.store.member(BROKER)["research_consent"]


def test_help_mentions_consent_and_erasure(flip):
    reply = text_of(flip.server.command(BROKER, "help"))
    assert "/flip samtykke" in reply and "/flip slet-mig" in reply


# -- 3. /flip slet-mig ----------------------------------------------------------------------


def click(flip, user: str, action_id: str, value: str = "erase", response_url: bool = True):
    payload = {
        "type": "block_actions",
        "team": {"id": "T0FLIP"},
        "user": {"id": user},
        "api_app_id": "A0FLIP",
        "trigger_id": flip.server.trigger(user),
        "container": {"type": "message", "message_ts": "1800000000.000001", "is_ephemeral": True},
        "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button"}],
    }
    if response_url:
        payload["response_url"] = flip.fake.response_url
    reply = flip.server.interaction(payload)
    assert reply.status == 200
    assert wait_idle()


def responses(flip) -> list[dict]:
    return [c.args for c in flip.fake.calls_to("response")]


def answered_round(flip) -> None:
    start(flip)
    for user in (BROKER, "U0SILK002"):
        flip.services.rounds.record_answer(1, user, {"q1": f"Svar fra {user}"})


def test_erase_me_asks_first_with_two_buttons(flip):
    answered_round(flip)
    reply = flip.server.command(BROKER, "slet-mig").json()
    assert reply["response_type"] == "ephemeral"
    assert "Vil du slette alle dine svar" in reply["text"]
    buttons = reply["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == [
        blocks_privacy.ERASE_CONFIRM,
        blocks_privacy.ERASE_CANCEL,
    ]
    assert [b["text"]["text"] for b in buttons] == ["Ja, slet mine svar", "Nej, fortryd"]
    # Asking erases nothing.
    assert flip.services.store.response(1, BROKER) is not None
    assert flip.services.store.audit_entries()[-1]["action"] != "erase_member"


def test_yes_erases_the_clicking_member_and_says_so(flip):
    answered_round(flip)
    click(flip, BROKER, blocks_privacy.ERASE_CONFIRM)
    store = flip.services.store
    assert store.response(1, BROKER) is None and store.member(BROKER) is None
    assert store.response(1, "U0SILK002") is not None
    said = responses(flip)[-1]
    assert said["replace_original"] is True
    assert "Dine svar og din svarhistorik er slettet (1 svar)" in said["text"]
    assert "Du får ikke flere dilemmaer eller spørgsmål fra flipbot" in said["text"]
    erased = [e for e in store.audit_entries() if e["action"] == "erase_member"]
    assert [(e["actor"], e["subject"]) for e in erased] == [(BROKER, BROKER)]
    # Participation still counts the erased answer's delivery.
    assert flip.services.rounds.participation(1).total.answered == 2


def test_after_erase_me_the_next_round_sends_them_no_prompt(flip):
    answered_round(flip)
    click(flip, BROKER, blocks_privacy.ERASE_CONFIRM)
    assert flip.server.command(FACILITATOR, "start samtale-02").status == 200
    assert wait_idle()
    prompted = [
        c.args["metadata"]["event_payload"]
        for c in flip.fake.calls_to("chat.postMessage")
        if c.args.get("metadata")
    ]
    second = {p["member_id"] for p in prompted if p["round_id"] == 2}
    assert BROKER not in second and "U0SILK002" in second
    assert {p["member_id"] for p in prompted if p["round_id"] == 1} >= {BROKER}
    assert flip.services.store.delivery(2, BROKER) is None


def test_no_cancels_and_changes_nothing(flip):
    answered_round(flip)
    click(flip, BROKER, blocks_privacy.ERASE_CANCEL)
    assert flip.services.store.response(1, BROKER) is not None
    assert "der er ikke slettet noget" in responses(flip)[-1]["text"]
    assert not [e for e in flip.services.store.audit_entries() if e["action"] == "erase_member"]


def test_a_double_click_erases_once(flip):
    answered_round(flip)
    click(flip, BROKER, blocks_privacy.ERASE_CONFIRM)
    click(flip, BROKER, blocks_privacy.ERASE_CONFIRM)
    erased = [e for e in flip.services.store.audit_entries() if e["action"] == "erase_member"]
    assert len(erased) == 1
    assert "allerede slettet" in responses(flip)[-1]["text"]
    # Asking again after the erasure says so instead of offering the buttons.
    reply = flip.server.command(BROKER, "slet-mig").json()
    assert "allerede slettet" in reply["text"] and "blocks" not in reply


def test_the_button_value_cannot_name_someone_else(flip):
    answered_round(flip)
    click(flip, BROKER, blocks_privacy.ERASE_CONFIRM, value="U0SILK002")
    assert flip.services.store.response(1, "U0SILK002") is not None
    assert flip.services.store.member("U0SILK002") is not None
    assert flip.services.store.response(1, BROKER) is None


def test_without_a_response_url_the_outcome_comes_as_a_dm(flip):
    answered_round(flip)
    click(flip, BROKER, blocks_privacy.ERASE_CONFIRM, response_url=False)
    dm = flip.fake.calls_to("chat.postMessage")[-1].args
    assert dm["channel"] == BROKER and "er slettet" in dm["text"]


def test_erasing_deletes_the_bots_thread_post_of_their_answer(flip):
    start(flip, f"start samtale-01 --kanal <#{CHANNEL}|flip-samtale>")
    ts = flip.services.store.deliveries(1, [DeliveryStatus.SENT])[0].ref.message
    answer_in_modal(flip, BROKER, "Mit svar i kanalen")
    answer_in_modal(flip, "U0SILK002", "Kollegaens svar")
    posts = [c for c in flip.fake.calls_to("chat.postMessage") if c.args.get("thread_ts") == ts]
    assert len(posts) == 2 and "Signe Andersen" in posts[0].args["text"]
    in_thread = [m.ts for m in flip.fake.messages[CHANNEL] if m.thread_ts == ts]
    assert len(in_thread) == 2
    click(flip, BROKER, blocks_privacy.ERASE_CONFIRM)
    deleted = flip.fake.calls_to("chat.delete")
    assert [(c.args["channel"], c.args["ts"]) for c in deleted] == [(CHANNEL, in_thread[0])]
    assert [m.ts for m in flip.fake.messages[CHANNEL] if m.thread_ts == ts] == [in_thread[1]]
    assert answer_posts(flip.services.store, BROKER) == []
    assert answer_posts(flip.services.store, "U0SILK002") == [
        MessageRef("slack", CHANNEL, in_thread[1])
    ]


def test_two_clicks_at_the_same_moment_erase_once(flip):
    answered_round(flip)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: click(flip, BROKER, blocks_privacy.ERASE_CONFIRM), range(4)))
    erased = [e for e in flip.services.store.audit_entries() if e["action"] == "erase_member"]
    assert len(erased) == 1 and erased[0]["detail"]["responses"] == 1
    said = sorted(r["text"] for r in responses(flip))
    assert len(said) == 4
    assert sum("er slettet (1 svar)" in s for s in said) == 1
    assert sum("allerede slettet" in s for s in said) == 3
