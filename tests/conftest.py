from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI_PLAN = "tests/data/cli_plan/plan.json"
PARTNER = "vpc-0a1b2c3d4e5f67890"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the checkout's top with no configuration from the environment."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("PCXGUARD_CONFIG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
