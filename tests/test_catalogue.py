"""The catalogue is the single source of rule metadata: every check, rule and doc agrees with it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from pcxguard.catalogue import CatalogueError, catalogue, load_policy
from pcxguard.engine import UNDECIDED_CHECK
from pcxguard.resources import data_dir, schema_path
from pcxguard.rules import RULES

ROOT = Path(__file__).resolve().parents[1]


def test_every_policy_validates_against_the_schema():
    schema = json.loads(schema_path("policy.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in sorted(data_dir("policies").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_every_rule_has_a_policy_and_a_check_file_and_nothing_is_orphaned():
    ids = set(catalogue())
    assert set(RULES) | {UNDECIDED_CHECK} == ids
    check_files = {p.stem for p in (ROOT / "checks").glob("pcxguard_*.py")}
    assert check_files == {f"pcxguard_{i.lower()}" for i in ids}


def test_check_files_are_thin_and_only_name_their_id():
    for path in (ROOT / "checks").glob("pcxguard_*.py"):
        text = path.read_text()
        check_id = path.stem.replace("pcxguard_", "").upper()
        assert set(re.findall(r'"(CKV2_PCX_\d+)"', text)) == {check_id}
        code = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith(("#", '"""', "from", "import"))]
        assert len(code) <= 4, f"{path.name} holds logic; keep it in pcxguard.rules"


def test_checks_folder_holds_no_data_files_checkov_would_read_as_policies():
    assert not [p for p in (ROOT / "checks").iterdir() if p.suffix in (".json", ".yaml", ".yml")]


def test_a_broken_policy_is_reported_with_the_bad_key(tmp_path):
    bad = tmp_path / "CKV2_PCX_1.yaml"
    raw = yaml.safe_load((data_dir("policies") / "CKV2_PCX_1.yaml").read_text())
    raw["severity"] = "HUGE"
    bad.write_text(yaml.safe_dump(raw))
    with pytest.raises(CatalogueError, match=r"CKV2_PCX_1.yaml: severity: 'HUGE' is not one of"):
        load_policy(bad)


def test_every_policy_cites_aws_documentation():
    for entry in catalogue().values():
        assert any(ref.url.startswith("https://docs.aws.amazon.com/") for ref in entry.references), entry.id
