"""Configuration validation, pyproject lookup, and the inventory turning 'cannot tell' into verdicts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CLI_PLAN, PARTNER, ROOT
from pcxguard.config import ConfigError, config_for, find_config, load_config, settings_for
from pcxguard.engine import analyse
from pcxguard.findings import Verdict
from pcxguard.inventory import merge_inventory
from pcxguard.loaders.terraform_plan import load_plan
from pcxguard.scan import run_scan

APP_PARTNER = "aws_vpc_peering_connection.app_partner"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def partner_inventory(tmp_path: Path, block: str, extra: str = "") -> Path:
    return write(tmp_path / ".pcxguard.yaml", f"""\
inventory:
  vpcs:
    - id: {PARTNER}
      cidr_blocks: [{block}]
      region: us-east-1
      account: "111122223333"
{extra}""")


def verdict_of(analysis, check_id: str, address: str) -> Verdict:
    [finding] = [f for f in analysis.findings if f.check_id == check_id and f.resource.address == address]
    return finding


def test_without_inventory_the_partner_peering_cannot_be_told():
    finding = verdict_of(analyse(load_plan(CLI_PLAN)), "CKV2_PCX_1", APP_PARTNER)
    assert finding.verdict is Verdict.UNKNOWN


def test_inventory_with_an_overlapping_block_fails(tmp_path):
    config = load_config(partner_inventory(tmp_path, "10.0.64.0/18"))
    finding = verdict_of(analyse(merge_inventory(load_plan(CLI_PLAN), config)), "CKV2_PCX_1", APP_PARTNER)
    assert finding.verdict is Verdict.FAILED
    assert f"10.0.64.0/18 (primary block, declared by {PARTNER})" in finding.message
    partner = next(s for s in finding.related if s.address == PARTNER)
    assert (partner.kind, partner.file, partner.start_line) == ("inventory", os.path.relpath(tmp_path / ".pcxguard.yaml"), 3)


def test_inventory_with_a_separate_block_passes(tmp_path):
    config = load_config(partner_inventory(tmp_path, "192.168.0.0/16"))
    finding = verdict_of(analyse(merge_inventory(load_plan(CLI_PLAN), config)), "CKV2_PCX_1", APP_PARTNER)
    assert finding.verdict is Verdict.PASSED


def test_inventory_routes_decide_the_reverse_route(tmp_path):
    """A route to the partner over app_partner: without the partner's tables, cannot tell; with a route back, passed."""
    plan = load_plan(CLI_PLAN)
    from pcxguard.model import Route

    table = plan.route_tables["aws_route_table.app"]
    table.routes.append(Route("test/route-to-partner", table.source, table.key, __import__("netaddr").IPNetwork("192.168.0.0/16"),
                              target_kind="vpc_peering_connection", target=APP_PARTNER))
    config = load_config(partner_inventory(tmp_path, "192.168.0.0/16"))
    estate = merge_inventory(plan, config)
    finding = next(f for f in analyse(estate).findings if f.subject == "test/route-to-partner")
    assert finding.verdict is Verdict.UNKNOWN and finding.missing == (
        f"some routes of main route table of {PARTNER} are not known at plan time",)

    plan = load_plan(CLI_PLAN)
    plan.route_tables["aws_route_table.app"].routes.append(table.routes[-1])
    tables = f"""\
      route_tables:
        - id: rtb-0123456789abcdef0
          main: true
          routes:
            - {{destination: 10.0.0.0/16, target: {APP_PARTNER}}}
"""
    config = load_config(partner_inventory(tmp_path, "192.168.0.0/16", tables))
    finding = next(f for f in analyse(merge_inventory(plan, config)).findings if f.subject == "test/route-to-partner")
    assert finding.verdict is Verdict.PASSED, finding.message

    plan = load_plan(CLI_PLAN)
    plan.route_tables["aws_route_table.app"].routes.append(table.routes[-1])
    config = load_config(partner_inventory(tmp_path, "192.168.0.0/16", tables.replace("10.0.0.0/16", "10.0.0.0/24")))
    finding = next(f for f in analyse(merge_inventory(plan, config)).findings if f.subject == "test/route-to-partner")
    assert finding.verdict is Verdict.FAILED and "rtb-0123456789abcdef0 lacks" in finding.message


