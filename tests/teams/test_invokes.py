"""Invoke and install activities from the builders reach the SDK's typed handlers, and their answers
come back in the HTTP response (what Teams shows in place of the card or in the dialog)."""

from __future__ import annotations

import json

from bot.teams import sdk
from bot.teams.sdk import ActivityContext, api, cards
from tests.teams.activities import (
    TENANT_ID,
    USER_AAD_ID,
    card_action_activity,
    installation_update_activity,
    sign_activity,
    task_fetch_activity,
    task_submit_activity,
)


def post_signed(adapter, activity, key):
    status, _, body = adapter.handle_activity(
        json.dumps(activity).encode(), {"Authorization": sign_activity(activity, key=key)}
    )
    return status, json.loads(body) if body else None


def card(text: str) -> cards.AdaptiveCard:
    return cards.AdaptiveCard(body=[cards.TextBlock(text=text)])


def test_an_execute_action_routes_on_its_data_action_and_replaces_the_card(
    teams_app, adapter, connector, signing_key
):
    clicked = []

    @teams_app.on_card_action_execute("answer")
    async def answer_clicked(
        ctx: ActivityContext[api.AdaptiveCardInvokeActivity],
    ) -> api.AdaptiveCardInvokeResponse:
        clicked.append(ctx.activity.value.action.data)
        return api.AdaptiveCardActionCardResponse(value=card("Tak for dit svar"))

    activity = card_action_activity(
        "answer", {"action": "answer", "round": "r1"}, service_url=connector.url
    )
    status, body = post_signed(adapter, activity, signing_key)

    assert status == 200
    assert clicked == [{"action": "answer", "round": "r1"}]
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["body"][0]["text"] == "Tak for dit svar"


def test_a_dialog_opens_with_a_card_and_its_submit_carries_the_inputs(
    teams_app, adapter, connector, signing_key
):
    submitted = []

    @teams_app.on_dialog_open("answer_form")
    async def answer_form_opened(
        ctx: ActivityContext[api.TaskFetchInvokeActivity],
    ) -> api.TaskModuleResponse:
        return api.TaskModuleResponse(
            task=api.TaskModuleContinueResponse(
                value=api.CardTaskModuleTaskInfo(
                    title="Svar",
                    card=api.card_attachment(api.AdaptiveCardAttachment(content=card("Dit svar"))),
                )
            )
        )

    @teams_app.on_dialog_submit("answer_form")
    async def answer_form_submitted(
        ctx: ActivityContext[api.TaskSubmitInvokeActivity],
    ) -> api.TaskModuleResponse:
        submitted.append(ctx.activity.value.data)
        return api.TaskModuleResponse(task=api.TaskModuleMessageResponse(value="Gemt"))

    opened = task_fetch_activity({"dialog_id": "answer_form"}, service_url=connector.url)
    status, body = post_signed(adapter, opened, signing_key)
    assert status == 200
    assert body["task"]["type"] == "continue"
    assert body["task"]["value"]["card"]["content"]["body"][0]["text"] == "Dit svar"

    answer = {"action": "answer_form", "q1": "Borgeren blev hørt"}
    status, body = post_signed(
        adapter, task_submit_activity(answer, service_url=connector.url), signing_key
    )
    assert status == 200
    assert submitted == [answer]
    assert body["task"] == {"type": "message", "value": "Gemt"}


def test_an_install_tells_the_handler_who_and_which_tenant(
    teams_app, adapter, connector, signing_key
):
    installs = []

    @teams_app.on_install_add
    async def app_installed(ctx: ActivityContext[api.InstalledActivity]) -> None:
        installs.append(
            (
                ctx.activity.from_.aad_object_id,
                sdk.activity_tenant_id(ctx.activity),
                ctx.activity.conversation.id,
                ctx.activity.service_url,
            )
        )

    activity = installation_update_activity("add", service_url=connector.url)
    status, _ = post_signed(adapter, activity, signing_key)

    assert status == 200
    assert installs == [(USER_AAD_ID, TENANT_ID, activity["conversation"]["id"], connector.url)]
