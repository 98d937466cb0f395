"""While the Terraform source reader moves to tfparse: on every ``.tf`` fixture root, the new
reader decides at least everything the old one decided, with the same verdicts.

Deleted with the old reader once it passes (see the report of issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pcxguard.engine import analyse
from pcxguard.findings import Verdict

old_reader = pytest.importorskip("pcxguard.loaders.terraform_source")
if not hasattr(old_reader, "SourceReader"):
    pytest.skip("the old reader is gone", allow_module_level=True)

from pcxguard.loaders.terraform_tfparse import load_root_module_tfparse  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ROOTS = [str(Path(r).relative_to(FIXTURES)) for r in old_reader.find_root_modules(FIXTURES)]


@pytest.mark.parametrize("root", ROOTS)
def test_new_reader_decides_what_the_old_one_decided(root):
    old = analyse(old_reader.load_root_module(FIXTURES / root))
    new = analyse(load_root_module_tfparse(str(FIXTURES / root)))
    keys = {(f.check_id, f.resource.address) for f in old.findings + new.findings}
    decided_old = [k for k in keys if old.verdict(*k) is not Verdict.UNKNOWN]
    differences = [(c, a, old.verdict(c, a).value, new.verdict(c, a).value) for c, a in sorted(decided_old)
                   if new.verdict(c, a) is not old.verdict(c, a)]
    assert differences == []
