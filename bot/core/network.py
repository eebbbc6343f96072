"""The network file: municipalities, members, roles, channels and programmes (pydantic, extra='forbid')."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.core.themes import THEME_IDS, ThemeId
from bot.core.timeutil import (
    WEEKDAYS,
    cron_trigger,
    is_holiday,
    next_fire_times,
    parse_duration,
    zone,
)
from bot.core.yamlfile import FileProblems, Problem, YamlDoc, read_yaml, validation_problems

Language = Literal["da", "en", "nb"]
Role = Literal["broker", "facilitator", "researcher", "admin"]

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{4,}$")
SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{4,}$")
# A Teams channel (or group chat) conversation id, as Teams shows it in "Get link to channel".
TEAMS_CHANNEL_ID = re.compile(r"^19:[A-Za-z0-9_.\-]+@thread\.(tacv2|skype|v2)$")
# Entra (Azure AD) object ids and tenant ids are GUIDs.
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MEMBER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{1,99}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(value)


def channel_platform(channel: str) -> str:
    """Which chat platform a channel id in the network file belongs to."""
    return "teams" if TEAMS_CHANNEL_ID.match(channel) else "slack"


def _channel(value: str | None) -> str | None:
    if value is None or SLACK_CHANNEL_ID.match(value) or TEAMS_CHANNEL_ID.match(value):
        return value
    raise ValueError(
        f"not a channel id: {value!r} (a Slack channel looks like C0123ABCD, a Teams channel "
        "like 19:abc123@thread.tacv2)"
    )


class Channels(_Strict):
    digests: str | None = None

    @field_validator("digests")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        return _channel(value)


class Municipality(_Strict):
    id: str
    name: str
    # The municipality's Microsoft 365 tenant, for members on Teams: flipbot accepts Teams
    # activities from the tenants named here only.
    teams_tenant: str | None = None

    @field_validator("teams_tenant")
    @classmethod
    def _tenant(cls, value: str | None) -> str | None:
        if value is not None and not GUID.match(value):
            raise ValueError(f"not a tenant id: {value!r} (a GUID, as in the Entra admin centre)")
        return value

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"id {value!r} must be lowercase letters, digits, '-' or '_'")
        return value


class Member(_Strict):
    """A person in the network: one neutral id, and an address on each platform they use.

    The network file names addresses as `slack: U…` (or the older `slack_id: U…`) and
    `teams: <Entra object id>`. `id` may be given; otherwise it is the Slack id if there is one
    (so members from before Teams keep their id and their export pseudonym), else the Entra id.
    """

    id: str = ""
    slack: str | None = None
    # The older spelling of `slack`, still accepted so that every existing network file runs.
    older_slack_id: str | None = Field(None, alias="slack_id", exclude=True, repr=False)
    teams: str | None = None
    name: str
    municipality: str
    roles: list[Role] = Field(min_length=1)
    language: Language | None = None
    # Only an opt-out: consent to research use and quoting comes from the member alone (asked
    # in the chat on first contact, or /flip samtykke). None means the file says nothing.
    research_consent: bool | None = None

    @field_validator("slack", "older_slack_id")
    @classmethod
    def _slack_id(cls, value: str | None) -> str | None:
        if value is not None and not SLACK_USER_ID.match(value):
            raise ValueError(f"not a Slack user id: {value!r} (looks like U0123ABCD)")
        return value

    @field_validator("teams")
    @classmethod
    def _teams_id(cls, value: str | None) -> str | None:
        if value is not None and not GUID.match(value):
            raise ValueError(
                f"not an Entra object id: {value!r} (a GUID, as in the Entra admin centre)"
            )
        return value.lower() if value else value

    @field_validator("research_consent")
    @classmethod
    def _no_consent_on_their_behalf(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        if value is True:
            raise ValueError(
                f"research_consent: true for {info.data.get('name', 'this member')}: the network "
                "file cannot give consent on a member's behalf (GDPR Art. 7). Remove the line: "
                "the member is asked in the chat on first contact and answers there or with "
                "/flip samtykke ja. Write research_consent: false only to opt them out."
            )
        return value

    @model_validator(mode="after")
    def _neutral_id(self) -> Member:
        if self.older_slack_id is not None:
            if self.slack not in (None, self.older_slack_id):
                raise ValueError("slack_id and slack name different Slack users; keep one")
            object.__setattr__(self, "slack", self.older_slack_id)
        if not (self.slack or self.teams):
            raise ValueError("a member needs an address: slack: U… and/or teams: <Entra object id>")
        if not self.id:
            object.__setattr__(self, "id", self.slack or self.teams)
        elif not MEMBER_ID.match(self.id):
            raise ValueError(f"id {self.id!r} must be letters, digits, '.', '_', ':' or '-'")
        return self

    def address(self, platform: str) -> str | None:
        """The member's user id on a platform, or None when they are not on it."""
        return {"slack": self.slack, "teams": self.teams}.get(platform)

    @property
    def platforms(self) -> list[str]:
        """The platforms the member is reached on; Teams first, where the network is moving."""
        return [p for p in ("teams", "slack") if self.address(p)]

    def has_role(self, role: str) -> bool:
        return role in self.roles


