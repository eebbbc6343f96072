"""Sending digests through the Slack Web API (an edge module): what a SlackMessenger's
send_digest_draft and post_digest can call. Blocks come from bot.slack.digest_blocks.

The channel gets the summary as one message and the full digest in its thread, to keep the
channel quiet; a facilitator's draft is a DM with the summary and the review buttons, and the
full digest in that DM's thread. Slack refusing (ok: false, after slack_sdk's own retries)
becomes DeliveryFailed, as the Messenger protocol asks.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.i18n import t
from bot.core.messenger import DeliveryFailed
from bot.digest.model import Digest
from bot.slack.digest_blocks import (
    build_digest_draft,
    build_digest_summary,
    build_digest_thread,
    summary_text,
)
from bot.slack.errors import slack_failure

logger = logging.getLogger(__name__)

# Message metadata on a draft DM, so the bot can find every facilitator's copy again (to show
# the outcome on all of them once one facilitator has decided).
DRAFT_EVENT = "flip_digest_draft"


def _post(client: WebClient, **kwargs) -> str:
    try:
        return client.chat_postMessage(**kwargs)["ts"]
    except SlackApiError as exc:
        raise slack_failure(str(exc.response.get("error", "slack_error"))) from None


def _thread(client: WebClient, channel: str, ts: str, digest: Digest, file_url: str | None) -> None:
    fallback = summary_text(digest)
    for blocks in build_digest_thread(digest, file_url):
        _post(client, channel=channel, thread_ts=ts, text=fallback, blocks=blocks)


def post_digest_to_channel(
    client: WebClient, channel: str, digest: Digest, file_url: str | None = None
) -> str:
    """Post an approved digest: summary in the channel, full digest in its thread. Returns the ts."""
    ts = _post(
        client, channel=channel, text=summary_text(digest), blocks=build_digest_summary(digest)
    )
    try:
        _thread(client, channel, ts, digest, file_url)
    except DeliveryFailed:
        # The summary is in the channel, so the digest counts as shared: raising would send the
        # reviewer to press the button again and post the summary twice. slack_sdk has already
        # retried what a retry can fix (429, 5xx, lost connections).
        logger.exception("digest %s: the full digest did not reach the thread", digest.id)
    return ts


def send_digest_draft_dm(
    client: WebClient, user_id: str, digest: Digest, file_url: str | None = None
) -> str:
    """DM a facilitator the draft with the review buttons; the full digest goes in its thread."""
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
    except SlackApiError as exc:
        raise slack_failure(str(exc.response.get("error", "slack_error"))) from None
    intro = t("digest.draft_intro", digest.language, round_id=digest.round_id)
    ts = _post(
        client,
        channel=channel,
        text=intro,
        blocks=build_digest_draft(digest),
        metadata={"event_type": DRAFT_EVENT, "event_payload": {"digest_id": digest.id}},
    )
    _thread(client, channel, ts, digest, file_url)
    return ts
