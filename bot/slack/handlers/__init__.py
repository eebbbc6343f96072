"""Slack listeners, one module per surface, each with register(app, services). Where each click,
command, view and event lands (ids are constants shared with the Block Kit builders):

    /flip <command>                      -> commands.flip_command -> run_command -> do_<command>
    button blocks.ANSWER / EDIT          -> actions.answer_button_clicked / edit_button_clicked
                                            (opens the answer modal after the acknowledgement)
    button blocks.SKIP / SNOOZE          -> actions.skip_button_clicked / snooze_button_clicked
    App Home HOME_REMIND / CLOSE / START -> actions.home_remind_clicked / home_close_clicked /
                                            home_start_clicked
    digest draft ACTION_APPROVE / REBUILD / REJECT -> digests._review_listener (digest_review_clicked)
    digest draft ACTION_EDIT, EDIT_MODAL -> digests.digest_edit_clicked / digest_edit_submitted
    erase ERASE_CONFIRM / ERASE_CANCEL   -> privacy.erase_confirmed / erase_cancelled
    consent request CONSENT_YES / CONSENT_NO -> consent.consent_yes_clicked / consent_no_clicked
    view blocks.ANSWER_MODAL             -> views.answer_modal_submitted (a flagged answer: the
                                            modal turns into the Fjern / Behold question)
    flag FLAG_REMOVE / FLAG_KEEP         -> flags.flag_remove_clicked / flag_keep_clicked (in that
                                            modal, or in a thread reply's question)
    view blocks.START_MODAL              -> views.start_modal_submitted
    event message (DM, thread reply, edit) -> events.message_received
    event app_home_opened                -> home.app_home_opened
    every event_callback, first          -> events.register_dedupe (Slack's retries)
    kollegial sparring (ids in blocks_sparring):
      App Home HOME_SHARE                -> sparring.share_button_clicked (as /flip sparring)
      view SHARE_MODAL / CONFIRM_MODAL   -> sparring.share_form_submitted / share_confirmed
      preview PREVIEW_EDIT               -> sparring.share_edit_clicked
      draft APPROVE / EDIT / REJECT      -> sparring.draft_approve_clicked / draft_edit_clicked /
                                            draft_reject_clicked
      view EDIT_MODAL / REJECT_MODAL     -> sparring.edit_submitted / reject_submitted
      owner's thread THANK               -> sparring.answer_thank_clicked
      digest LIBRARY_CONSENT / LIBRARY_ADD -> sparring.library_consent_clicked /
                                            library_add_clicked (a library dilemma)

A test checks that every listener registered in this package is named here.
"""

from __future__ import annotations

from slack_bolt import App

from bot.core.services import Services
from bot.slack.handlers import (
    actions,
    commands,
    consent,
    digests,
    events,
    flags,
    home,
    privacy,
    sparring,
    views,
)


def register_handlers(app: App, services: Services) -> None:
    """Attach every flipbot listener to the Bolt app."""
    events.register_dedupe(app, services)
    commands.register(app, services)
    actions.register(app, services)
    digests.register(app, services)
    views.register(app, services)
    events.register(app, services)
    home.register(app, services)
    privacy.register(app, services)
    consent.register(app, services)
    flags.register(app, services)
    sparring.register(app, services)
