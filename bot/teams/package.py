"""The Teams app package: manifest.json (schema v1.17) and the two icons, zipped for upload to
the Teams admin centre or "Upload a custom app".

The bot's id is the app id (the Azure bot registration's client id). Texts people read in Teams
(name, description, the command menu) come from the Danish catalogue: the network is Danish.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from bot.core.i18n import DEFAULT_LANGUAGE, t

MANIFEST_VERSION = "1.17"
SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/"
    f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
ASSETS = Path(__file__).parent / "assets"
COLOR_ICON = "color.png"  # 192 x 192, full colour
OUTLINE_ICON = "outline.png"  # 32 x 32, white on transparent
ACCENT_COLOR = "#007A6E"
SCOPES = ["personal", "team"]
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# A host name, optionally with a leading "*." wildcard; no scheme, port or path.
DOMAIN = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
MAX_COMMANDS = 10  # per command list, in the schema
MAX_VALID_DOMAINS = 16

# The `/flip` grammar's commands (bot.core.command) as the Teams command menu. A list holds at
# most ten, so the personal chat lists what a member does for themselves (sharing a case for
# sparring among them) plus close, and the team scope lists what a facilitator does in a
# channel. Both accept every command typed.
PERSONAL_COMMANDS = (
    "help",
    "hjem",
    "sparring",
    "pause",
    "resume",
    "samtykke",
    "slet-mig",
    "export",
    "status",
    "close",
)
TEAM_COMMANDS = ("start", "status", "remind", "close", "digest", "help")
COMMANDS = tuple(dict.fromkeys(PERSONAL_COMMANDS + TEAM_COMMANDS))


def command_list(scope: str, names: tuple[str, ...], language: str) -> dict:
    return {
        "scopes": [scope],
        "commands": [
            {"title": name, "description": t(f"teams.command.{name}", language)} for name in names
        ],
    }


def build_manifest(
    app_id: str,
    *,
    valid_domains: list[str],
    version: str = "1.0.0",
    developer_name: str = "flipbot",
    website_url: str | None = None,
    privacy_url: str | None = None,
    terms_url: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> dict:
    """The app manifest for one bot registration. The developer pages default to the bot's
    first valid domain (https://<domain>/, /privacy, /terms); ValueError on a bad id or domain."""
    if not GUID.match(app_id):
        raise ValueError(f"the app id must be a GUID (the bot's client id), not {app_id!r}")
    if not SEMVER.match(version):
        raise ValueError(f"the version must be major.minor.patch, not {version!r}")
    if len(valid_domains) > MAX_VALID_DOMAINS:
        raise ValueError(f"at most {MAX_VALID_DOMAINS} valid domains")
    for domain in valid_domains:
        if not DOMAIN.match(domain):
            raise ValueError(f"{domain!r} is not a host name (no https://, port or path)")
    if website_url is None:
        if not valid_domains or valid_domains[0].startswith("*."):
            raise ValueError("give website_url or a first valid domain without a wildcard")
        website_url = f"https://{valid_domains[0]}/"
    base = website_url.rstrip("/")
    urls = {
        "websiteUrl": website_url,
        "privacyUrl": privacy_url or f"{base}/privacy",
        "termsOfUseUrl": terms_url or f"{base}/terms",
    }
    for name, url in urls.items():
        if not url.startswith("https://"):
            raise ValueError(f"{name} must be an https URL, not {url!r}")
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "localizationInfo": {"defaultLanguageTag": language},
        "developer": {"name": developer_name, **urls},
        "name": {
            "short": t("teams.app.name_short", language),
            "full": t("teams.app.name_full", language),
        },
        "description": {
            "short": t("teams.app.description_short", language),
            "full": t("teams.app.description_full", language),
        },
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": app_id,
                "scopes": SCOPES,
                "supportsFiles": True,
                "isNotificationOnly": False,
                "commandLists": [
                    command_list("personal", PERSONAL_COMMANDS, language),
                    command_list("team", TEAM_COMMANDS, language),
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": list(valid_domains),
    }


def write_package(path: Path | str, manifest: dict) -> Path:
    """Write the app package: a zip with manifest.json and the two icons at its root."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for icon in (COLOR_ICON, OUTLINE_ICON):
            package.write(ASSETS / icon, arcname=icon)
    return path
