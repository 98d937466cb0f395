from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # test helpers: estate_builder, checkov_run

ROOT = Path(__file__).resolve().parents[1]
CLI_PLAN = "fixtures/terraform/cli_report/plan.json"
PARTNER = "vpc-0a1b2c3d4e5f67890"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the checkout's top with no configuration from the environment."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("PCXGUARD_CONFIG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
