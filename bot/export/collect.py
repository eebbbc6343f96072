"""Research exports: one row per answered question, pseudonymised, consent-filtered.

Pseudonyms are an HMAC of the member's neutral id with a per-project key kept outside the
database and its backups (the setting FLIPBOT_PSEUDONYM_KEY or a key file beside the database,
see project_key), so they stay the same across exports of one project, differ between projects
and cannot be turned back into an id or a name by whoever holds a copy of the database. Answer ids are an HMAC of (round, member) with the same
secret: stable across exports, never the database id. Answers from members without research
consent are left out and counted. Municipalities too small to name are hidden per round (see
bot/export/cells.py), the same in every export and digest of the round.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

import bot
from bot.core.i18n import t
from bot.core.network import Network
from bot.core.rounds import case_prompt
from bot.core.timeutil import parse_iso, utcnow
from bot.export.cells import hidden_municipalities
from bot.export.keys import answer_id, key_fingerprint, project_key, pseudonym, round_pseudonym
from bot.prompts import Library
from bot.store.database import Store
from bot.store.exports import consent_log, export_rows
from bot.store.privacy import has_consent
from bot.store.sparring import SparringStore

FORMATS = ("csv", "json", "md", "html", "qdpx")
# How precisely answer times are exported: a stable pseudonym with a time to the second can be
# matched against chat logs or calendars; the day is enough for most analyses.
TIME_PRECISIONS = ("day", "hour", "exact")
SCHEMA_VERSION = "2.0"
COLUMNS = (
    "id",
    "answer_id",
    "round",
    "prompt_id",
    "prompt_title",
    "prompt_body",
    "prompt_language",
    "theme",
    "municipality",
    "pseudonym",
    "answered_at",
    "edited_at",
    "question_id",
    "question",
    "text",
    "quotable",
    "kind",
    "owner_pseudonym",
)


@dataclass(frozen=True)
class ExportFilter:
    round_id: int | None = None
    theme: str | None = None
    since: date | None = None
    until: date | None = None
    municipality: str | None = None


@dataclass(frozen=True)
class ExportRow:
    id: str  # the row's export id: answer_id and question id
    answer_id: str  # one answer (all questions of one member in one round)
    round: int
    prompt_id: str
    prompt_title: str  # in prompt_language, the language the member was shown
    prompt_body: str
    prompt_language: str
    theme: str  # the prompt's FLIP theme id
    municipality: str  # its name, or 'other municipalities' where the round hides it
    pseudonym: str  # the member's, or the round's own where municipality is hidden
    answered_at: str  # in the network's time: a date (day), or ISO 8601 with the UTC offset
    edited_at: str | None  # the last edit, if the member edited the answer (same precision)
    question_id: str
    question: str  # the question's label in prompt_language
    text: str  # verbatim, as stored (after the redaction of personal data)
    quotable: bool  # False: the member said the answer must not be quoted
    kind: str = ""  # the prompt's kind: reflection, dilemma, or sparring (a case)
    # A sparring case's owner, pseudonymised as answerers are, when the owner has consented.
    owner_pseudonym: str | None = None


@dataclass(frozen=True)
class SuggestedTheme:
    """A theme flipbot's digest found in a round: machine-suggested, labelled as the digest was
    left (the facilitator's approval or edit); answer_ids are export answer ids."""

    round: int
    index: int  # its place in the digest's themes
    label: str
    terms: tuple[str, ...]
    answer_ids: tuple[str, ...]
    digest_status: str


@dataclass
class Export:
    rows: list[ExportRow]
    left_out_no_consent: int
    filters: ExportFilter
    exported_at: datetime
    language: str = "da"
    themes: list[str] = field(default_factory=list)
    min_group_size: int = 3
    relabelled_small_cell: int = 0  # rows whose municipality shows as 'other municipalities'
    key_fingerprint: str = ""
    withdrawn_since: date | None = None
    withdrawn: list[dict] = field(default_factory=list)  # consent log entries since then
    response_ids: dict[str, int] = field(default_factory=dict)  # answer_id -> response id
    # round -> the themes of its digest (approved, else the latest draft), with export answer ids
    suggested_themes: dict[int, list[SuggestedTheme]] = field(default_factory=dict)
    times: str = "day"  # one of TIME_PRECISIONS

    def manifest(self) -> dict:
        """What a reader needs to know about how this file was made (no municipality named)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "flipbot_version": bot.__version__,
            "exported_at": self.exported_at.isoformat(),
            "time_precision": self.times,
            "filters": {
                k: (str(v) if v is not None else None) for k, v in asdict(self.filters).items()
            },
            "min_group_size": self.min_group_size,
            "small_cell_rule": "per_round",
            # Rows shown as 'other municipalities' carry a pseudonym of that round only.
            "pseudonyms": "per_member_except_hidden_rows_per_round",
            "rows": len(self.rows),
            "rows_hidden": {
                "no_research_consent": self.left_out_no_consent,
                "municipality_shown_as_other": self.relabelled_small_cell,
            },
            "key_fingerprint": self.key_fingerprint,
            "withdrawn_since": self.withdrawn_since.isoformat() if self.withdrawn_since else None,
            "withdrawn": self.withdrawn,
        }


def export_answer_ids(store: Store) -> dict[int, str]:
    """Response id -> export answer id, for digests that quote answers (their `answer_id`)."""
    secret = project_key(store)
    return {
        row["response_id"]: answer_id(secret, row["round_id"], row["member_id"])
        for row in export_rows(store)
    }


def exported_time(moment: datetime, times: str) -> str:
    """An answer's time as an export shows it: the date, the hour, or to the microsecond."""
    if times == "day":
        return moment.date().isoformat()
    if times == "hour":
        return moment.replace(minute=0, second=0, microsecond=0).isoformat()
    if times == "exact":
        return moment.isoformat()
    raise ValueError(f"unknown time precision {times!r} ({', '.join(TIME_PRECISIONS)})")


def _in_filters(row: dict, answered: datetime, filters: ExportFilter) -> bool:
    if filters.round_id is not None and row["round_id"] != filters.round_id:
        return False
    if filters.theme is not None and row["theme"] != filters.theme:
        return False
    if filters.municipality is not None and row["municipality"] != filters.municipality:
        return False
    if filters.since is not None and answered.date() < filters.since:
        return False
    return not (filters.until is not None and answered.date() > filters.until)


def collect(
    store: Store,
    network: Network,
    library: Library,
    filters: ExportFilter,
    now: datetime | None = None,
    withdrawn_since: date | None = None,
    times: str = "day",
) -> Export:
    """The rows a researcher may have under these filters, and how many were left out; answer
    times rounded to `times` (see TIME_PRECISIONS)."""
    exported_time(utcnow(), times)  # an unknown precision fails before any work
    secret = project_key(store)
    tz = network.tz
    names = {m.id: m.name for m in network.municipalities}
    picked: list[tuple[dict, dict]] = []
    left_out = 0
    hidden: dict[int, set[str]] = {}
    for row in export_rows(store):
        answered = parse_iso(row["created_at"]).astimezone(tz)
        if not _in_filters(row, answered, filters):
            continue
        round_id = row["round_id"]
        if round_id not in hidden:
            hidden[round_id] = hidden_municipalities(store, network, round_id, now)
        if filters.municipality is not None and row["municipality"] in hidden[round_id]:
            # A municipality filter must never sit above rows it hides: these rounds are left
            # out and not counted (a count would tell how many answered there).
            continue
        answers = {k: v for k, v in json.loads(row["answers"]).items() if v.strip()}
        if not row["research_consent"]:
            left_out += len(answers)
            continue
        picked.append((row, answers))
    other = t("digest.other_municipalities", network.language)
    rows = []
    relabelled = 0
    response_ids: dict[str, int] = {}
    cases = SparringStore(store)
    for row, answers in picked:
        prompt = library.get(row["prompt_id"])
        # A sparring round's prompt is its case, in the store; its owner only with consent.
        case = cases.case_of_prompt(row["prompt_id"]) if prompt is None else None
        owner = None
        if case is not None:
            prompt = case_prompt(network, case)
            if has_consent(store, case.owner_id):
                owner = pseudonym(secret, case.owner_id)
        member_language = row["language"] or network.language
        shown = prompt.text(member_language) if prompt else None
        prompt_language = (
            member_language if prompt and member_language in prompt.translations else "da"
        )
        questions = {q.id: q.label for q in shown.questions} if shown else {}
        small = row["municipality"] in hidden[row["round_id"]]
        answer = answer_id(secret, row["round_id"], row["member_id"])
        response_ids[answer] = row["response_id"]
        edited = row["updated_at"] if row["updated_at"] != row["created_at"] else None
        for question_id, text in answers.items():
            relabelled += small
            rows.append(
                ExportRow(
                    id=f"{answer}-{question_id}",
                    answer_id=answer,
                    round=row["round_id"],
                    prompt_id=row["prompt_id"],
                    prompt_title=shown.title if shown else row["prompt_id"],
                    prompt_body=shown.body if shown else "",
                    prompt_language=prompt_language,
                    theme=row["theme"],
                    municipality=other
                    if small
                    else names.get(row["municipality"], row["municipality"]),
                    # A stable pseudonym on a row that hides the municipality would tie it to
                    # the member's named rows in other rounds: such rows get the round's own.
                    pseudonym=round_pseudonym(secret, row["round_id"], row["member_id"])
                    if small
                    else pseudonym(secret, row["member_id"]),
                    answered_at=exported_time(parse_iso(row["created_at"]).astimezone(tz), times),
                    edited_at=exported_time(parse_iso(edited).astimezone(tz), times)
                    if edited
                    else None,
                    question_id=question_id,
                    question=questions.get(question_id, question_id),
                    text=text,
                    quotable=bool(row["quotable"]),
                    kind=prompt.kind if prompt else "",
                    owner_pseudonym=owner,
                )
            )
    themes = _suggested_themes(store, {r.round for r in rows}, response_ids)
    since = (
        datetime.combine(withdrawn_since, datetime.min.time(), tzinfo=tz)
        if withdrawn_since
        else None
    )
    return Export(
        rows=rows,
        left_out_no_consent=left_out,
        filters=filters,
        exported_at=now or utcnow(),
        language=network.language,
        themes=sorted({r.theme for r in rows}),
        min_group_size=network.min_group_size,
        relabelled_small_cell=relabelled,
        key_fingerprint=key_fingerprint(secret),
        withdrawn_since=withdrawn_since,
        withdrawn=consent_log(store, since),
        response_ids=response_ids,
        suggested_themes=themes,
        times=times,
    )


def _suggested_themes(
    store: Store, round_ids: set[int], response_ids: dict[str, int]
) -> dict[int, list[SuggestedTheme]]:
    by_response = {str(v): k for k, v in response_ids.items()}
    found: dict[int, list[SuggestedTheme]] = {}
    for round_id in sorted(round_ids):
        digests = [d for d in store.round_digests(round_id) if d.status != "rejected"]
        approved = [d for d in digests if d.status == "approved"]
        chosen = (approved or digests or [None])[-1]
        if chosen is None:
            continue
        themes = []
        for index, theme in enumerate(chosen.content.get("themes") or []):
            ids = tuple(
                by_response[str(i)] for i in theme.get("answer_ids", []) if str(i) in by_response
            )
            if ids:
                themes.append(
                    SuggestedTheme(
                        round=round_id,
                        index=index,
                        label=theme.get("label", ""),
                        terms=tuple(theme.get("terms", [])),
                        answer_ids=ids,
                        digest_status=chosen.status,
                    )
                )
        found[round_id] = themes
    return found


def render_export(export: Export, fmt: str, *, excel: bool = False) -> bytes:
    """The export as the bytes of one file in the given format."""
    from bot.export.qdpx import to_qdpx
    from bot.export.text import to_csv, to_html, to_json, to_markdown

    if fmt == "csv":
        return to_csv(export, excel=excel)
    writers = {"json": to_json, "md": to_markdown, "html": to_html, "qdpx": to_qdpx}
    if fmt not in writers:
        raise ValueError(f"unknown export format {fmt!r} ({', '.join(FORMATS)})")
    return writers[fmt](export)


def export_file(
    store: Store,
    network: Network,
    library: Library,
    fmt: str,
    filters: ExportFilter,
    by: str | None,
    *,
    excel: bool = False,
    withdrawn_since: date | None = None,
    times: str = "day",
) -> tuple[bytes, str, Export]:
    """What `/flip export` and the CLI call: checks the role, audits, returns (bytes, file name,
    export). `by` is the member asking; None is the command line (whoever holds the database)."""
    from bot.core.access import require

    if by is not None:
        require(network, by, "export")
    export = collect(store, network, library, filters, withdrawn_since=withdrawn_since, times=times)
    data = render_export(export, fmt, excel=excel)
    name = f"flip-export-{export.exported_at.astimezone(network.tz):%Y%m%d-%H%M}.{fmt}"
    # The record of what left flipbot: a chat export goes to the asking member's DM (Slack file
    # or Teams file consent) under this name; see docs/privacy.md ("Exports sent in chat").
    store.audit(
        by or "cli",
        "export",
        by,
        {
            "format": fmt,
            "rows": len(export.rows),
            "left_out_no_consent": export.left_out_no_consent,
            "filters": {k: str(v) for k, v in asdict(filters).items() if v is not None},
            "time_precision": times,
            "file": name,
            "sent_to": "chat_dm" if by is not None else "cli",
            "key_fingerprint": export.key_fingerprint,
        },
        at=export.exported_at,
    )
    return data, name, export


def digest_with_export_ids(store: Store, content: dict) -> dict:
    """A digest's JSON with its answer references (`answer_id` of quotes, `answer_ids` of
    themes: database ids) replaced by export answer ids, so a researcher can trace them to rows.
    References to answers no longer stored become null / are dropped."""
    ids = {str(k): v for k, v in export_answer_ids(store).items()}

    def walk(node):
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "answer_id":
                    out[key] = ids.get(str(value))
                elif key == "answer_ids" and isinstance(value, list):
                    out[key] = [ids[str(v)] for v in value if str(v) in ids]
                else:
                    out[key] = walk(value)
            return out
        return node

    return walk(content)


def export_request(network: Network, member_id: str, args: dict) -> tuple[str, ExportFilter]:
    """Check an `/flip export` request on any platform before the file is made: the role, and the
    municipality it names. Returns (format, filters); raises ExportRequestRefused naming the problem."""
    from bot.core.access import require

    require(network, member_id, "export")
    args = dict(args)
    fmt = args.pop("format", "csv")
    municipalities = [m.id for m in network.municipalities]
    if args.get("municipality") and args["municipality"] not in municipalities:
        raise ExportRequestRefused(
            "export.command.unknown_municipality",
            municipality=args["municipality"],
            example=municipalities[0] if municipalities else "",
        )
    return fmt, ExportFilter(**args)


class ExportRequestRefused(Exception):
    """An export request that names something that is not there; `key` is the catalogue text."""

    def __init__(self, key: str, **params: object):
        self.key = key
        self.params = params
        super().__init__(key)
