"""What every Slack surface shares: the after-acknowledgement worker pool, the member's language,
and wording an error the member can act on."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, wait

from slack_sdk.webhook import WebhookClient

from bot.core.access import AccessDenied
from bot.core.i18n import t
from bot.core.messenger import PlatformMessengers
from bot.core.rounds import RoundError
from bot.core.services import Services
from bot.core.text import escape_mrkdwn
from bot.core.work_queue import Priority, PriorityPool
from bot.privacy.redact import PrivacyError
from bot.slack import blocks
from bot.slack.messenger import SlackMessenger

RESPONSES_PER_URL = 5
logger = logging.getLogger(__name__)

# Slack wants an acknowledgement within 3 s, and a rate-limited call may sleep for Retry-After:
# every Web API call a listener needs runs here, after the listener has acknowledged. Work a
# person waits for (a modal, their DM's update) is taken before bulk work (after_ack_bulk).
_after_ack = PriorityPool(workers=8, name="after-ack")
_pending: set[Future] = set()
_pending_lock = threading.Lock()
_local = threading.local()  # .held: the request this thread is serving (see hold_until_sent)


class Held:
    """Work handed over while one HTTP request is served, started once its response is sent."""

    def __init__(self) -> None:
        self.work: list[tuple[Callable[[], None], Priority]] = []
        self.done: Future = Future()  # so wait_idle() also waits for work not yet started
        _track(self.done)

    def release(self) -> None:
        for work, priority in self.work:
            _track(_after_ack.submit(work, priority))
        self.work.clear()
        if not self.done.done():
            self.done.set_result(None)


def hold_until_sent() -> Held:
    """From now on, work this thread hands to after_ack() waits until the caller releases it:
    the HTTP layer does so once the acknowledgement is on the wire. Started earlier, the work
    competes for the interpreter with the thread still writing the acknowledgement."""
    held = Held()
    _local.held = held
    return held


def stop_holding() -> None:
    _local.held = None


def after_ack(work: Callable, *args, **kwargs) -> None:
    """Run work a member is waiting for on the worker pool (after the response, when serving
    HTTP); an error is logged with its traceback, never lost silently."""
    _hand_over(Priority.PERSON, work, args, kwargs)


def after_ack_bulk(work: Callable, *args, **kwargs) -> None:
    """As after_ack, for work to many members (a fan-out, a reminder wave, closing a round and
    its digest, an export): it waits while work a person is waiting for is queued."""
    _hand_over(Priority.BULK, work, args, kwargs)


def _hand_over(priority: Priority, work: Callable, args: tuple, kwargs: dict) -> None:
    def run() -> None:
        try:
            work(*args, **kwargs)
        except Exception:
            logger.exception(
                "work after the acknowledgement failed: %s", getattr(work, "__name__", work)
            )

    held = getattr(_local, "held", None)
    if held is not None:
        held.work.append((run, priority))
    else:
        _track(_after_ack.submit(run, priority))


def _track(future: Future) -> None:
    with _pending_lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _pending_lock:
        _pending.discard(future)


def wait_idle(timeout: float = 30) -> bool:
    """Wait until all work handed over so far (and work it handed on) is done; for tests,
    benchmarks and a clean shutdown. False if it did not finish in time."""
    for _ in range(10):
        with _pending_lock:
            running = set(_pending)
        if not running:
            return True
        _, not_done = wait(running, timeout=timeout)
        if not_done:
            return False
    return not _pending


def messenger(services: Services) -> SlackMessenger:
    """The Slack side of the process's messengers (a network may mix Slack and Teams)."""
    found = services.rounds.messenger
    if isinstance(found, PlatformMessengers):
        return found.on("slack")  # type: ignore[return-value]
    return found  # type: ignore[return-value]


def member_of(services: Services, slack_user: str) -> str:
    """The neutral member id of a Slack user (the user id itself for someone not in the network,
    whom every role check then refuses)."""
    found = services.network.member_at("slack", slack_user)
    return found.id if found else slack_user


def language(services: Services, member_id: str) -> str:
    return services.network.language_of(member_id)


def explain(exc: Exception, lang: str) -> str:
    """The catalogue text for an error a member caused (no access, a round rule)."""
    if isinstance(exc, AccessDenied):
        return t(exc.key, lang)
    if isinstance(exc, RoundError):
        return t(f"error.{exc.key}", lang, **_shown(exc.params))
    if isinstance(exc, PrivacyError):
        return t(exc.key, lang, **_shown(exc.params))
    return t("slack.error.generic", lang)


def _shown(params: dict) -> dict:
    """Parameters may hold the member's own words (a municipality they typed): escape them."""
    return {k: escape_mrkdwn(v) if isinstance(v, str) else v for k, v in params.items()}


def safe_ephemeral(services: Services, channel: str | None, user: str, text: str) -> None:
    """Tell one member something only they see; a failure is logged, the work is already done."""
    if not channel:
        return
    try:
        messenger(services).post_ephemeral(channel, user, text)
    except Exception:
        logger.exception("could not post an ephemeral message")


def respond_later(services: Services, response_url: str, text: str) -> None:
    """Answer a slash command after its acknowledgement, only to the member who wrote it, in as
    many messages as the text needs (Slack takes up to five replies on one response_url)."""
    hook = WebhookClient(response_url, timeout=10)
    for piece in blocks.split_text(text)[:RESPONSES_PER_URL]:
        try:
            sent = hook.send(text=piece, response_type="ephemeral")
        except Exception:
            logger.exception("could not answer on the response_url")
            return
        if sent.status_code != 200:
            logger.error("the response_url answered %s", sent.status_code)
            return
