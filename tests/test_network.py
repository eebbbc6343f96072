from datetime import UTC, datetime, timedelta
from textwrap import dedent

import pytest

from bot.core.network import load_network
from bot.core.services import EXAMPLE_NETWORK
from bot.core.timeutil import cron_trigger, format_duration, next_fire_times, parse_duration, zone
from bot.core.yamlfile import FileProblems

GOOD = """\
name: Testnetværk
timezone: Europe/Copenhagen
language: da
channels:
  digests: C0DIGESTS
municipalities:
  - id: silkeborg
    name: Silkeborg Kommune
  - id: herning
    name: Herning Kommune
members:
  - slack_id: U0SILK001
    name: Mette Hansen
    municipality: silkeborg
    roles: [broker]
  - slack_id: U0HERN001
    name: Lars Nielsen
    municipality: herning
    roles: [broker, facilitator]
programmes:
  - id: samtale-efteraar
    theme: samtale
    schedule: "0 9 * * tue"
    audience: all
    respond_within: 5d
    remind_before_close: 1d
"""


def write(tmp_path, text):
    path = tmp_path / "network.yaml"
    path.write_text(dedent(text), encoding="utf-8")
    return path


def problems_of(tmp_path, text):
    with pytest.raises(FileProblems) as caught:
        load_network(write(tmp_path, text))
    return caught.value.problems


def test_example_network_is_a_realistic_network():
    network = load_network(EXAMPLE_NETWORK)
    assert len(network.municipalities) == 5
    assert {"silkeborg", "herning", "holstebro", "vesthimmerland"} <= {
        m.id for m in network.municipalities
    }
    assert len(network.brokers()) == 50
    assert sum(m.has_role("facilitator") for m in network.members) == 3
    assert sum(m.has_role("researcher") for m in network.members) == 2
    assert len(network.programmes) == 2
    for municipality in network.municipalities:
        assert len(network.brokers([municipality.id])) == 10


def test_good_file_loads_with_defaults(tmp_path):
    network = load_network(write(tmp_path, GOOD))
    programme = network.programmes[0]
    assert programme.respond_within == timedelta(days=5)
    assert programme.remind_before_close == timedelta(days=1)
    assert network.misfire_grace == timedelta(hours=6)
    assert network.member("U0HERN001").has_role("facilitator")
    assert network.language_of("U0SILK001") == "da"
    # The file says nothing about consent: the member is asked in the chat.
    assert network.members[0].research_consent is None


def test_the_file_cannot_give_consent_on_a_members_behalf(tmp_path):
    text = GOOD.replace(
        "    roles: [broker]\n", "    roles: [broker]\n    research_consent: true\n"
    )
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.path == "members[0].research_consent"
    assert problem.line == 16
    assert problem.file.endswith("network.yaml")
    assert "research_consent: true for Mette Hansen" in problem.message
    assert "/flip samtykke ja" in problem.message
    assert "research_consent: false" in problem.message


