"""The committed rule pages are exactly what the catalogue generates."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT
from pcxguard.catalogue import catalogue


def test_rule_pages_are_current():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_rule_docs.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_guideline_points_at_a_page():
    for entry in catalogue().values():
        page = ROOT / "docs" / "rules" / f"{entry.id}.md"
        assert entry.guideline.endswith(f"/docs/rules/{entry.id}.md") and page.is_file()
        text = page.read_text()
        for heading in ("## What it does", "## Why it matters", "## How to fix it", "## Settings"):
            assert heading in text, (entry.id, heading)


def test_check_mode_detects_a_stale_page(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_rule_docs
    finally:
        sys.path.pop(0)
    monkeypatch.setattr(gen_rule_docs, "DOCS", tmp_path)
    assert gen_rule_docs.main([]) == 0
    assert gen_rule_docs.main(["--check"]) == 0
    (tmp_path / "CKV2_PCX_1.md").write_text("edited by hand\n")
    (tmp_path / "CKV2_PCX_99.md").write_text("orphan\n")
    problems = gen_rule_docs.stale()
    assert any(p.endswith("CKV2_PCX_1.md is stale") for p in problems)
    assert any(p.endswith("CKV2_PCX_99.md has no policy") for p in problems)
    assert gen_rule_docs.main(["--check"]) == 1
