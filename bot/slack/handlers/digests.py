"""Digests and exports in Slack: the review buttons on a draft DM, `/flip digest` and `/flip export`.

Thin: parse, call DigestService / export_file, render. Role checks happen in the core (the
buttons are only cosmetic); every Web API call and every digest build runs after the
acknowledgement, since building may call the LLM engine.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_bolt import Ack, App

from bot.core.access import AccessDenied, require
from bot.core.command import Command
from bot.core.i18n import format_datetime, t
from bot.core.messenger import DeliveryFailed, MessageRef
from bot.core.rounds import RoundError
from bot.core.services import Services
from bot.digest.edit import MAX_LABEL, label_problem
from bot.digest.model import Digest
from bot.digest.service import APPROVED, DRAFT, REJECTED, changed, from_record
from bot.export.collect import ExportFilter, ExportRequestRefused, export_file, export_request
from bot.slack import blocks_overview as overview
from bot.slack.digest_blocks import (
    ACTION_APPROVE,
    ACTION_EDIT,
    ACTION_REBUILD,
    ACTION_REJECT,
    EDIT_MODAL,
    EditContext,
    build_digest_edit_modal,
    build_digest_private,
    build_digest_reviewed,
    label_block_id,
    read_digest_edit_modal,
    summary_text,
)
from bot.slack.errors import slack_ref
from bot.slack.handlers.common import (
    after_ack,
    after_ack_bulk,
    explain,
    language,
    member_of,
    messenger,
    safe_ephemeral,
)

logger = logging.getLogger(__name__)


# -- the review buttons ---------------------------------------------------------------------


def _clicked(services: Services, body: dict) -> tuple[str, int | None, MessageRef | None]:
    """(user, digest id from the button value, the draft message) of a review click."""
    value = body["actions"][0].get("value") or ""
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    return (
        member_of(services, body["user"]["id"]),
        int(value) if value.isdigit() else None,
        slack_ref(channel, ts) if channel and ts else None,
    )


def _when(services: Services, moment: datetime | None, lang: str) -> str:
    return format_datetime(moment or services.rounds.clock(), lang, services.network.tz)


def _name(services: Services, member_id: str | None) -> str:
    member = services.network.member(member_id or "")
    return member.name if member else (member_id or "flipbot")


def outcome_note(services: Services, digest_id: int) -> str | None:
    """What became of a decided draft, in the digest's language (None while it is a draft)."""
    record = services.store.digest(digest_id)
    if record is None or record.status not in (APPROVED, REJECTED):
        return None
    lang = from_record(record).language
    key = "digest.review.approved" if record.status == APPROVED else "digest.review.rejected"
    if record.status == REJECTED and record.round_id is not None:
        later = [r for r in services.store.round_digests(record.round_id) if r.id > record.id]
        if later:  # rejected by "Byg igen" or an edit: a newer draft replaced it
            edit = later[0].content.get("edit") or {}
            edited = edit.get("replaces") == record.id
            key = "digest_review.replaced" if edited else "digest.review.replaced"
    name = _name(services, record.decided_by)
    return t(key, lang, name=name, when=_when(services, record.decided_at, lang))


def show_outcome(
    services: Services, digest_id: int, ref: MessageRef | None, everyone: bool = True
) -> None:
    """Turn the clicked draft DM into its outcome (no buttons; who shared it, or that it was
    not), then (everyone) every other facilitator's copy of the same draft."""
    note = outcome_note(services, digest_id)
    if note is None:
        return
    digest = services.digests.load(digest_id)  # type: ignore[union-attr]
    _mark_drafts(services, digest, _draft_refs(services, digest, ref, everyone), note)


def _draft_refs(
    services: Services, digest: Digest, ref: MessageRef | None, everyone: bool = True
) -> list[MessageRef]:
    """The clicked draft DM, then (everyone) every other facilitator's copy of the same draft."""
    slack = messenger(services)
    refs = [ref] if ref is not None else []
    since = digest.created_at.timestamp() - 60
    for member in services.network.members if everyone else ():
        if not member.has_role("facilitator") or not member.slack:
            continue
        try:
            found = slack.find_digest_draft(member.slack, digest.id, since)
        except DeliveryFailed:
            continue
        if found is not None and found not in refs:
            refs.append(found)
    return refs


def _mark_drafts(services: Services, digest: Digest, refs: list[MessageRef], note: str) -> None:
    """Turn draft DMs into a note without buttons."""
    blocks = build_digest_reviewed(digest, note)
    for where in refs:
        try:
            messenger(services).update_message(where, note, blocks)
        except DeliveryFailed:
            logger.warning("could not show the outcome on digest %s's draft", digest.id)


