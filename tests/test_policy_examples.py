"""Every policy's example_fail fails and its example_pass passes: each is run as Terraform.

The catalogue's examples are short; ``example_context`` holds the resources they refer to, and
``example_config`` the ``.pcxguard.yaml`` they run with (CKV2_PCX_15's intents). Each example is
written after its context into a Terraform root with the providers below and judged like any raw
.tf root (tfparse), so an example that names a table it does not define, or is not valid HCL,
fails here rather than on a reader of the rule page.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pcxguard.catalogue import catalogue
from pcxguard.config import load_config
from pcxguard.engine import analyse
from pcxguard.findings import Verdict
from pcxguard.loaders.cloudformation import load_cloudformation
from pcxguard.loaders.terraform_source import load_terraform_dir

ROOT = Path(__file__).resolve().parents[1]
PROVIDERS = """\
provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["111111111111"]
}
provider "aws" {
  alias               = "west"
  region              = "us-west-2"
  allowed_account_ids = ["111111111111"]
}
"""
POLICIES = [p for p in catalogue(str(ROOT / "policies")).values() if p.example_fail or p.example_pass]


def test_every_check_but_the_undecided_one_has_both_examples():
    ids = {p.id for p in catalogue(str(ROOT / "policies")).values()} - {"CKV2_PCX_0"}
    assert {p.id for p in POLICIES if p.example_fail and p.example_pass} == ids


def judge(tmp_path: Path, policy, example: str) -> tuple[dict[str, Verdict], set[str]]:
    (tmp_path / "providers.tf").write_text(PROVIDERS)
    (tmp_path / "main.tf").write_text(policy.example_context + "\n" + example + "\n")
    settings = None
    if policy.example_config:
        (tmp_path / ".pcxguard.yaml").write_text(policy.example_config + "\n")
        settings = load_config(tmp_path / ".pcxguard.yaml").settings
    verdicts: dict[str, Verdict] = {}
    modelled: set[str] = set()
    for estate in load_terraform_dir(tmp_path):
        assert estate.problems == [], [p.message for p in estate.problems]
        modelled |= {s.address for s in estate.all_sources()}
        for finding in analyse(estate, settings).findings:
            if finding.check_id == policy.id:
                assert finding.resource.address not in verdicts or verdicts[finding.resource.address] == finding.verdict
                verdicts[finding.resource.address] = finding.verdict
    declared = {f"{t}.{n}" for t, n in re.findall(r'^resource "(\w+)" "(\w+)"', example, re.M)}
    assert declared, "the example declares no resource"
    for address in declared:  # every resource the example shows was read (none lost to a typo)
        assert any(m == address or m.startswith(address + "[") for m in modelled), address
    return verdicts, declared


@pytest.mark.parametrize("policy", POLICIES, ids=[p.id for p in POLICIES])
def test_example_fail_fails(tmp_path, policy):
    verdicts, _ = judge(tmp_path, policy, policy.example_fail)
    assert Verdict.FAILED in verdicts.values(), verdicts


@pytest.mark.parametrize("policy", POLICIES, ids=[p.id for p in POLICIES])
def test_example_pass_passes(tmp_path, policy):
    verdicts, declared = judge(tmp_path, policy, policy.example_pass)
    assert set(verdicts.values()) <= {Verdict.PASSED}, verdicts  # never FAILED, never "cannot tell"
    # the check judges what the example shows (CKV2_PCX_4 judges no rule that names a CIDR: nothing to pass)
    if policy.id != "CKV2_PCX_4":
        assert verdicts, "the check said nothing about the example"


# --------------------------------------------------------------------------- CloudFormation examples

CFN_POLICIES = [p for p in catalogue(str(ROOT / "policies")).values() if p.example_fail_cloudformation]


def template(policy, example: str) -> str:
    resources = policy.example_context_cloudformation + "\n" + example
    return 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n' + "".join(
        ("  " + line if line.strip() else "") + "\n" for line in resources.split("\n"))


def judge_template(tmp_path: Path, policy, example: str) -> dict[str, Verdict]:
    path = tmp_path / "template.yaml"
    path.write_text(template(policy, example))
    estate = load_cloudformation([path])
    assert estate.problems == [], [p.message for p in estate.problems]
    return {f.resource.address: f.verdict for f in analyse(estate).findings if f.check_id == policy.id}


def test_cloudformation_examples_come_in_pairs():
    assert len(CFN_POLICIES) >= 7
    assert all(p.example_pass_cloudformation and p.cloudformation_types for p in CFN_POLICIES)


@pytest.mark.parametrize("policy", CFN_POLICIES, ids=[p.id for p in CFN_POLICIES])
def test_cloudformation_example_fail_fails_and_example_pass_passes(tmp_path, policy):
    failing = judge_template(tmp_path, policy, policy.example_fail_cloudformation)
    assert Verdict.FAILED in failing.values(), failing
    passing = judge_template(tmp_path, policy, policy.example_pass_cloudformation)
    assert passing and set(passing.values()) == {Verdict.PASSED}, passing


def test_cloudformation_examples_pass_cfn_lint(tmp_path):
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    if not cfn_lint.exists():
        pytest.skip("cfn-lint is not installed (pip install -e '.[test]')")
    files = []
    for policy in CFN_POLICIES:
        for kind, example in (("fail", policy.example_fail_cloudformation), ("pass", policy.example_pass_cloudformation)):
            files.append(tmp_path / f"{policy.id}_{kind}.yaml")
            files[-1].write_text(template(policy, example))
    done = subprocess.run([str(cfn_lint), *map(str, files)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
