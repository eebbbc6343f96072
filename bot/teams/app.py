"""The Teams edge of one flipbot process: the SDK App on its loop thread, the TeamsMessenger, the
handlers, and the WSGI app for POST /api/messages."""

from __future__ import annotations

from typing import Any

from bot.core.network import Network
from bot.core.services import Services
from bot.core.settings import Settings
from bot.store.database import Store
from bot.teams.handlers import register_handlers
from bot.teams.messenger import TeamsMessenger
from bot.teams.retry import Wait
from bot.teams.sdk import build_teams_app
from bot.teams.server import LoopThreadAdapter, teams_wsgi


def activity_tenant(payload: dict[str, Any]) -> str | None:
    """The tenant an activity says it comes from (channelData first, as the SDK reads it)."""
    channel_data = payload.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        return tenant["id"].lower()
    conversation = payload.get("conversation")
    found = conversation.get("tenantId") if isinstance(conversation, dict) else None
    return found.lower() if isinstance(found, str) else None


class TeamsEdge:
    """Built before the services (they need its messenger), registered after them."""

    def __init__(
        self,
        settings: Settings,
        network: Network,
        store: Store,
        *,
        adapter: LoopThreadAdapter | None = None,
        wait: Wait | None = None,
    ):
        self.adapter = adapter or LoopThreadAdapter()
        self.app = build_teams_app(settings, adapter=self.adapter, wait=wait)
        self.messenger = TeamsMessenger(self.app, self.adapter, network, store)
        tenants = network.teams_tenants()
        if settings.teams_tenant_id:
            tenants.add(settings.teams_tenant_id.lower())
        self.tenants = frozenset(tenants)
        self.adapter.accept = lambda payload: activity_tenant(payload) in self.tenants

    def register(self, services: Services) -> None:
        self.handlers = register_handlers(self.app, services, self.messenger.files)

    def wsgi(self):
        return teams_wsgi(self.adapter)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every activity is handled and the work it started is done (tests, shutdown)."""
        from bot.teams.background import wait_for_background

        while True:
            if not self.adapter.wait_idle(timeout) or not wait_for_background(timeout):
                return False
            if self.adapter.wait_idle(timeout) and wait_for_background(0.0):
                return True

    def close(self) -> None:
        self.adapter.close()
