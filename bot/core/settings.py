"""Environment settings, read once per command with pydantic-settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MissingSetting(Exception):
    """A command needs an environment variable that is not set."""

    def __init__(self, variable: str, purpose: str = ""):
        self.variable = variable
        detail = f" ({purpose})" if purpose else ""
        super().__init__(f"missing setting: {variable} is not set{detail}")


class Settings(BaseSettings):
    """Every environment variable flipbot reads; the README has the same table.
    Tokens and secrets are kept out of repr(), so a logged Settings object cannot leak them."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    flipbot_db: str = Field("flipbot.db", description="SQLite database file")
    flipbot_config: str = Field("config/network.yaml", description="network file")
    flipbot_prompts: str | None = Field(None, description="extra prompt library directory")
    slack_bot_token: str | None = Field(None, description="bot token, xoxb-…", repr=False)
    slack_signing_secret: str | None = Field(None, description="request signing secret", repr=False)
    slack_app_token: str | None = Field(
        None, description="app-level token for Socket Mode, xapp-…", repr=False
    )
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL")
    teams_app_id: str | None = Field(None, description="the bot's Entra app (client) id")
    teams_app_password: str | None = Field(None, description="the bot's client secret", repr=False)
    teams_tenant_id: str | None = Field(None, description="the bot registration's home tenant")
    teams_openid_metadata_url: str = Field(
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        description="where the Bot Framework's signing keys (JWKS) are found",
    )
    teams_token_url: str | None = Field(
        None,
        description="OAuth2 client-credentials endpoint for outgoing calls "
        "(default: login.microsoftonline.com for TEAMS_TENANT_ID)",
    )
    teams_service_url: str = Field(
        "https://smba.trafficmanager.net/emea/",
        description="Bot Connector for conversations flipbot creates",
    )
    # Read by bot.store.files when the store opens (the store takes no Settings); named here so
    # that every setting is in one place and `repr` never shows the key.
    flipbot_pseudonym_key: str | None = Field(
        None, description="export pseudonym key (hex); overrides the key file", repr=False
    )
    flipbot_pseudonym_key_file: str | None = Field(
        None, description="export pseudonym key file (default: <db name>.pseudonym-key)"
    )
    flipbot_llm_url: str | None = Field(None, description="OpenAI-compatible endpoint")
    flipbot_llm_key: str | None = Field(
        None, description="API key for the LLM endpoint", repr=False
    )
    flipbot_llm_model: str | None = Field(None, description="model name for the LLM endpoint")
    log_level: str = Field("INFO", description="logging level")

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    def teams_token_endpoint(self) -> str:
        """The client-credentials token URL: the setting, or the public cloud's for the tenant."""
        if self.teams_token_url:
            return self.teams_token_url
        tenant = self.require("TEAMS_TENANT_ID", "the tenant the Teams bot is registered in")
        return f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"

    def require(self, name: str, purpose: str = "") -> str:
        """Return a setting that a command cannot do without, or raise MissingSetting."""
        value = getattr(self, name.lower())
        if value in (None, ""):
            raise MissingSetting(name.upper(), purpose)
        return value


def load_settings() -> Settings:
    """Read the settings from the environment (and nothing else)."""
    return Settings()
