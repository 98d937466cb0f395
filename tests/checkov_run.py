"""Run checkov as a subprocess with pcxguard's checks, the way users do, and index its JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKOV = str(Path(sys.executable).with_name("checkov"))


@dataclass
class CheckovRun:
    returncode: int
    reports: list[dict]
    stderr: str
    stdout: str = ""
    records: dict[tuple[str, str, str], dict] = field(default_factory=dict)

    def verdict(self, file_part: str, check_id: str, resource: str) -> str | None:
        record = self.record(file_part, check_id, resource)
        return record["check_result"]["result"] if record else None

    def record(self, file_part: str, check_id: str, resource: str) -> dict | None:
        for (path, cid, res), record in self.records.items():
            if cid == check_id and res == resource and file_part in path:
                return record
        return None


def run_checkov(*args: str, cwd: Path = ROOT, env: dict | None = None, json_output: bool = True) -> CheckovRun:
    """``json_output=False``: the caller chooses the outputs (``-o cli``, files under
    ``--output-file-path``); ``reports`` and ``records`` then stay empty."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + environment.get("PYTHONPATH", "")
    environment.pop("PCXGUARD_CONFIG", None)
    environment.update(env or {})
    command = [CHECKOV, *args, "--external-checks-dir", str(ROOT / "checks"), "--skip-download"]
    command += ["-o", "json"] if json_output else []
    done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=600)
    text = done.stdout.strip()
    reports: list[dict] = []
    if json_output and text.startswith(("{", "[")):
        parsed, _ = json.JSONDecoder().raw_decode(text)  # other outputs (-o junitxml ...) may follow
        reports = parsed if isinstance(parsed, list) else [parsed]
    run = CheckovRun(done.returncode, reports, done.stderr, done.stdout)
    for report in reports:
        results = report.get("results") or {}
        for bucket in ("passed_checks", "failed_checks", "skipped_checks"):
            for record in results.get(bucket, []):
                run.records[(record["file_path"], record["check_id"], record["resource"])] = record
    return run


def pcx_checks(*numbers: int) -> str:
    return ",".join(f"CKV2_PCX_{n}" for n in numbers)
