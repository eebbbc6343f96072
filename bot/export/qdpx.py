"""QDPX: a REFI-QDA project (a zip with project.qde and one text file per answer) that NVivo,
ATLAS.ti and MAXQDA import, valid against QDA-XML 1.0's Project.xsd.

Per answered question: a TextSource whose plain text is in sources/<guid>.txt, created at the
time the answer was given, with variables (municipality, FLIP theme, round, date, quotable, …),
a description (the question, its prompt and the row's export id) and a note reference to the
prompt it answered, in the language the member was shown. Each pseudonym is a Case with its
municipality as a case variable. Codes are flipbot's digest themes (machine-suggested, under one
parent code) on the answers each groups, and "must not be quoted" on every answer the member
said may not be quoted (also a Set of those sources).

Positions count UTF-16 code units, as NVivo, ATLAS.ti and MAXQDA do (Windows/Qt strings), so a
coding ends where it should after an emoji; Python's len() counts code points. GUIDs are derived
from stable keys (uuid5), so exporting the same data twice gives the same project. The XML is
written with ElementTree (answer text never goes into it, only into the .txt files).
"""

from __future__ import annotations

import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from datetime import datetime

from bot.core.i18n import t
from bot.export.collect import Export, ExportRow
from bot.export.text import manifest_json

NS = "urn:QDA-XML:project:1.0"
_BASE = uuid.UUID("8d0c6a52-2f1e-4a53-9b0e-5f1c3a7e2b10")  # flipbot's namespace for uuid5 GUIDs
COLORS = ("#3b6ea5", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646")
NOT_QUOTABLE_COLOR = "#a00000"
SOURCE_VARIABLES = (
    ("municipality", "Text"),
    ("theme", "Text"),
    ("round", "Integer"),
    ("date", "Date"),
    ("quotable", "Boolean"),
    ("prompt_id", "Text"),
    ("prompt_language", "Text"),
    ("question_id", "Text"),
    ("answer_id", "Text"),
)


def guid(*parts: object) -> str:
    return str(uuid.uuid5(_BASE, "/".join(str(p) for p in parts)))


def utf16_length(text: str) -> int:
    """The text's length in UTF-16 code units, the unit QDA tools count positions in."""
    return len(text.encode("utf-16-le")) // 2


def _el(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{NS}}}{tag}", attrs)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = _el(parent, tag)
    element.text = text
    return element


