"""An estate is built, then frozen: indexed once from the finished sets, then only read."""

from __future__ import annotations

from pathlib import Path

import pytest

from estate_builder import EstateBuilder
from pcxguard.config import load_config
from pcxguard.inventory import merge_inventory
from pcxguard.loaders.cloudformation import load_cloudformation
from pcxguard.loaders.terraform_plan import load_plan
from pcxguard.loaders.terraform_source import load_terraform_dir

ROOT = Path(__file__).resolve().parents[1]


def test_every_loader_returns_a_frozen_estate():
    assert load_plan(ROOT / "fixtures" / "terraform" / "clean_pair" / "plan.json").frozen
    assert all(e.frozen for e in load_terraform_dir(ROOT / "fixtures" / "terraform_source"))
    assert load_cloudformation([ROOT / "fixtures" / "cloudformation" / "routes"]).frozen


def test_a_frozen_estate_refuses_reindex_and_a_thawed_copy_changes_alone():
    estate = load_plan(ROOT / "fixtures" / "terraform" / "clean_pair" / "plan.json")
    with pytest.raises(RuntimeError, match="frozen"):
        estate.reindex()
    copy = estate.thawed()
    assert not copy.frozen and copy.vpcs == estate.vpcs and copy.vpcs is not estate.vpcs
    copy.vpcs.pop(next(iter(copy.vpcs)))
    assert len(copy.vpcs) == len(estate.vpcs) - 1
    assert copy.freeze() is copy and copy.frozen


def test_the_inventory_adds_to_a_new_frozen_estate_and_leaves_the_loaded_one(tmp_path):
    (tmp_path / ".pcxguard.yaml").write_text(
        "inventory:\n  vpcs:\n    - id: vpc-0a1b2c3d4e5f60718\n      cidr_blocks: [10.9.0.0/16]\n"
        "      region: us-east-1\n      account: '222222222222'\n")
    loaded = load_plan(ROOT / "fixtures" / "terraform" / "clean_pair" / "plan.json")
    merged = merge_inventory(loaded, load_config(tmp_path / ".pcxguard.yaml"))
    assert merged is not loaded and merged.frozen
    assert "vpc-0a1b2c3d4e5f60718" in merged.vpcs and "vpc-0a1b2c3d4e5f60718" not in loaded.vpcs
    assert merged.vpc("vpc-0a1b2c3d4e5f60718") is merged.vpcs["vpc-0a1b2c3d4e5f60718"]  # indexed once, with the inventory


def test_an_estate_built_by_hand_indexes_itself_and_may_change():
    b = EstateBuilder()
    b.vpc("aws_vpc.a", "10.0.0.0/16", aws_id="vpc-0a")
    estate = b.done()
    assert not estate.frozen and estate.vpc("vpc-0a") is estate.vpcs["aws_vpc.a"]
    b.vpc("aws_vpc.b", "10.1.0.0/16", aws_id="vpc-0b")
    assert b.done().vpc("vpc-0b") is estate.vpcs["aws_vpc.b"]
