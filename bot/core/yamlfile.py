"""Reading the YAML files people write (network, prompts), with problems that name file, line and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file: where it is and what is wrong."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class FileProblems(Exception):
    """A file (or set of files) failed validation; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class YamlDoc:
    """Parsed YAML data with the line of each node, so errors can point into the file."""

    file: str
    data: Any
    lines: dict[Loc, int]

    def line_of(self, loc: Loc) -> int | None:
        """Line of the deepest node along loc that exists in the file."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get(())

    def problem(self, loc: Loc, message: str) -> Problem:
        return Problem(self.file, format_loc(loc), message, self.line_of(loc))


def format_loc(loc: Loc) -> str:
    """('members', 3, 'municipality') -> 'members[3].municipality'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_map(node: yaml.Node | None, loc: Loc, lines: dict[Loc, int]) -> None:
    if node is None:
        return
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines[loc + (key.value,)] = key.start_mark.line + 1
                _line_map(value, loc + (key.value,), lines)
                lines[loc + (key.value,)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, loc + (index,), lines)


def read_yaml(path: Path | str) -> YamlDoc:
    """Load a YAML file safely; a syntax error becomes a FileProblems naming its line."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileProblems([Problem(name, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise FileProblems([Problem(name, "", f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise FileProblems([Problem(name, "", f"cannot read: {exc.strerror}")]) from None
    try:
        data = yaml.safe_load(text)
        lines: dict[Loc, int] = {}
        _line_map(yaml.compose(text, Loader=yaml.SafeLoader), (), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or str(exc)
        raise FileProblems([Problem(name, "", f"YAML syntax error: {what}", line)]) from None
    except yaml.YAMLError as exc:
        raise FileProblems([Problem(name, "", f"YAML error: {exc}")]) from None
    return YamlDoc(name, data, lines)


def validation_problems(doc: YamlDoc, error: ValidationError, base: Loc = ()) -> list[Problem]:
    """Turn pydantic's errors into problems with file, line and field path."""
    problems = []
    for item in error.errors(include_url=False):
        loc = base + tuple(part for part in item["loc"] if not _is_union_tag(part))
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling)"
        elif item["type"] == "missing":
            message = "required key is missing"
        elif "input" in item and item["type"] != "model_type" and _short(item["input"]):
            message = f"{message} (got {item['input']!r})"
        problems.append(doc.problem(loc, message))
    return problems


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the union member's name to the location ("list[str]", "literal['all']").
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _short(value: Any) -> bool:
    return isinstance(value, str | int | float) and len(repr(value)) <= 80
