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
from pcxguard.inventory import merge_inventory
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
# The checks without CloudFormation examples, and why.
NO_CLOUDFORMATION_EXAMPLE = {
    "CKV2_PCX_0": "checkov's \"cannot tell\": no rule, nothing a template could fail or pass",
    "CKV2_PCX_13": "AWS::EC2::VPCPeeringConnection has no property that asks for remote DNS resolution (CloudFormation "
                   "cannot set peering connection options), so no template fails or passes it: it judges only what asks",
    "CKV2_PCX_15": "it judges the intents of .pcxguard.yaml, not a template's resources "
                   "(tests/test_pcx15_network_intent.py runs intents over scans)",
}
RESOURCE = re.compile(r"^(\w+):[^\n]*\n\s+Type: (\S+)", re.M)


def template(policy, example: str) -> str:
    resources = policy.example_context_cloudformation + "\n" + example
    return 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n' + "".join(
        ("  " + line if line.strip() else "") + "\n" for line in resources.split("\n"))


def judge_template(tmp_path: Path, policy, example: str) -> tuple[dict[str, Verdict], str]:
    """The check's verdict per resource of the template, and the resource the example is about: the first
    it declares of a type the check judges, else the first such in the context (a VPC judged by the routes
    the example shows). Every resource the example declares must have been read."""
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "template.yaml"
    path.write_text(template(policy, example))
    config = None
    if policy.example_config_cloudformation:
        (tmp_path / ".pcxguard.yaml").write_text(policy.example_config_cloudformation + "\n")
        config = load_config(tmp_path / ".pcxguard.yaml")
    estate = load_cloudformation([path])
    assert estate.problems == [], [p.message for p in estate.problems]
    if config is not None:
        estate = merge_inventory(estate, config)
    verdicts: dict[str, Verdict] = {}
    for finding in analyse(estate, config.settings if config else None).findings:
        if finding.check_id == policy.id:
            assert finding.resource.address not in verdicts or verdicts[finding.resource.address] == finding.verdict
            verdicts[finding.resource.address] = finding.verdict
    declared = RESOURCE.findall(example)
    modelled = {s.address for s in estate.all_sources()}
    modelled |= {b.declared_by.address for vpc in estate.vpcs.values() for b in vpc.blocks}  # AWS::EC2::VPCCidrBlock
    assert declared and all(logical in modelled for logical, _ in declared), (declared, modelled)
    named = [logical for logical, kind in declared + RESOURCE.findall(policy.example_context_cloudformation)
             if kind in policy.cloudformation_types]
    assert named, f"the example declares no {' or '.join(policy.cloudformation_types)}"
    return verdicts, named[0]


def test_cloudformation_examples_come_in_pairs():
    assert len(CFN_POLICIES) >= 7
    assert all(p.example_pass_cloudformation and p.cloudformation_types for p in CFN_POLICIES)


def test_every_check_but_a_few_named_ones_has_cloudformation_examples():
    ids = set(catalogue(str(ROOT / "policies")))
    assert {p.id for p in CFN_POLICIES} == ids - set(NO_CLOUDFORMATION_EXAMPLE)


@pytest.mark.parametrize("policy", CFN_POLICIES, ids=[p.id for p in CFN_POLICIES])
def test_cloudformation_example_fail_fails_and_example_pass_passes(tmp_path, policy):
    failing, named = judge_template(tmp_path / "fail", policy, policy.example_fail_cloudformation)
    assert failing.get(named) is Verdict.FAILED, (named, failing)
    passing, named = judge_template(tmp_path / "pass", policy, policy.example_pass_cloudformation)
    assert set(passing.values()) <= {Verdict.PASSED}, passing  # never FAILED, never "cannot tell"
    if policy.id == "CKV2_PCX_4":  # it judges no rule that names a CIDR (the fix): nothing to pass
        assert named not in passing, passing
    else:
        assert passing.get(named) is Verdict.PASSED, (named, passing)


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


@pytest.mark.parametrize("policy", CFN_POLICIES, ids=[p.id for p in CFN_POLICIES])
def test_a_fix_on_a_template_is_written_for_cloudformation(tmp_path, policy):
    # fix texts are rendered per format: a CloudFormation finding names no Terraform resource type or argument
    # (CKV2_PCX_11's fix once said "an aws_vpc_peering_connection" on a template)
    path = tmp_path / "template.yaml"
    path.write_text(template(policy, policy.example_fail_cloudformation))
    settings = None
    estate = load_cloudformation([path])
    if policy.example_config_cloudformation:
        (tmp_path / ".pcxguard.yaml").write_text(policy.example_config_cloudformation + "\n")
        config = load_config(tmp_path / ".pcxguard.yaml")
        estate, settings = merge_inventory(load_cloudformation([path]), config), config.settings
    fixes = [f.fix for f in analyse(estate, settings).findings if f.verdict is Verdict.FAILED and f.fix]
    assert fixes, "the fail example gives no fix"
    for fix in fixes:
        assert not re.search(r"\baws_[a-z0-9_]+", fix), fix