def test_the_command_finds_the_config_beside_the_input(tmp_path, capsys):
    (tmp_path / "plan.json").write_text((ROOT / CLI_PLAN).read_text())
    partner_inventory(tmp_path, "10.0.64.0/18")
    report, missing = run_scan([str(tmp_path / "plan.json")])
    assert missing == []
    assert [r.finding.resource.address for r in report.failed if r.finding.check_id == "CKV2_PCX_1"] == [
        APP_PARTNER, "aws_vpc_peering_connection.app_west"]


def test_checkov_adapter_merges_the_inventory(tmp_path):
    (tmp_path / "plan.json").write_text((ROOT / CLI_PLAN).read_text())
    partner_inventory(tmp_path, "10.0.64.0/18")
    checkov = Path(sys.executable).parent / "checkov"
    result = subprocess.run(
        [str(checkov), "-f", "plan.json", "--external-checks-dir", str(ROOT / "checks"), "--skip-download",
         "--check", "CKV2_PCX_1", "-o", "json"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=300,
    )
    import json

    report = json.loads(result.stdout)
    failed = sorted(r["resource"] for r in report["results"]["failed_checks"])
    assert failed == [APP_PARTNER, "aws_vpc_peering_connection.app_west"]


def test_error_points_to_the_bad_key(tmp_path):
    bad = write(tmp_path / ".pcxguard.yaml", "inter_region_mtu: 9001\ninventory:\n  vpcs:\n    - id: vpc-0abc\n      cidr_blocks: [10.0.0.0/33x]\n")
    with pytest.raises(ConfigError) as error:
        load_config(bad)
    assert "inventory.vpcs[0].cidr_blocks[0]: '10.0.0.0/33x' does not match" in str(error.value)
    assert "(line 5)" in str(error.value)
    unknown_key = write(tmp_path / "u.yaml", "inter_region_mtus: 1500\n")
    with pytest.raises(ConfigError, match=r"u.yaml: \(top level\): unknown key: Additional properties are not allowed \('inter_region_mtus'"):
        load_config(unknown_key)
    with pytest.raises(ConfigError, match=r"active_peerings_per_vpc: 126 is greater than the maximum of 125"):
        load_config(write(tmp_path / "q.yaml", "active_peerings_per_vpc: 126\n"))
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path / "y.yaml", "checks: [\n"))


def test_pyproject_tool_table(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.pcxguard]\ninter_region_mtu = 1500\n\n'
                                       '[tool.pcxguard.checks.CKV2_PCX_3]\nseverity = "HIGH"\n')
    (tmp_path / "infra").mkdir()
    assert find_config(tmp_path / "infra") == tmp_path / "pyproject.toml"
    settings = settings_for(tmp_path / "infra")
    assert settings.inter_region_mtu == 1500 and settings.severity_for("CKV2_PCX_3", "MEDIUM") == "HIGH"
    write(tmp_path / "infra" / ".pcxguard.yaml", "inter_region_mtu: 8000\n")
    assert config_for(tmp_path / "infra").settings.inter_region_mtu == 8000
    write(tmp_path / "pyproject.toml", "[tool.pcxguard]\nchecks = {CKV2_PCX_3 = {severity = \"HUGE\"}}\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: checks.CKV2_PCX_3.severity: 'HUGE' is not one of"):
        config_for(tmp_path)


def test_config_digest_changes_with_content(tmp_path):
    path = partner_inventory(tmp_path, "10.0.64.0/18")
    first = load_config(path).digest
    partner_inventory(tmp_path, "10.0.64.0/19")
    os.utime(path, ns=(1, 1))  # a different stamp even within one clock tick
    assert load_config(path).digest != first


def test_readme_example_configuration_is_valid():
    import yaml

    from pcxguard.config import validate

    text = (ROOT / "README.md").read_text()
    block = text.split("### Configuration and the inventory of known VPCs")[1].split("```yaml\n")[1].split("```")[0]
    raw = yaml.safe_load(block)
    validate(raw, "README.md")
    assert raw["inventory"]["vpcs"][0]["id"] == PARTNER
