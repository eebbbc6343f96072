"""The prompt and dilemma-case library: YAML files (one per theme), loaded and validated together."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from bot.core.models import Prompt
from bot.core.themes import THEME_IDS
from bot.core.yamlfile import FileProblems, Problem, read_yaml, validation_problems

BUILTIN_DIR = Path(__file__).parent


class Library:
    """All prompts by id, in file order; themes keep the order their items are written in."""

    def __init__(self, prompts: Iterable[Prompt]):
        self._prompts: dict[str, Prompt] = {}
        for prompt in prompts:
            self._prompts[prompt.id] = prompt

    def __len__(self) -> int:
        return len(self._prompts)

    def __contains__(self, prompt_id: object) -> bool:
        return prompt_id in self._prompts

    def get(self, prompt_id: str) -> Prompt | None:
        return self._prompts.get(prompt_id)

    def all(self) -> list[Prompt]:
        return list(self._prompts.values())

    def by_theme(self, theme: str) -> list[Prompt]:
        return [p for p in self._prompts.values() if p.theme == theme]


def _load_file(path: Path) -> tuple[list[Prompt], list[Problem], dict[str, tuple[int | None, str]]]:
    doc = read_yaml(path)
    if not isinstance(doc.data, list):
        return [], [doc.problem((), "a prompt file must be a list of items")], {}
    prompts: list[Prompt] = []
    problems: list[Problem] = []
    places: dict[str, tuple[int | None, str]] = {}
    for index, raw in enumerate(doc.data):
        if not isinstance(raw, dict):
            problems.append(
                doc.problem((index,), "each item must be a mapping with id, kind, theme, …")
            )
            continue
        try:
            prompt = Prompt.model_validate(raw)
        except ValidationError as exc:
            problems.extend(validation_problems(doc, exc, base=(index,)))
            continue
        if path.stem in THEME_IDS and prompt.theme != path.stem:
            problems.append(
                doc.problem(
                    (index, "theme"), f"theme {prompt.theme!r} in the file for {path.stem!r}"
                )
            )
        if prompt.id in places:
            line, _ = places[prompt.id]
            problems.append(
                doc.problem(
                    (index, "id"), f"duplicate prompt id {prompt.id!r} (also on line {line})"
                )
            )
            continue
        places[prompt.id] = (doc.line_of((index, "id")), doc.file)
        prompts.append(prompt)
    return prompts, problems, places


def prompt_files(directory: Path | str) -> list[Path]:
    directory = Path(directory)
    if not directory.is_dir():
        raise FileProblems([Problem(str(directory), "", "not a directory of prompt files")])
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))


def load_library(*directories: Path | str | None, builtin: bool = True) -> Library:
    """Load the built-in library and any extra directories; raise FileProblems listing every problem,
    including an id used twice across directories."""
    paths: list[Path] = prompt_files(BUILTIN_DIR) if builtin else []
    for directory in directories:
        if directory:
            paths.extend(prompt_files(directory))
    prompts: list[Prompt] = []
    problems: list[Problem] = []
    seen: dict[str, tuple[int | None, str]] = {}
    for path in paths:
        try:
            loaded, file_problems, places = _load_file(path)
        except FileProblems as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(file_problems)
        for prompt in loaded:
            if prompt.id in seen:
                line, other = seen[prompt.id]
                here_line, _ = places[prompt.id]
                problems.append(
                    Problem(
                        str(path),
                        "id",
                        f"prompt id {prompt.id!r} is already used in {other}:{line}",
                        here_line,
                    )
                )
                continue
            seen[prompt.id] = places[prompt.id]
            prompts.append(prompt)
    if problems:
        raise FileProblems(problems)
    return Library(prompts)
