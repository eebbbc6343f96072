"""The one door to the Teams SDK (microsoft-teams-apps 2.x): every flipbot import of it goes through here.

Importing `microsoft_teams.apps` runs `load_dotenv(find_dotenv(usecwd=True))`, and the SDK reads
DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS, CLIENT_SECRET, SERVICE_URL, CLOUD and OAUTH_URL from the
environment. This module disables dotenv before the import and passes every one of those explicitly,
so only flipbot's own settings (bot/core/settings.py) decide where the SDK talks to.
"""

from __future__ import annotations

import logging
import os
import sys
from urllib.parse import urlsplit

# Before the SDK import below, whatever the environment says: a stray .env must not switch off auth.
if "microsoft_teams.apps" in sys.modules:  # pragma: no cover - only if someone bypassed this module
    logging.getLogger(__name__).warning("microsoft_teams.apps was imported before bot.teams.sdk")
os.environ["PYTHON_DOTENV_DISABLED"] = "1"

import microsoft_teams.api as api  # noqa: E402
import microsoft_teams.apps as apps  # noqa: E402
import microsoft_teams.cards as cards  # noqa: E402
import microsoft_teams.common as common  # noqa: E402
from microsoft_teams.api import (  # noqa: E402
    Account,
    ActivityParams,
    ApiClientSettings,
    ConversationReference,
    CreateConversationParams,
    MessageActivity,
    MessageActivityInput,
    SentActivity,
    TokenCredentials,
)
from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment, with_overrides  # noqa: E402
from microsoft_teams.apps import ActivityContext, App  # noqa: E402

from bot.core.settings import Settings  # noqa: E402
from bot.teams.pacing import Pacer, PacingMiddleware  # noqa: E402
from bot.teams.retry import RetryMiddleware, Wait  # noqa: E402
from bot.teams.server import LoopThreadAdapter  # noqa: E402
from bot.teams.token import ClientCredentialsToken  # noqa: E402

__all__ = [
    "Account",
    "ActivityContext",
    "ActivityParams",
    "activity_tenant_id",
    "App",
    "ConversationReference",
    "CreateConversationParams",
    "MessageActivity",
    "MessageActivityInput",
    "SentActivity",
    "api",
    "apps",
    "build_teams_app",
    "cards",
    "cloud_for",
    "common",
    "token_provider_for",
]


def activity_tenant_id(activity: api.ActivityBase) -> str | None:
    """The Entra tenant an inbound activity came from (channelData first: it is set in channels too).

    The SDK does not check the tenant; the integrator compares this with the network file.
    """
    channel_data = getattr(activity, "channel_data", None)
    tenant = getattr(channel_data, "tenant", None) if channel_data else None
    if tenant is not None and getattr(tenant, "id", None):
        return tenant.id
    conversation = getattr(activity, "conversation", None)
    return getattr(conversation, "tenant_id", None) or None


def cloud_for(settings: Settings) -> CloudEnvironment:
    """The public cloud with flipbot's OpenID metadata URL and, if TEAMS_TOKEN_URL is set, its login host."""
    login_endpoint = None
    if settings.teams_token_url:
        parts = urlsplit(settings.teams_token_url)
        login_endpoint = f"{parts.scheme}://{parts.netloc}"
    return with_overrides(
        PUBLIC,
        openid_metadata_url=settings.teams_openid_metadata_url,
        login_endpoint=login_endpoint,
    )


def token_provider_for(settings: Settings) -> ClientCredentialsToken:
    """Our client-credentials token source for the bot registration in settings."""
    return ClientCredentialsToken(
        settings.teams_token_endpoint(),
        settings.require("TEAMS_APP_ID", "the Teams bot's app id"),
        settings.require("TEAMS_APP_PASSWORD", "the Teams bot's client secret"),
    )


def build_teams_app(
    settings: Settings,
    *,
    adapter: LoopThreadAdapter | None = None,
    token: ClientCredentialsToken | None = None,
    wait: Wait | None = None,
    retry: RetryMiddleware | None = None,
) -> App:
    """The SDK App wired to flipbot's settings, our token source, retries and loop-thread adapter.

    Register handlers on the returned app; `app.server.adapter` is the adapter to serve and `run` on.
    The App initialises itself on the adapter's loop at first use.
    """
    app_id = settings.require("TEAMS_APP_ID", "the Teams bot's app id")
    adapter = adapter or LoopThreadAdapter()
    token = token or token_provider_for(settings)
    if retry is None:
        retry = RetryMiddleware(wait=wait) if wait is not None else RetryMiddleware()
    client = common.Client(common.ClientOptions())
    client.use(retry)
    # Under Teams' limits (per app ~50 requests/s, per conversation 7/1 s …): every Bot Connector
    # request, retries included, waits its turn; one pacer for the process.
    client.use(
        PacingMiddleware(Pacer(), wait=wait) if wait is not None else PacingMiddleware(Pacer())
    )
    cloud = cloud_for(settings)
    app = App(
        client_id=app_id,
        tenant_id=settings.teams_tenant_id,
        token=token,
        cloud=cloud,
        service_url=settings.teams_service_url,
        client=client,
        api_client_settings=ApiClientSettings(oauth_url=cloud.token_service_url),
        http_server_adapter=adapter,
        messaging_endpoint=adapter.messaging_path,
        dangerously_allow_unauthenticated_requests=False,
    )
    if not isinstance(app.credentials, TokenCredentials):
        # CLIENT_SECRET in the environment makes the SDK use MSAL against the real Entra instead.
        raise RuntimeError(
            "the Teams SDK did not take flipbot's token provider; unset CLIENT_SECRET "
            "(flipbot reads TEAMS_APP_PASSWORD)"
        )
    adapter.on_startup(app.initialize)
    return app