class WorkingHours(_Strict):
    start: time = time(8, 0)
    end: time = time(16, 0)
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"], min_length=1
    )
    # Job centres are closed on Danish public holidays: no DMs, snoozes or reminders then.
    skip_holidays: bool = True

    def works_on(self, day: date) -> bool:
        """A working day: one of `days`, and not a public holiday unless those are worked."""
        return WEEKDAYS[day.weekday()] in self.days and not (self.skip_holidays and is_holiday(day))

    @model_validator(mode="after")
    def _order(self) -> WorkingHours:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Programme(_Strict):
    id: str
    # "sparring": each slot sends the oldest approved sparring case instead of a library prompt
    # (the theme then only names the programme's area).
    kind: Literal["prompt", "sparring"] = "prompt"
    theme: ThemeId
    schedule: str
    audience: Literal["all"] | list[str] = "all"
    respond_within: timedelta = timedelta(days=5)
    remind_before_close: timedelta | None = timedelta(days=1)
    start: date | None = None
    end: date | None = None
    skip_holidays: bool = False
    prompts: list[str] | None = None
    digest_channel: str | None = None
    channel: str | None = None

    @field_validator("respond_within", "remind_before_close", mode="before")
    @classmethod
    def _durations(cls, value: Any) -> timedelta | None:
        return None if value is None else _duration(value)

    @field_validator("digest_channel", "channel")
    @classmethod
    def _channels(cls, value: str | None) -> str | None:
        return _channel(value)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"id {value!r} must be lowercase letters, digits, '-' or '_'")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Programme:
        if self.remind_before_close is not None and self.remind_before_close >= self.respond_within:
            raise ValueError("remind_before_close must be shorter than respond_within")
        if self.start and self.end and self.end < self.start:
            raise ValueError("end is before start")
        return self


class SparringSettings(_Strict):
    """Kollegial sparring in this network (bot.core.sparring)."""

    # A facilitator approves each case before it goes out; off, a confirmed case goes out at once.
    review: bool = True
    # How many sparring rounds may run at once; an approved case beyond it waits its turn.
    max_running: int = Field(3, ge=1)
    # Working days colleagues have to answer, unless the facilitator sets another deadline.
    respond_within_days: int = Field(5, ge=1, le=30)


