"""One suppression model for both front doors: what checkov honours, ``pcxguard scan`` honours too.

- **Skip comments in Terraform**: ``#checkov:skip=CKV2_PCX_4:the reason`` (or ``//``, several ids
  separated by commas, ``bridgecrew:skip=``: checkov's own pattern) on a line inside the resource block (the finding's file and start..end
  lines). A plan finding whose source was found on ``.tf`` lines honours the comments there, as
  checkov does with ``--repo-root-for-plan-enrichment``.
- **CloudFormation Metadata**: ``Metadata: {checkov: {skip: [{id: CKV2_PCX_4, comment: why}]}}`` on
  the resource.
- **--check / --skip-check**: comma-separated ids, wildcards (``CKV2_PCX_1*``) and severities, read
  as checkov reads them: ``--check HIGH`` keeps checks at or above HIGH, ``--skip-check LOW`` drops
  checks at or below LOW. A check left out this way is not run (not reported at all), as in checkov.

A finding a skip comment or Metadata names is reported as SKIPPED with its reason in every format.
A "cannot tell" finding is skipped when its own check or CKV2_PCX_0 is skipped on the resource.
Files are read bounded (the first ``MAX_BYTES``) and only when a finding points into them.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pcxguard.engine import UNDECIDED_CHECK
from pcxguard.findings import Verdict

SEVERITIES = ("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL")
MAX_BYTES = 8 * 1024 * 1024
# checkov's own pattern (checkov/common/comment/enum.py): the id, then an optional ":reason"
_SKIP = re.compile(r"(?:checkov|bridgecrew|cortex):skip= *([A-Za-z_\d-]+(?:,[A-Za-z_\d-]+)*)?(?::([^\n]*))?")
NO_REASON = "no reason given"


@dataclass(frozen=True)
class Selection:
    """``--check`` / ``--skip-check`` as checkov reads them."""

    check: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()

    @staticmethod
    def parse(check: list[str] | None, skip: list[str] | None) -> Selection:
        def split(values: list[str] | None) -> tuple[str, ...]:
            return tuple(part.strip() for value in values or () for part in value.split(",") if part.strip())

        return Selection(split(check), split(skip))

    @staticmethod
    def _matches(pattern: str, check_id: str, severity: str, at_or_above: bool) -> bool:
        upper = pattern.upper()
        if upper in SEVERITIES:
            rank, threshold = SEVERITIES.index(severity.upper()), SEVERITIES.index(upper)
            return rank >= threshold if at_or_above else rank <= threshold
        return fnmatch.fnmatchcase(check_id.upper(), upper)

    def runs(self, check_id: str, severity: str) -> bool:
        if self.check and not any(self._matches(p, check_id, severity, True) for p in self.check):
            return False
        return not any(self._matches(p, check_id, severity, False) for p in self.skip)

    def __bool__(self) -> bool:
        return bool(self.check or self.skip)


def _stamp(path: str) -> tuple:
    try:
        stat = os.stat(path)
    except OSError:
        return (path, None, None)
    return (path, stat.st_size, stat.st_mtime_ns)


def _lines(path: str) -> tuple[str, ...]:
    return _read_lines(_stamp(path))


@lru_cache(maxsize=32)
def _read_lines(stamp: tuple) -> tuple[str, ...]:
    try:
        with open(stamp[0], "rb") as handle:
            data = handle.read(MAX_BYTES)
    except OSError:
        return ()
    return tuple(data.decode("utf-8", errors="replace").splitlines())


def _may_skip(path: str) -> bool:
    """Whether a file mentions a skip at all (most don't: then no line is looked at)."""
    return _mentions_skip(_stamp(path))


@lru_cache(maxsize=1024)
def _mentions_skip(stamp: tuple) -> bool:
    return any(":skip" in line or "checkov" in line for line in _read_lines(stamp))


def terraform_skips(file: str, start: int | None, end: int | None) -> dict[str, str]:
    """``{check id: reason}`` from the skip comments on lines start..end of a .tf file."""
    path = os.path.abspath(file)
    if not start or not _may_skip(path):
        return {}
    lines = _lines(path)
    found: dict[str, str] = {}
    for line in lines[start - 1:(end or start)]:
        for match in _SKIP.finditer(line):
            for check_id in (match.group(1) or "").split(","):
                if check_id:
                    found.setdefault(check_id, (match.group(2) or "").strip() or NO_REASON)
    return found


def _template_resources(path: str) -> dict[str, Any]:
    return _read_template_resources(_stamp(path))


@lru_cache(maxsize=32)
def _read_template_resources(stamp: tuple) -> dict[str, Any]:
    from pcxguard.loaders.cfn_yaml import TemplateError, load_template_text

    text = "\n".join(_read_lines(stamp))
    try:
        body = load_template_text(text)
    except (TemplateError, ValueError, RecursionError):
        return {}
    resources = body.get("Resources") if isinstance(body, dict) else None
    return resources if isinstance(resources, dict) else {}


def cloudformation_skips(file: str, logical_id: str) -> dict[str, str]:
    """``{check id: comment}`` from ``Metadata.checkov.skip`` of one template resource."""
    path = os.path.abspath(file)
    if not _may_skip(path):
        return {}
    resource = _template_resources(path).get(logical_id)
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    checkov = metadata.get("checkov") if isinstance(metadata, dict) else None
    skips = checkov.get("skip") if isinstance(checkov, dict) else None
    found: dict[str, str] = {}
    for entry in skips if isinstance(skips, list) else ():
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            comment = entry.get("comment")
            found.setdefault(entry["id"], str(comment).strip() if comment else NO_REASON)
    return found


_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def carries_skips(file: str | None, cloudformation: bool) -> bool:
    """Whether a resource of ``file`` can carry a skip at all: a ``.tf`` file (comments) or a template
    (``Metadata``); never a plan, which is not read again for them."""
    return file is not None and (file.endswith(".tf") or (cloudformation and file.endswith(_TEMPLATE_SUFFIXES)))


def skips_in(file: str, memo: dict[str, bool]) -> bool:
    """Whether ``file`` (a ``.tf`` file or a template: ``carries_skips``) mentions a skip at all
    (``memo``: one dict per scan, by the file's name)."""
    mentions = memo.get(file)
    if mentions is None:
        mentions = memo[file] = _may_skip(os.path.abspath(file))
    return mentions


def skips_for(source: Any, memo: dict[str, bool] | None = None) -> dict[str, str]:
    """The skips that apply to one finding's resource (its ``Source``). ``memo``: one dict per scan, so
    that whether a file mentions a skip at all is asked once per file, not once per finding (a stat
    each: 38,000 of them for a big plan with its source, benchmarks/RESULTS.md)."""
    file = source.file
    if not file or not carries_skips(file, source.resource_type.startswith("AWS::")):
        return {}
    if memo is not None and not skips_in(file, memo):
        return {}
    if file.endswith(".tf"):
        return terraform_skips(file, source.start_line, source.end_line)
    return cloudformation_skips(file, source.address)


def skip_reason(finding: Any, memo: dict[str, bool] | None = None) -> str | None:
    """Why a finding is skipped by a comment or Metadata on its resource, or None (``memo``: as
    ``skips_for``)."""
    skips = skips_for(finding.resource, memo)
    if not skips:
        return None
    wanted = [finding.check_id]
    if finding.verdict is Verdict.UNKNOWN:
        wanted.append(UNDECIDED_CHECK)
    for check_id in wanted:
        for pattern, reason in skips.items():
            if check_id == pattern:
                return reason
    return None


def clear() -> None:
    _read_lines.cache_clear()
    _mentions_skip.cache_clear()
    _read_template_resources.cache_clear()