def test_the_file_may_opt_a_member_out(tmp_path):
    text = GOOD.replace(
        "    roles: [broker]\n", "    roles: [broker]\n    research_consent: false\n"
    )
    network = load_network(write(tmp_path, text))
    assert network.member("U0SILK001").research_consent is False


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            "municipality: silkeborg",
            "municipality: silkebrog",
            "members[0].municipality",
            "unknown municipality 'silkebrog'",
        ),
        ("theme: samtale", "theme: samtal", "programmes[0].theme", "samtal"),
        (
            "slack_id: U0HERN001",
            "slack_id: U0SILK001",
            "members[1].slack_id",
            "duplicate slack_id 'U0SILK001'",
        ),
        ("id: herning", "id: silkeborg", "municipalities[1].id", "duplicate id 'silkeborg'"),
        (
            "slack_id: U0SILK001",
            "slack_id: mette",
            "members[0].slack_id",
            "not a Slack user id: 'mette'",
        ),
        (
            'schedule: "0 9 * * tue"',
            'schedule: "0 25 * * tue"',
            "programmes[0].schedule",
            "bad cron expression",
        ),
        (
            'schedule: "0 9 * * tue"',
            'schedule: "every tuesday"',
            "programmes[0].schedule",
            "5 fields",
        ),
        (
            "timezone: Europe/Copenhagen",
            "timezone: Europe/Kobenhavn",
            "timezone",
            "unknown timezone 'Europe/Kobenhavn'",
        ),
        (
            "respond_within: 5d",
            "respond_within: 5 days",
            "programmes[0].respond_within",
            "not a duration",
        ),
        ("roles: [broker]", "roles: [broker, boss]", "members[0].roles[1]", "boss"),
        (
            "digests: C0DIGESTS",
            "digests: flip-digests",
            "channels.digests",
            "not a channel id",
        ),
        ("language: da\n", "language: de\n", "language", "'de'"),
        (
            "    roles: [broker]\n",
            "    roles: [broker]\n    role: admin\n",
            "members[0].role",
            "unknown key",
        ),
    ],
)
def test_each_kind_of_error_names_file_line_field_and_value(tmp_path, old, new, path, message):
    assert old in GOOD
    problems = problems_of(tmp_path, GOOD.replace(old, new, 1))
    matching = [p for p in problems if p.path == path]
    assert matching, [str(p) for p in problems]
    problem = matching[0]
    assert message in problem.message
    assert problem.file.endswith("network.yaml")
    assert problem.line is not None
    text = (tmp_path / "network.yaml").read_text().splitlines()
    assert path.split(".")[-1].split("[")[0] in text[problem.line - 1]


def test_every_problem_is_reported_at_once(tmp_path):
    broken = (
        GOOD.replace("municipality: silkeborg", "municipality: aarhus")
        .replace("theme: samtale", "theme: nope")
        .replace("respond_within: 5d", "respond_within: soon")
        .replace("slack_id: U0HERN001", "slack_id: U0SILK001")
    )
    problems = problems_of(tmp_path, broken)
    paths = {p.path for p in problems}
    assert {
        "members[0].municipality",
        "programmes[0].theme",
        "programmes[0].respond_within",
        "members[1].slack_id",
    } <= paths
    assert len([p for p in problems if p.path == "programmes[0].theme"]) == 1


def test_yaml_syntax_error_names_its_line(tmp_path):
    broken = GOOD.replace("    name: Herning Kommune", "    name: [Herning Kommune")
    problems = problems_of(tmp_path, broken)
    assert len(problems) == 1
    assert "YAML syntax error" in problems[0].message
    assert problems[0].line in (9, 10, 11)
    assert str(problems[0]).startswith(f"{tmp_path / 'network.yaml'}:")


def test_file_that_is_not_a_mapping_or_missing(tmp_path):
    assert "must be a mapping" in problems_of(tmp_path, "- just\n- a list\n")[0].message
    with pytest.raises(FileProblems, match="file not found"):
        load_network(tmp_path / "missing.yaml")


def test_audience_must_name_known_municipalities(tmp_path):
    problems = problems_of(tmp_path, GOOD.replace("audience: all", "audience: [herning, aalborg]"))
    assert [p.path for p in problems] == ["programmes[0].audience[1]"]
    assert "aalborg" in problems[0].message


