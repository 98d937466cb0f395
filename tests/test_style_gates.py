"""The style gates (ruff and mypy, configured in pyproject.toml) hold, and CI and pre-commit run them.

Each gate runs from the test interpreter's environment; a development install has both
(``pip install -e ".[test,lint]"``); without one the test skips and says which is missing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[lint]')")
    return found


def test_ruff_finds_nothing():
    done = subprocess.run([_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing():
    done = subprocess.run([_tool("mypy"), "--cache-dir", "/dev/null"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_ci_and_pre_commit_run_both_gates():
    ci = (ROOT / ".ci" / "run").read_text()
    assert ".venv/bin/ruff check ." in ci and ".venv/bin/mypy" in ci
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    entries = {hook["id"]: hook["entry"] for repo in hooks["repos"] for hook in repo["hooks"]}
    assert entries == {"ruff": "ruff check --force-exclude", "mypy": "mypy"}
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "[tool.ruff.lint]" in pyproject and "[tool.mypy]" in pyproject


def test_is_known_is_a_type_guard():
    from typing import TypeGuard, get_type_hints

    from pcxguard.model import is_known

    assert get_type_hints(is_known)["return"].__origin__ is TypeGuard
