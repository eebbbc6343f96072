"""Where a digest's answers come from: a round in the store, or a CSV typed up elsewhere."""

from __future__ import annotations

import csv
from pathlib import Path

from bot.core.i18n import t
from bot.core.network import Network
from bot.core.yamlfile import FileProblems, Problem
from bot.digest.model import Answer, MunicipalityFigures
from bot.store.database import Store

REQUIRED = ("id", "municipality", "text")
TRUE = {"1", "true", "yes", "ja", "j", "y", "x", ""}  # an empty cell keeps the default: quotable
FALSE = {"0", "false", "no", "nej", "nei", "n"}


def round_answers(store: Store, round_id: int) -> list[Answer]:
    """The answers of one round, with each member's municipality and research consent."""
    members: dict[str, dict | None] = {}
    found = []
    for response in store.responses(round_id):
        if response.member_id not in members:
            members[response.member_id] = store.member(response.member_id)
        member = members[response.member_id]
        found.append(
            Answer(
                id=str(response.id),
                municipality=member["municipality"] if member else "?",
                texts=dict(response.answers),
                quotable=response.quotable,
                research_consent=bool(member["research_consent"]) if member else False,
                member=response.member_id,
            )
        )
    return found


def round_figures(participation) -> list[MunicipalityFigures]:
    """RoundService.participation(...) as the digest's participation rows."""
    return [
        MunicipalityFigures(
            municipality=row.municipality,
            name=row.municipality,
            delivered=row.delivered,
            answered=row.answered,
            skipped=row.skipped,
        )
        for row in participation.municipalities
    ]


def municipality_names(network: Network) -> dict[str, str]:
    return {m.id: m.name for m in network.municipalities}


def _flag(raw: str, path: Path, line: int, column: str, problems: list[Problem]) -> bool:
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    problems.append(
        Problem(
            str(path), column, t("digest.error.csv_bad_flag", "en", column=column, value=raw), line
        )
    )
    return False


def read_answers_csv(path: Path) -> list[Answer]:
    """Answers from a CSV with columns id, municipality, text and optional quotable, question.
    Every bad row is reported at once (file, line, column, value); nothing is half-read."""
    problems: list[Problem] = []
    answers: list[Answer] = []
    first_line: dict[str, int] = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        # The delimiter is read from the header line only: spreadsheets in Danish locales write
        # ';', others ',' or a tab, and answer text (with commas of its own) would fool a sniffer.
        header = handle.readline()
        handle.seek(0)
        delimiter = max(",;\t", key=header.count)
        reader = csv.DictReader(handle, delimiter=delimiter)
        columns = [c.strip().lower() for c in reader.fieldnames or []]
        reader.fieldnames = columns
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise FileProblems(
                [
                    Problem(str(path), c, t("digest.error.csv_missing_column", "en", column=c), 1)
                    for c in missing
                ]
            )
        for row in reader:
            line = reader.line_num
            cells = {k: (v or "") for k, v in row.items() if k is not None}
            for column in REQUIRED:
                if not cells.get(column, "").strip():
                    problems.append(
                        Problem(
                            str(path),
                            column,
                            t("digest.error.csv_empty_value", "en", column=column),
                            line,
                        )
                    )
            answer_id = cells.get("id", "").strip()
            if answer_id in first_line:
                problems.append(
                    Problem(
                        str(path),
                        "id",
                        t(
                            "digest.error.csv_duplicate_id",
                            "en",
                            value=answer_id,
                            first=first_line[answer_id],
                        ),
                        line,
                    )
                )
            elif answer_id:
                first_line[answer_id] = line
            quotable = _flag(cells.get("quotable", ""), path, line, "quotable", problems)
            question = cells.get("question", "").strip() or "q1"
            answers.append(
                Answer(
                    id=answer_id,
                    municipality=cells.get("municipality", "").strip(),
                    texts={question: cells.get("text", "")},
                    quotable=quotable,
                )
            )
    if not answers and not problems:
        problems.append(Problem(str(path), "", t("digest.error.csv_no_rows", "en"), None))
    if problems:
        raise FileProblems(problems)
    return answers