def test_reminder_must_come_before_the_deadline(tmp_path):
    problems = problems_of(
        tmp_path, GOOD.replace("remind_before_close: 1d", "remind_before_close: 6d")
    )
    assert "remind_before_close must be shorter" in problems[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("36h", timedelta(hours=36)),
        ("5d", timedelta(days=5)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text", ["", "5", "0d", "-1d", "5 days", "1y", "1.5h"])
def test_bad_durations(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("weekday", "expected"),
    [("tue", 1), ("2", 1), ("0", 6), ("7", 6), ("1-5", 0), ("mon-fri", 0), ("6,0", 5), ("*/2", 1)],
)
def test_cron_weekdays_mean_what_standard_cron_means(weekday, expected):
    # 2026-11-23 is a Monday; Python's weekday(): Monday 0 ... Sunday 6.
    tz = zone("Europe/Copenhagen")
    trigger = cron_trigger(f"0 9 * * {weekday}", tz)
    first = next_fire_times(trigger, datetime(2026, 11, 22, 23, 30, tzinfo=UTC), 1)[0]
    assert first.weekday() == expected
    assert (first.hour, first.minute) == (9, 0)


def test_next_runs_are_in_local_time(tmp_path):
    network = load_network(write(tmp_path, GOOD))
    runs = network.next_runs(network.programmes[0], datetime(2026, 11, 22, tzinfo=UTC), 3)
    assert [r.isoformat() for r in runs] == [
        "2026-11-24T09:00:00+01:00",
        "2026-12-01T09:00:00+01:00",
        "2026-12-08T09:00:00+01:00",
    ]


TEAMS_USER = "6f1c2a3b-4d5e-4f60-8a71-9b0c1d2e3f40"
TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def test_members_may_be_on_slack_teams_or_both_and_keep_a_neutral_id(tmp_path):
    text = GOOD.replace(
        "  - slack_id: U0HERN001\n",
        f"  - teams: {TEAMS_USER.upper()}\n",
    ).replace(
        "    name: Herning Kommune\n", f"    name: Herning Kommune\n    teams_tenant: {TENANT}\n"
    )
    text = text.replace(
        "programmes:",
        "  - id: anna\n    slack: U0SILK002\n    teams: 7f1c2a3b-4d5e-4f60-8a71-9b0c1d2e3f41\n"
        "    name: Anna\n    municipality: silkeborg\n    roles: [researcher]\nprogrammes:",
    )
    network = load_network(write(tmp_path, text))
    old, teams_only, both = network.members
    assert (old.id, old.slack, old.teams) == ("U0SILK001", "U0SILK001", None)
    assert (teams_only.id, teams_only.slack, teams_only.teams) == (TEAMS_USER, None, TEAMS_USER)
    assert (both.id, both.platforms) == ("anna", ["teams", "slack"])
    assert network.member_at("teams", TEAMS_USER.upper()) is teams_only
    assert network.member_at("slack", "U0SILK002") is both
    assert network.member_at("slack", "U0HERN001") is None
    assert network.teams_tenants() == {TENANT}
    assert network.tenant_of(teams_only) == TENANT and network.tenant_of(old) is None


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            "  - slack_id: U0SILK001\n    name: Mette Hansen",
            "  - name: Mette Hansen",
            "members[0]",
            "a member needs an address",
        ),
        ("slack_id: U0SILK001", "teams: not-a-guid", "members[0].teams", "not an Entra object id"),
        (
            "slack_id: U0SILK001",
            "slack_id: U0SILK001\n    slack: U0SILK009",
            "members[0]",
            "slack_id and slack name different Slack users",
        ),
        (
            "name: Herning Kommune",
            "name: Herning Kommune\n    teams_tenant: herning",
            "municipalities[1].teams_tenant",
            "not a tenant id",
        ),
    ],
)
def test_platform_addresses_are_checked(tmp_path, old, new, path, message):
    problems = problems_of(tmp_path, GOOD.replace(old, new, 1))
    matching = [p for p in problems if p.path == path and message in p.message]
    assert matching, [str(p) for p in problems]


def test_a_teams_channel_is_written_as_teams_shows_it(tmp_path):
    channel = "19:a1b2c3d4e5f6@thread.tacv2"
    network = load_network(write(tmp_path, GOOD.replace("C0DIGESTS", f'"{channel}"')))
    assert network.channels.digests == channel