def review(services: Services, body: dict, what: str) -> None:
    """One click on a draft's button: approve (post), rebuild (new draft DMs) or reject."""
    user, digest_id, ref = _clicked(services, body)
    lang = language(services, user)
    digests = services.digests
    channel = ref.conversation if ref else None
    try:
        if digest_id is None or digests is None:
            raise RoundError("digest_not_found", digest_id="?")
        if what == "approve":
            digests.approve(digest_id, user)
        elif what == "reject":
            digests.reject(digest_id, user)
        else:
            digests.rebuild(digest_id, user)
    except AccessDenied as exc:
        safe_ephemeral(services, channel, user, explain(exc, lang))
        return
    except RoundError as exc:
        safe_ephemeral(services, channel, user, explain(exc, lang))
        if exc.key == "digest_decided":  # a second click, or another facilitator was first
            # The decision already reached every copy; this stale one may have missed it.
            show_outcome(services, digest_id, ref, everyone=False)  # type: ignore[arg-type]
        return
    except DeliveryFailed as exc:
        safe_ephemeral(services, channel, user, t("digest.review.failed", lang, error=exc.error))
        return
    except Exception:
        logger.exception("digest %s: %s failed", digest_id, what)
        key = "digest.review.rebuild_failed" if what == "rebuild" else "slack.error.generic"
        safe_ephemeral(services, channel, user, t(key, lang))
        return
    show_outcome(services, digest_id, ref)


# -- "Ret overskrifter" -----------------------------------------------------------------------


def open_edit_modal(services: Services, body: dict) -> None:
    """Open the edit modal on a draft (after the ack: the trigger_id lives three seconds)."""
    user, digest_id, ref = _clicked(services, body)
    lang = language(services, user)
    channel = ref.conversation if ref else None
    try:
        require(services.network, user, "review_digest")
        if digest_id is None or services.digests is None:
            raise RoundError("digest_not_found", digest_id="?")
        digest = services.digests.load(digest_id)
        if digest.status != DRAFT:
            raise RoundError("digest_decided", status=digest.status)
    except (AccessDenied, RoundError) as exc:
        safe_ephemeral(services, channel, user, explain(exc, lang))
        if isinstance(exc, RoundError) and exc.key == "digest_decided":
            show_outcome(services, digest_id, ref, everyone=False)  # type: ignore[arg-type]
        return
    context = EditContext(digest_id, channel, ref.message if ref else None)
    view = build_digest_edit_modal(digest, context)
    messenger(services).client.views_open(trigger_id=body["trigger_id"], view=view)


def check_edit(services: Services, body: dict, view: dict) -> dict | None:
    """Slack's `errors` response for labels that cannot be used (shown in the modal), else None:
    then the edit is saved after the acknowledgement."""
    user = member_of(services, body["user"]["id"])
    lang = language(services, user)
    context = EditContext.load(view.get("private_metadata", ""))
    labels, left_out = read_digest_edit_modal(view["state"]["values"])
    people = [m.name for m in services.network.members]
    errors = {}
    for index, label in labels.items():
        problem = label_problem(label, people)
        if problem is not None:
            exc = RoundError(problem, theme=index + 1, limit=MAX_LABEL)
            errors[label_block_id(index)] = explain(exc, lang)
    if errors:
        return {"response_action": "errors", "errors": errors}
    after_ack(save_edit, services, user, context, labels, left_out)
    return None


def save_edit(
    services: Services, user: str, context: EditContext, labels: dict, left_out: set
) -> None:
    """Save the edit (the edited draft reaches every facilitator); the old draft DMs say so."""
    lang = language(services, user)
    ref = slack_ref(context.channel, context.ts) if context.channel and context.ts else None
    try:
        before = services.digests.load(context.digest_id)  # type: ignore[union-attr]
        # The copies to mark are found before the edit sends the edited draft again.
        copies = _draft_refs(services, before, ref)
        edited = services.digests.edit(context.digest_id, user, labels, left_out)  # type: ignore[union-attr]
    except (AccessDenied, RoundError) as exc:
        safe_ephemeral(services, context.channel, user, explain(exc, lang))
        return
    except Exception:
        logger.exception("digest %s: the edit failed", context.digest_id)
        safe_ephemeral(services, context.channel, user, t("digest_review.failed", lang))
        return
    if not changed(before, edited):
        safe_ephemeral(services, context.channel, user, t("digest_review.unchanged", lang))
        return
    # The draft is changed in place and sent again to every facilitator (the service); the
    # copies from before the edit say so and lose their buttons.
    note = t(
        "digest_review.replaced",
        before.language,
        name=_name(services, user),
        when=_when(services, services.rounds.clock(), before.language),
    )
    _mark_drafts(services, before, copies, note)


