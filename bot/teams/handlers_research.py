"""Exports in Teams: `/flip export` typed in the 1:1 chat, and the FileConsentCard's answer.

export command               -> do_export: role and filters checked now, the file made after
                                the answer and offered with a FileConsentCard (messenger)
fileConsent/invoke accept    -> file_consented: PUT the waiting bytes to the upload URL Teams
                                gives, then a FileInfoCard in the chat
fileConsent/invoke decline   -> file_consented: say so, and drop the bytes
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import httpx

from bot.core.command import Command
from bot.core.i18n import t
from bot.core.messenger import DeliveryFailed
from bot.core.network import Member
from bot.export.collect import ExportFilter, ExportRequestRefused, export_file, export_request
from bot.teams import files
from bot.teams.background import later
from bot.teams.sdk import ActivityContext, MessageActivityInput, api

if TYPE_CHECKING:
    from bot.teams.handlers import TeamsHandlers

logger = logging.getLogger(__name__)


def do_export(h: TeamsHandlers, member: Member, command: Command, lang: str) -> Any:
    """Check the role and the filters now; make the file and offer it after answering."""
    try:
        fmt, filters = export_request(h.services.network, member.id, command.args)
    except ExportRequestRefused as refused:
        return t(refused.key, lang, **refused.params)
    later(send_export, h, member, fmt, filters)
    return t("teams_edge.export_started", lang, format=fmt)


def send_export(h: TeamsHandlers, member: Member, fmt: str, filters: ExportFilter) -> None:
    """Make the export (export_file checks the role again and audits) and offer it as a file."""
    services = h.services
    lang = h.language(member)
    try:
        data, filename, export = export_file(
            services.store, services.network, services.library, fmt, filters, by=member.id
        )
        comment = t("export.command.done", lang, rows=len(export.rows))
        if export.left_out_no_consent:
            comment += " " + t("export.left_out", lang, count=export.left_out_no_consent)
        services.rounds.messenger.send_file(member, data, filename, comment)
    except DeliveryFailed as exc:
        _tell(h, member, t("export.command.failed", lang, error=exc.error))
    except Exception:
        logger.exception("the Teams export for %s failed", member.id)
        _tell(h, member, t("export.command.failed", lang, error="internal"))


def _tell(h: TeamsHandlers, member: Member, text: str) -> None:
    try:
        h.services.rounds.messenger.send_notice(member, text)
    except DeliveryFailed:
        logger.warning("could not tell %s that the export failed", member.id)


class FileConsentHandler:
    """The member's click on a FileConsentCard: the bytes wait in `pending` (the messenger's)."""

    def __init__(self, handlers: TeamsHandlers, pending: files.PendingFiles):
        self.handlers = handlers
        self.pending = pending

    async def file_consented(self, ctx: ActivityContext[api.FileConsentInvokeActivity]) -> None:
        h = self.handlers
        member = h.member(ctx.activity)
        lang = h.language(member)
        if member is None:
            await ctx.send(t("teams_edge.not_member", lang))
            return
        value = ctx.activity.value
        context = value.context if isinstance(value.context, dict) else {}
        waiting = self.pending.take(context.get(files.CONSENT_KEY), member.id)
        if waiting is None:
            await ctx.send(t("teams_edge.file_gone", lang))
            return
        # The SDK reads the action as an enum; compare its value.
        if getattr(value.action, "value", value.action) != "accept":
            await ctx.send(t("teams_edge.file_declined", lang, filename=waiting.filename))
            return
        upload = value.upload_info
        if upload is None or not upload.upload_url:
            await ctx.send(t("teams_edge.file_failed", lang))
            return
        try:
            await asyncio.to_thread(files.upload, upload.upload_url, waiting.data)
        except httpx.HTTPError as exc:
            logger.warning("uploading %s for %s failed: %s", waiting.filename, member.id, exc)
            await ctx.send(t("teams_edge.file_failed", lang))
            return
        card = files.info_attachment(upload, waiting.filename)
        await ctx.send(MessageActivityInput().add_attachments(card))
