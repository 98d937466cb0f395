"""Baselines: accept today's failures, report only new ones.

A baseline file lists the fingerprints of FAILED findings (check id, resource
address and a hash of file, resource type and subject: never line numbers or
message text, so editing unrelated code or rewording a message keeps it valid).
Files are named relative to the repository root (``--base-dir``, else the git
top level: ``pcxguard.paths.stable_name``), so a baseline made in one directory
matches the same findings scanned from another. Applying a baseline says how
many of its entries matched.

Format 2 (this one) names files that way; format 1 named them as given on the
command line (relative to the current directory). A format-1 baseline is still
read; its entries match only scans run the way it was made, so pcxguard says
when none match and how to re-create it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pcxguard import __version__
from pcxguard.paths import stable_name
from pcxguard.scan import Report

FORMAT = 2
READABLE_FORMATS = (1, 2)


class BaselineError(ValueError):
    pass


@dataclass(frozen=True)
class Baseline:
    path: str
    format: int
    fingerprints: frozenset[str]

    def __len__(self) -> int:
        return len(self.fingerprints)

    def __iter__(self):  # a set of fingerprints, as before
        return iter(self.fingerprints)

    def __contains__(self, item: object) -> bool:
        return item in self.fingerprints


def baseline_data(report: Report) -> dict[str, Any]:
    entries = sorted({(r.fingerprint, r.finding.check_id, r.finding.resource.address,
                       stable_name(r.finding.resource.file, report.base_dir)) for r in report.failed})
    return {"pcxguard_baseline": FORMAT, "created_by": f"pcxguard {__version__}",
            "failures": [{"fingerprint": fp, "check_id": c, "address": a, "file": f} for fp, c, a, f in entries]}


def write_baseline(report: Report, path: str) -> int:
    data = baseline_data(report)
    Path(path).write_text(json.dumps(data, indent=2) + "\n")
    return len(data["failures"])


def read_baseline(path: str) -> Baseline:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error}") from error
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path}: the baseline is not valid JSON: {error.msg} (line {error.lineno})") from error
    if (not isinstance(data, dict) or data.get("pcxguard_baseline") not in READABLE_FORMATS
            or not isinstance(data.get("failures"), list)):
        raise BaselineError(f"{path}: not a pcxguard baseline (expected pcxguard_baseline: {FORMAT} and a failures list)")
    try:
        fingerprints = frozenset(str(entry["fingerprint"]) for entry in data["failures"])
    except (TypeError, KeyError) as error:
        raise BaselineError(f"{path}: a baseline entry has no fingerprint") from error
    return Baseline(path, int(data["pcxguard_baseline"]), fingerprints)


def apply_baseline(report: Report, fingerprints: Baseline | set[str] | frozenset[str]) -> int:
    """Drop the failures the baseline knows; count them in ``report.suppressed``. Returns how many of
    the baseline's entries matched a failure of this scan (also in ``report.baseline_matched``)."""
    known = fingerprints.fingerprints if isinstance(fingerprints, Baseline) else frozenset(fingerprints)
    kept = []
    matched: set[str] = set()
    for item in report.findings:
        if item.finding.verdict.value == "FAILED" and item.fingerprint in known:
            report.suppressed += 1
            matched.add(item.fingerprint)
        else:
            kept.append(item)
    report.findings = kept
    report.baseline_entries = len(known)
    report.baseline_matched = len(matched)
    return len(matched)


def describe(report: Report, baseline: Baseline) -> str:
    """One line for stderr: how many entries matched, and what an unmatched baseline probably means."""
    text = (f"baseline {baseline.path}: {report.baseline_matched} of {report.baseline_entries} entr"
            f"{'y' if report.baseline_entries == 1 else 'ies'} matched; "
            f"{report.suppressed} known failure(s) suppressed")
    if report.baseline_entries and not report.baseline_matched:
        if baseline.format < FORMAT:
            text += (f" (a format-{baseline.format} baseline names files relative to the directory it was made in; "
                     "re-create it with --create-baseline)")
        else:
            text += " (none of its failures occur any more, or it was made for other inputs)"
    return text
