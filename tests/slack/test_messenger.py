"""SlackMessenger against the fake Web API: errors become DeliveryFailed, prompts can be found again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.messenger import DeliveryFailed, LocalMessenger, MessageRef
from bot.core.models import Round, RoundStatus
from bot.slack.app import build_client
from bot.slack.messenger import SlackMessenger
from tests.slack.conftest import slack_settings


def a_round(round_id: int) -> Round:
    return Round(
        id=round_id,
        prompt_id="samtale-01",
        theme="samtale",
        audience="all",
        started_by="U0FACI001",
        started_at=datetime(2026, 11, 23, 8, tzinfo=UTC),
        closes_at=datetime(2026, 11, 28, 15, tzinfo=UTC),
        status=RoundStatus.OPEN,
    )


@pytest.fixture
def messenger(fake, tmp_path, network):
    return SlackMessenger(build_client(slack_settings(fake, tmp_path)), network)


def test_find_prompt_tells_whether_a_dm_landed(messenger, network, library):
    member = network.member("U0SILK001")
    prompt = library.get("samtale-01")
    assert messenger.find_prompt(member, a_round(1)) is None
    sent = messenger.send_prompt(member, a_round(1), prompt)
    messenger.send_prompt(member, a_round(2), prompt)
    messenger.send_prompt(network.member("U0SILK002"), a_round(1), prompt)
    assert messenger.find_prompt(member, a_round(1)) == sent
    assert messenger.find_prompt(member, a_round(3)) is None


def test_local_messenger_finds_its_prompts(network, library):
    local = LocalMessenger()
    member = network.member("U0SILK001")
    ref = local.send_prompt(member, a_round(1), library.get("samtale-01"))
    assert local.find_prompt(member, a_round(1)) == ref
    assert local.find_prompt(member, a_round(2)) is None


def test_slacks_refusal_becomes_delivery_failed_with_its_error(messenger, fake, network, library):
    fake.fail("chat.postMessage", error="account_inactive")
    with pytest.raises(DeliveryFailed) as failed:
        messenger.send_prompt(network.member("U0SILK001"), a_round(1), library.get("samtale-01"))
    assert (failed.value.reason, failed.value.detail) == ("blocked", "account_inactive")
    with pytest.raises(DeliveryFailed) as missing:
        messenger.update_prompt(
            network.member("U0SILK001"),
            a_round(1),
            library.get("samtale-01"),
            MessageRef("slack", "D0SILK001", "1.1"),
            "closed",
        )
    assert missing.value.error == "not_found: message_not_found"


def test_a_digest_too_long_for_its_thread_brings_the_whole_of_it_as_a_file(messenger, fake):
    from bot.slack.digest_blocks import thread_is_cut
    from tests.digest_helpers import build, demo_answers

    short = build(demo_answers()).model_copy(update={"id": 7, "round_id": 3})
    messenger.post_digest("C0DIGESTS", a_round(3), short)
    assert fake.shared == []  # a digest that fits needs no file

    long = short.model_copy(update={"themes": short.themes * 200})
    assert thread_is_cut(long)
    messenger.post_digest("C0DIGESTS", a_round(3), long)
    (shared,) = fake.shared
    assert shared["channel"] == "C0DIGESTS"
    summary = [m for m in fake.messages["C0DIGESTS"] if not m.thread_ts][-1]
    upload = fake.calls_to("files.completeUploadExternal")[0]
    assert upload.args["thread_ts"] == summary.ts
    assert shared["content"].startswith(b"<!DOCTYPE html>") or b"<html" in shared["content"][:200]
    assert long.title.encode() in shared["content"]

    messenger.send_digest_draft(messenger.network.member("U0FACI002"), a_round(3), long)
    assert fake.shared[-1]["channel"] == "D0FACI002"