class Network(_Strict):
    name: str
    timezone: str = "Europe/Copenhagen"
    language: Language = "da"
    channels: Channels = Channels()
    municipalities: list[Municipality] = Field(min_length=1)
    members: list[Member] = Field(default_factory=list)
    programmes: list[Programme] = Field(default_factory=list)
    working_hours: WorkingHours = WorkingHours()
    misfire_grace: timedelta = timedelta(hours=6)
    digest_review: bool = True
    retention_days: int = Field(730, ge=1)
    min_group_size: int = Field(3, ge=1)
    sparring: SparringSettings = SparringSettings()

    @field_validator("misfire_grace", mode="before")
    @classmethod
    def _grace(cls, value: Any) -> timedelta:
        return _duration(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        zone(value)
        return value

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    def member(self, member_id: str) -> Member | None:
        return self._indexes()[0].get(member_id)

    def member_at(self, platform: str, address: str) -> Member | None:
        """The member a platform's user id belongs to (inbound events name platform users)."""
        return self._indexes()[1].get(
            (platform, address.lower() if platform == "teams" else address)
        )

    def _indexes(self) -> tuple[dict[str, Member], dict[tuple[str, str], Member]]:
        cached = self.__dict__.get("_index_cache")
        if cached is None:
            by_id = {m.id: m for m in self.members}
            by_address = {(p, m.address(p)): m for m in self.members for p in m.platforms}
            cached = (by_id, by_address)
            object.__setattr__(self, "_index_cache", cached)
        return cached

    def teams_tenants(self) -> set[str]:
        """The Microsoft 365 tenants whose Teams activities flipbot accepts."""
        return {m.teams_tenant.lower() for m in self.municipalities if m.teams_tenant}

    def tenant_of(self, member: Member) -> str | None:
        municipality = self.municipality(member.municipality)
        return municipality.teams_tenant if municipality else None

    def municipality(self, municipality_id: str) -> Municipality | None:
        return next((m for m in self.municipalities if m.id == municipality_id), None)

    def programme(self, programme_id: str) -> Programme | None:
        return next((p for p in self.programmes if p.id == programme_id), None)

    def brokers(self, audience: Literal["all"] | list[str] = "all") -> list[Member]:
        """Members with the broker role in the audience (all, or a list of municipality ids)."""
        wanted = None if audience == "all" else set(audience)
        return [
            m
            for m in self.members
            if m.has_role("broker") and (wanted is None or m.municipality in wanted)
        ]

    def language_of(self, member_id: str) -> str:
        member = self.member(member_id)
        return (member.language if member and member.language else None) or self.language

    def next_runs(self, programme: Programme, after: datetime, count: int = 3) -> list[datetime]:
        """The next cron slots of a programme in the network's timezone (dates and holidays ignored)."""
        trigger = cron_trigger(programme.schedule, self.tz)
        return next_fire_times(trigger, after.astimezone(self.tz), count)


def _reference_problems(doc: YamlDoc) -> list[Problem]:
    """Checks across fields (ids, references, cron), made on the raw data so they run even when
    other fields are malformed and every problem is reported at once."""
    data = doc.data if isinstance(doc.data, dict) else {}
    problems: list[Problem] = []

    def items(key: str) -> list[tuple[int, dict]]:
        value = data.get(key)
        if not isinstance(value, list):
            return []
        return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]

    def duplicates(key: str, field: str) -> None:
        first: dict[str, int] = {}
        for index, item in items(key):
            if item.get(field) is None:
                continue
            value = str(item.get(field))
            if value in first:
                line = doc.line_of((key, first[value], field))
                problems.append(
                    doc.problem(
                        (key, index, field), f"duplicate {field} {value!r} (first on line {line})"
                    )
                )
            else:
                first[value] = index

    duplicates("municipalities", "id")
    duplicates("members", "id")
    duplicates("members", "slack_id")
    duplicates("members", "slack")
    duplicates("members", "teams")
    duplicates("programmes", "id")

    known = sorted(str(item.get("id")) for _, item in items("municipalities") if item.get("id"))
    known_text = ", ".join(known) or "none"
    for index, member in items("members"):
        municipality = member.get("municipality")
        if municipality is not None and str(municipality) not in known:
            problems.append(
                doc.problem(
                    ("members", index, "municipality"),
                    f"unknown municipality {municipality!r} (known: {known_text})",
                )
            )
    timezone_name = data.get("timezone", "Europe/Copenhagen")
    try:
        tz = zone(str(timezone_name))
    except ValueError:
        tz = None
    for index, programme in items("programmes"):
        theme = programme.get("theme")
        if theme is not None and theme not in THEME_IDS:
            problems.append(
                doc.problem(
                    ("programmes", index, "theme"),
                    f"unknown theme {theme!r} (one of: {', '.join(THEME_IDS)})",
                )
            )
        schedule = programme.get("schedule")
        if schedule is not None and tz is not None:
            try:
                cron_trigger(str(schedule), tz)
            except ValueError as exc:
                problems.append(doc.problem(("programmes", index, "schedule"), str(exc)))
        audience = programme.get("audience")
        if isinstance(audience, list):
            for position, municipality in enumerate(audience):
                if str(municipality) not in known:
                    problems.append(
                        doc.problem(
                            ("programmes", index, "audience", position),
                            f"unknown municipality {municipality!r} (known: {known_text})",
                        )
                    )
    return problems


def _drop_duplicate_messages(problems: list[Problem]) -> list[Problem]:
    # The same theme error is found by pydantic (Literal) and by the reference check.
    seen: set[tuple[str, str]] = set()
    kept = []
    for problem in problems:
        key = (problem.path, "theme" if "theme" in problem.message else problem.message)
        if problem.path.endswith(".theme") and key in seen:
            continue
        seen.add(key)
        kept.append(problem)
    return kept


def parse_network(doc: YamlDoc) -> Network:
    """Validate parsed YAML as a network; raise FileProblems listing every problem."""
    if not isinstance(doc.data, dict):
        raise FileProblems(
            [
                doc.problem(
                    (), "the network file must be a mapping with name, municipalities, members"
                )
            ]
        )
    problems = _reference_problems(doc)
    network = None
    try:
        network = Network.model_validate(doc.data)
    except ValidationError as exc:
        structural = [
            p
            for p in validation_problems(doc, exc)
            if not (p.path.endswith(".theme") and any(q.path == p.path for q in problems))
        ]
        problems = structural + problems
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.path))
        raise FileProblems(_drop_duplicate_messages(problems))
    assert network is not None
    return network


def load_network(path: Path | str) -> Network:
    """Read and validate a network file; raise FileProblems (with file, line, field) if it is wrong."""
    return parse_network(read_yaml(path))