# -- /flip digest -----------------------------------------------------------------------------


def do_digest(services: Services, user: str, channel: str | None, command: Command) -> str:
    """The round's latest digest (or a fresh, unsaved draft of a closed round without one),
    shown only to the member; the reply says what comes, the digest follows after the ack."""
    lang = language(services, user)
    round, latest = services.digests.asked_for(command.args.get("round_id"), user)  # type: ignore[union-attr]
    if latest is None and round.is_open:
        # No digest before the round closes: how it is going so far, and when the digest comes.
        return (
            participation_so_far(services, round, lang)
            + "\n\n"
            + t("digest.command.open", lang, round_id=round.id)
        )
    after_ack(show_digest, services, user, channel, round.id, latest)
    key = "digest.command.here" if latest is not None else "digest.command.building"
    return t(key, lang, round_id=round.id)


def participation_so_far(services: Services, round, lang: str) -> str:
    """The round's participation per municipality, as the digests channel gets it at close."""
    prompt = services.rounds.prompt_of(round)
    names = {m.id: m.name for m in services.network.municipalities}
    _, built = overview.build_round_summary(
        round, prompt, services.rounds.participation(round.id), names, lang
    )
    return "\n".join(b.text.text for b in built if getattr(b, "text", None))


def show_digest(
    services: Services, user: str, channel: str | None, round_id: int, digest: Digest | None
) -> None:
    lang = language(services, user)
    try:
        if digest is None:
            digest = services.digests.build(round_id)  # type: ignore[union-attr]
            note = t("digest.command.unsaved", lang)
        else:
            note = outcome_note(services, digest.id) or t("digest.status.draft", digest.language)  # type: ignore[arg-type]
        text = summary_text(digest)
        slack = messenger(services)
        first, *rest = build_digest_private(digest, note)
        try:
            if not channel:
                raise DeliveryFailed("not_found", "no channel")
            slack.post_ephemeral(channel, user, text, first)
        except DeliveryFailed:
            # flipbot is not in that channel (never invited): the member's DM instead.
            for message in (first, *rest):
                slack.post_message(user, text, message)
            return
        for message in rest:
            slack.post_ephemeral(channel, user, text, message)
    except Exception:
        logger.exception("showing the digest of round %s failed", round_id)
        _tell(services, user, t("digest.command.failed", lang))


# -- /flip export -----------------------------------------------------------------------------


def do_export(services: Services, user: str, command: Command) -> str:
    """Check the role and the filters now; make and upload the file after the ack."""
    lang = language(services, user)
    try:
        fmt, filters = export_request(services.network, user, command.args)
    except ExportRequestRefused as refused:
        return t(refused.key, lang, **refused.params)
    after_ack_bulk(send_export, services, user, fmt, filters)
    return t("export.command.started", lang, format=fmt)


def send_export(services: Services, user: str, fmt: str, filters: ExportFilter) -> None:
    """Make the export (audited by export_file) and upload it to the member's DM."""
    lang = language(services, user)
    try:
        data, filename, export = export_file(
            services.store, services.network, services.library, fmt, filters, by=user
        )
        comment = t("export.command.done", lang, rows=len(export.rows))
        if export.left_out_no_consent:
            comment += " " + t("export.left_out", lang, count=export.left_out_no_consent)
        messenger(services).send_file(services.network.member(user), data, filename, comment)
    except DeliveryFailed as exc:
        _tell(services, user, t("export.command.failed", lang, error=exc.error))
    except Exception:
        logger.exception("the export for %s failed", user)
        _tell(services, user, t("export.command.failed", lang, error="internal"))


def _tell(services: Services, user: str, text: str) -> None:
    try:
        messenger(services).post_text(user, text)
    except DeliveryFailed:
        logger.warning("could not tell %s that the export failed", user)


def _review_listener(services: Services, what: str):
    def digest_review_clicked(ack: Ack, body: dict) -> None:
        ack()
        after_ack(review, services, body, what)

    return digest_review_clicked


def register(app: App, services: Services) -> None:
    app.action(ACTION_APPROVE)(_review_listener(services, "approve"))
    app.action(ACTION_REBUILD)(_review_listener(services, "rebuild"))
    app.action(ACTION_REJECT)(_review_listener(services, "reject"))

    @app.action(ACTION_EDIT)
    def digest_edit_clicked(ack: Ack, body: dict) -> None:
        ack()
        after_ack(open_edit_modal, services, body)

    @app.view(EDIT_MODAL)
    def digest_edit_submitted(ack: Ack, body: dict, view: dict) -> None:
        errors = check_edit(services, body, view)
        ack(**errors) if errors else ack()
