"""The installed environment: checkov and pcxguard's Terraform reading work side by side.

checkov 3.3.30 depends on bc-python-hcl2 (import name ``hcl2``); python-hcl2 8 installs the
same import package and, installed last, stops checkov from starting. pcxguard reads .tf with
tfparse and tree-sitter-hcl, beside checkov's hcl2. This test fails if either side is broken in
the environment the tests run in.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import hcl2

from pcxguard.loaders.terraform_source import load_root_module

ROOT = Path(__file__).resolve().parents[1]
CHECKOV = Path(sys.executable).with_name("checkov")


def test_hcl2_is_checkovs_fork():
    # the fork exports the line markers checkov imports and wraps values in lists
    from hcl2 import END_LINE, START_LINE  # noqa: F401  (ImportError with python-hcl2 8)

    parsed = hcl2.loads('resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    body = parsed["resource"][0]["aws_vpc"]["a"]
    assert body["cidr_block"] == ["10.0.0.0/16"]
    assert (body["__start_line__"], body["__end_line__"]) == (1, 3)


def test_checkov_starts_and_scans_terraform(tmp_path):
    version = subprocess.run([str(CHECKOV), "--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0, version.stderr[-1000:]
    installed = tuple(int(x) for x in version.stdout.strip().splitlines()[-1].split("."))
    lowest = re.search(r'"checkov>=([0-9.]+),<4"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert tuple(int(x) for x in lowest.split(".")) <= installed < (4,), (installed, lowest)
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n}\n'
                                      'resource "aws_vpc" "b" {\n  cidr_block = "10.0.0.0/16"\n}\n'
                                      'resource "aws_vpc_peering_connection" "ab" {\n'
                                      '  vpc_id      = aws_vpc.a.id\n  peer_vpc_id = aws_vpc.b.id\n}\n')
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    scan = subprocess.run([str(CHECKOV), "-d", str(tmp_path), "--framework", "terraform", "--skip-download",
                           "--external-checks-dir", str(ROOT / "checks"), "--check", "CKV2_PCX_1", "-o", "json"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert scan.returncode == 1, scan.stderr[-2000:]
    failed = json.loads(scan.stdout)["results"]["failed_checks"]
    assert [(r["check_id"], r["resource"], r["file_line_range"]) for r in failed] == [
        ("CKV2_PCX_1", "aws_vpc_peering_connection.ab", [7, 10])]


def test_pcxguard_parses_terraform_in_this_environment(tmp_path):
    (tmp_path / "main.tf").write_text('variable "c" {\n  default = "10.1.0.0/16"\n}\n'
                                      'resource "aws_vpc" "a" {\n  cidr_block = var.c\n}\n')
    estate = load_root_module(tmp_path)
    assert estate.problems == []
    assert str(estate.vpcs["aws_vpc.a"].blocks[0].network) == "10.1.0.0/16"
    assert estate.vpcs["aws_vpc.a"].source.start_line == 4
