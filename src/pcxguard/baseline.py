"""Baselines: accept today's failures, report only new ones.

A baseline file lists the fingerprints of FAILED findings (check id, resource
address and a hash of file, resource type and subject: never line numbers or
message text, so editing unrelated code or rewording a message keeps it valid).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pcxguard import __version__
from pcxguard.scan import Report

FORMAT = 1


class BaselineError(ValueError):
    pass


def baseline_data(report: Report) -> dict[str, Any]:
    entries = sorted({(r.fingerprint, r.finding.check_id, r.finding.resource.address, r.finding.resource.file or "")
                      for r in report.failed})
    return {"pcxguard_baseline": FORMAT, "created_by": f"pcxguard {__version__}",
            "failures": [{"fingerprint": fp, "check_id": c, "address": a, "file": f} for fp, c, a, f in entries]}


def write_baseline(report: Report, path: str) -> int:
    data = baseline_data(report)
    Path(path).write_text(json.dumps(data, indent=2) + "\n")
    return len(data["failures"])


def read_baseline(path: str) -> set[str]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error}") from error
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path}: the baseline is not valid JSON: {error.msg} (line {error.lineno})") from error
    if not isinstance(data, dict) or data.get("pcxguard_baseline") != FORMAT or not isinstance(data.get("failures"), list):
        raise BaselineError(f"{path}: not a pcxguard baseline (expected pcxguard_baseline: {FORMAT} and a failures list)")
    try:
        return {str(entry["fingerprint"]) for entry in data["failures"]}
    except (TypeError, KeyError) as error:
        raise BaselineError(f"{path}: a baseline entry has no fingerprint") from error


def apply_baseline(report: Report, fingerprints: set[str]) -> None:
    """Drop the failures the baseline knows; count them in ``report.suppressed``."""
    kept = []
    for item in report.findings:
        if item.finding.verdict.value == "FAILED" and item.fingerprint in fingerprints:
            report.suppressed += 1
        else:
            kept.append(item)
    report.findings = kept
