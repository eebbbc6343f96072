"""Importing the digest package costs nothing a caller does not use: scikit-learn is not used
at all, and NumPy, SciPy and simplemma are imported only when a digest is built."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "scipy", "simplemma", "numpy")


def imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {name.split(".")[0] for name in out.stdout.split()}


@pytest.mark.parametrize(
    "module",
    ["bot.digest", "bot.digest.model", "bot.digest.render", "bot.digest.llm"],
)
def test_the_digest_model_renderers_and_llm_client_import_nothing_heavy(module):
    assert imported_after(f"import {module}") & set(HEAVY) == set()


@pytest.mark.parametrize("module", ["bot.digest.service", "bot.digest.edit", "bot.core.services"])
def test_the_review_service_imports_no_engine(module):
    # The store's sqlite-utils imports NumPy when it is installed: not the digest's doing.
    assert imported_after(f"import {module}") & {"sklearn", "scipy", "simplemma"} == set()


def test_building_needs_numpy_and_scipy_but_never_scikit_learn():
    found = imported_after(
        "from datetime import UTC, datetime; from bot.digest.extractive import build_digest; "
        "from bot.digest.model import Answer; "
        "build_digest([Answer(id=str(i), municipality='x', texts={'q1': 'Planen er borgerens "
        "egen, og tilliden skal bygges.'}) for i in range(5)], title='t', "
        "created_at=datetime.now(UTC))"
    )
    assert {"numpy", "scipy", "simplemma"} <= found and "sklearn" not in found
