"""QDPX: a REFI-QDA project (a zip with project.qde and one text file per answer) that NVivo,
ATLAS.ti and MAXQDA import.

Per answer: a TextSource whose plain text is in sources/<guid>.txt, with variables for
municipality, theme, round and date, and one PlainTextSelection over the whole text coded with
its FLIP theme. GUIDs are derived from stable keys (uuid5), so exporting the same data twice
gives the same project. The XML is written with ElementTree (answer text never goes into it).
"""

from __future__ import annotations

import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime

from bot.core.i18n import theme_name
from bot.core.themes import THEME_IDS
from bot.export.collect import Export, ExportRow

NS = "urn:QDA-XML:project:1.0"
_BASE = uuid.UUID("8d0c6a52-2f1e-4a53-9b0e-5f1c3a7e2b10")  # flipbot's namespace for uuid5 GUIDs
COLORS = ("#3b6ea5", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646")
VARIABLES = (("municipality", "Text"), ("theme", "Text"), ("round", "Integer"), ("date", "Date"))


def guid(*parts: object) -> str:
    return str(uuid.uuid5(_BASE, "/".join(str(p) for p in parts)))


def _el(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{NS}}}{tag}", attrs)


def _stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def source_name(row: ExportRow) -> str:
    return f"R{row.round}-{row.pseudonym}-{row.question_id}"


def project_xml(export: Export) -> bytes:
    """The project.qde document."""
    ET.register_namespace("", NS)
    lang = export.language
    user = guid("user", "flipbot")
    created = _stamp(export.exported_at)
    project = ET.Element(
        f"{{{NS}}}Project",
        {
            "name": "FLIP",
            "origin": "flipbot",
            "creatingUserGUID": user,
            "creationDateTime": created,
        },
    )
    users = _el(project, "Users")
    _el(users, "User", guid=user, name="flipbot")
    codebook = _el(project, "CodeBook")
    codes = _el(codebook, "Codes")
    for index, theme in enumerate(THEME_IDS):
        code = _el(
            codes,
            "Code",
            guid=guid("code", theme),
            name=theme_name(theme, lang),
            isCodable="true",
            color=COLORS[index % len(COLORS)],
        )
        ET.SubElement(code, f"{{{NS}}}Description").text = f"FLIP theme id: {theme}"
    variables = _el(project, "Variables")
    for name, kind in VARIABLES:
        _el(variables, "Variable", guid=guid("variable", name), name=name, typeOfVariable=kind)
    sources = _el(project, "Sources")
    for row in export.rows:
        key = guid("source", row.round, row.pseudonym, row.question_id)
        source = _el(
            sources,
            "TextSource",
            guid=key,
            name=source_name(row),
            plainTextPath=f"internal://{key}.txt",
            creatingUser=user,
            creationDateTime=created,
        )
        ET.SubElement(source, f"{{{NS}}}Description").text = row.question
        selection = _el(
            source,
            "PlainTextSelection",
            guid=guid("selection", key),
            name=row.question_id,
            startPosition="0",
            endPosition=str(len(row.text)),
            creatingUser=user,
            creationDateTime=created,
        )
        coding = _el(selection, "Coding", guid=guid("coding", key), creatingUser=user)
        _el(coding, "CodeRef", targetGUID=guid("code", row.theme))
        values = {
            "municipality": ("TextValue", row.municipality),
            "theme": ("TextValue", row.theme),
            "round": ("IntegerValue", str(row.round)),
            "date": ("DateValue", row.answered_at[:10]),
        }
        for name, _ in VARIABLES:
            value = _el(source, "VariableValue")
            _el(value, "VariableRef", targetGUID=guid("variable", name))
            tag, text = values[name]
            ET.SubElement(value, f"{{{NS}}}{tag}").text = text
    return ET.tostring(project, encoding="utf-8", xml_declaration=True)


def to_qdpx(export: Export) -> bytes:
    """The whole .qdpx file: project.qde plus sources/<guid>.txt for each answer."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project_xml(export))
        for row in export.rows:
            key = guid("source", row.round, row.pseudonym, row.question_id)
            archive.writestr(f"sources/{key}.txt", row.text.encode("utf-8"))
    return buffer.getvalue()