def _stamp(moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(microsecond=0).isoformat()


def source_key(row: ExportRow) -> str:
    return guid("source", row.id)


def source_name(row: ExportRow) -> str:
    return f"R{row.round}-{row.pseudonym}-{row.question_id}"


def _value(parent: ET.Element, variable: str, tag: str, text: str) -> None:
    value = _el(parent, "VariableValue")
    _el(value, "VariableRef", targetGUID=guid("variable", variable))
    _text(value, tag, text)


def _note_key(row: ExportRow) -> str:
    return guid("prompt", row.prompt_id, row.prompt_language)


def _selection(source: ET.Element, key: str, row: ExportRow, what: str, code: str, user: str):
    selection = _el(
        source,
        "PlainTextSelection",
        guid=guid("selection", key, what),
        name=row.question_id,
        startPosition="0",
        endPosition=str(utf16_length(row.text)),
        creatingUser=user,
        creationDateTime=_stamp(row.answered_at),
    )
    coding = _el(selection, "Coding", guid=guid("coding", key, what), creatingUser=user)
    _el(coding, "CodeRef", targetGUID=code)


def _codebook(project: ET.Element, export: Export) -> dict[str, list[str]]:
    """Write the codes; return answer id -> the digest theme codes that group it."""
    lang = export.language
    codes = _el(_el(project, "CodeBook"), "Codes")
    code = _el(
        codes,
        "Code",
        guid=guid("code", "not-quotable"),
        name=t("export.not_quotable", lang),
        isCodable="true",
        color=NOT_QUOTABLE_COLOR,
    )
    _text(code, "Description", t("export.not_quotable_description", lang))
    grouped: dict[str, list[str]] = defaultdict(list)
    themes = [th for round_themes in export.suggested_themes.values() for th in round_themes]
    if not themes:
        return grouped
    parent = _el(
        codes,
        "Code",
        guid=guid("code", "suggested-themes"),
        name=t("export.qdpx.suggested_themes", lang),
        isCodable="false",
    )
    for number, theme in enumerate(themes):
        key = guid("code", "digest-theme", theme.round, theme.index, theme.label)
        child = _el(
            parent,
            "Code",
            guid=key,
            name=f"R{theme.round}: {theme.label}",
            isCodable="true",
            color=COLORS[number % len(COLORS)],
        )
        description = t("export.qdpx.suggested_description", lang, round=theme.round)
        if theme.terms:
            description += " (" + ", ".join(theme.terms) + ")"
        _text(child, "Description", description)
        for answer in theme.answer_ids:
            grouped[answer].append(key)
    return grouped


def project_xml(export: Export) -> bytes:
    """The project.qde document."""
    ET.register_namespace("", NS)
    lang = export.language
    user = guid("user", "flipbot")
    project = ET.Element(
        f"{{{NS}}}Project",
        {
            "name": "FLIP",
            "origin": "flipbot",
            "creatingUserGUID": user,
            "creationDateTime": _stamp(export.exported_at),
        },
    )
    _el(_el(project, "Users"), "User", guid=user, name="flipbot")
    theme_codes = _codebook(project, export)
    variables = _el(project, "Variables")
    for name, kind in SOURCE_VARIABLES:
        _el(variables, "Variable", guid=guid("variable", name), name=name, typeOfVariable=kind)
    rows = export.rows
    if rows:
        cases = _el(project, "Cases")
        by_case: dict[str, list[ExportRow]] = defaultdict(list)
        for row in rows:
            by_case[row.pseudonym].append(row)
        for name, own in by_case.items():
            case = _el(cases, "Case", guid=guid("case", name), name=name)
            # Hidden in one round, hidden for the case: the case must not undo a round's rule.
            places = {r.municipality for r in own}
            other = t("digest.other_municipalities", lang)
            _value(case, "municipality", "TextValue", places.pop() if len(places) == 1 else other)
            for row in own:
                _el(case, "SourceRef", targetGUID=source_key(row))
        sources = _el(project, "Sources")
        for row in rows:
            key = source_key(row)
            attrs = {
                "guid": key,
                "name": source_name(row),
                "plainTextPath": f"internal://{key}.txt",
                "creatingUser": user,
                "creationDateTime": _stamp(row.answered_at),
            }
            if row.edited_at:
                attrs |= {"modifyingUser": user, "modifiedDateTime": _stamp(row.edited_at)}
            source = _el(sources, "TextSource", **attrs)
            _text(source, "Description", f"{row.question} — {row.prompt_title} [{row.id}]")
            if not row.quotable:
                _selection(source, key, row, "not-quotable", guid("code", "not-quotable"), user)
            for code in theme_codes.get(row.answer_id, []):
                _selection(source, key, row, code, code, user)
            _el(source, "NoteRef", targetGUID=_note_key(row))
            _value(source, "municipality", "TextValue", row.municipality)
            _value(source, "theme", "TextValue", row.theme)
            _value(source, "round", "IntegerValue", str(row.round))
            _value(source, "date", "DateValue", row.answered_at[:10])
            _value(source, "quotable", "BooleanValue", "true" if row.quotable else "false")
            _value(source, "prompt_id", "TextValue", row.prompt_id)
            _value(source, "prompt_language", "TextValue", row.prompt_language)
            _value(source, "question_id", "TextValue", row.question_id)
            _value(source, "answer_id", "TextValue", row.answer_id)
        notes = _el(project, "Notes")
        prompts: dict[str, ExportRow] = {}
        for row in rows:
            prompts.setdefault(_note_key(row), row)
        for key, row in prompts.items():
            note = _el(
                notes,
                "Note",
                guid=key,
                name=t(
                    "export.qdpx.prompt_note",
                    lang,
                    prompt=row.prompt_id,
                    lang_code=row.prompt_language,
                ),
                creatingUser=user,
                creationDateTime=_stamp(export.exported_at),
            )
            _text(note, "PlainTextContent", f"{row.prompt_title}\n\n{row.prompt_body}")
        not_quotable = [row for row in rows if not row.quotable]
        if not_quotable:
            sets = _el(project, "Sets")
            group = _el(
                sets, "Set", guid=guid("set", "not-quotable"), name=t("export.not_quotable", lang)
            )
            _text(group, "Description", t("export.not_quotable_description", lang))
            for row in not_quotable:
                _el(group, "MemberSource", targetGUID=source_key(row))
        _text(project, "Description", manifest_json(export).decode())
        for key in prompts:
            _el(project, "NoteRef", targetGUID=key)
    else:
        _text(project, "Description", manifest_json(export).decode())
    return ET.tostring(project, encoding="utf-8", xml_declaration=True)


def to_qdpx(export: Export) -> bytes:
    """The whole .qdpx file: project.qde, sources/<guid>.txt for each answer, manifest.json."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project_xml(export))
        for row in export.rows:
            archive.writestr(f"sources/{source_key(row)}.txt", row.text.encode("utf-8"))
        archive.writestr("manifest.json", manifest_json(export))
    return buffer.getvalue()
