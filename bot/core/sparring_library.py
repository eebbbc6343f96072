"""A closed sparring case becomes an anonymised dilemma in the organisation's own prompt folder
(FLIPBOT_PROMPTS), in the library's format, so later rounds can use it. It takes two yeses: the
owner's (library_consent) and a facilitator's (to_library). No chat platform in here."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import yaml

from bot.core.access import require
from bot.core.answering import RoundError
from bot.core.i18n import t
from bot.core.models import CaseStatus, SparringCase
from bot.core.sparring import SparringService
from bot.core.yamlfile import FileProblems
from bot.prompts import load_library

LIBRARY_FILE = "fra-praksis.yaml"
PROMPT_ID = "praksis-{case_id}"
HEADER = "# Dilemmas from the network's own practice (kollegial sparring), anonymised.\n"


def library_consent(sparring: SparringService, case_id: int, owner_id: str) -> SparringCase:
    """The owner says yes to their closed case becoming a dilemma in the library."""
    case = sparring.get(case_id)
    if case.owner_id != owner_id:
        raise RoundError("sparring_not_yours")
    if case.status != CaseStatus.CLOSED:
        raise RoundError("sparring_not_closed")
    updated = sparring.cases.update_case(case_id, sparring.clock(), library_owner=True)
    sparring.store.audit(owner_id, "sparring_library_consent", str(case_id), at=sparring.clock())
    return updated


def _anonymised(sparring: SparringService, text: str) -> str:
    """The text without the network's people and municipalities (redaction ran before storing)."""
    language = sparring.network.language
    for member in sorted(sparring.network.members, key=lambda m: -len(m.name)):
        text = re.sub(re.escape(member.name), t("sparring.library.colleague", language), text)
    for municipality in sparring.network.municipalities:
        for name in {municipality.name, municipality.name.removesuffix(" Kommune")}:
            pattern = rf"\b{re.escape(name)}\b"
            text = re.sub(pattern, t("sparring.library.municipality", language), text)
    return text


def library_item(sparring: SparringService, case: SparringCase) -> dict:
    """The case as one item of a library file (kind dilemma; no owner, no municipality)."""
    return {
        "id": PROMPT_ID.format(case_id=case.id),
        "kind": "dilemma",
        "theme": case.theme,
        "title": _anonymised(sparring, case.title),
        "body": _anonymised(sparring, case.situation) + "\n",
        "questions": [
            {"id": f"q{number}", "label": _anonymised(sparring, question)}
            for number, question in enumerate(case.questions, 1)
        ],
        "tags": [t("sparring.library.tag", sparring.network.language)],
    }


def to_library(sparring: SparringService, case_id: int, by: str, folder: str | Path | None) -> str:
    """A facilitator turns a closed case the owner said yes to into a library dilemma; returns
    its prompt id. The file is written whole and checked as `flipbot prompts check` does; a
    file that would not pass is left as it was."""
    require(sparring.network, by, "review_case")
    case = sparring.get(case_id)
    if case.status != CaseStatus.CLOSED:
        raise RoundError("sparring_not_closed")
    if not case.library_owner:
        raise RoundError("sparring_library_consent")
    if not folder:
        raise RoundError("sparring_no_prompt_folder")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LIBRARY_FILE
    items = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else []
    item = library_item(sparring, case)
    items = [i for i in items or [] if i.get("id") != item["id"]] + [item]
    text = HEADER + yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=100)
    before = path.read_text(encoding="utf-8") if path.exists() else None
    _write(path, text)
    try:
        load_library(folder)
    except FileProblems:
        if before is None:
            path.unlink()
        else:
            _write(path, before)
        raise
    sparring.cases.update_case(
        case_id, sparring.clock(), library_facilitator=by, library_prompt_id=item["id"]
    )
    sparring.store.audit(by, "sparring_to_library", str(case_id), {"prompt": item["id"]})
    return item["id"]


def _write(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)
