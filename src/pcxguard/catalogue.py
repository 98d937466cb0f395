"""The policy catalogue: one YAML file per check under ``policies/``.

It is the single source of rule metadata. The checkov checks, SARIF rules,
the command's reports and the rule documentation pages all read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pcxguard.resources import data_dir, schema_path

DOCS_BASE = "https://github.com/pcxguard/pcxguard/blob/main/docs/rules/"


@dataclass(frozen=True)
class Reference:
    title: str
    url: str


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    severity: str
    description: str
    rationale: str
    remediation: str
    references: tuple[Reference, ...]
    terraform_types: tuple[str, ...]
    cloudformation_types: tuple[str, ...]
    example_fail: str
    example_pass: str
    settings: tuple[str, ...]
    reads: tuple[str, ...] = ()
    does_not_read: tuple[str, ...] = ()
    example_context: str = ""  # the Terraform both examples stand in (tests/test_policy_examples.py runs them)
    example_config: str = ""  # the .pcxguard.yaml they run with
    # the same, as Resources entries of a CloudFormation template (where the check reads templates)
    example_fail_cloudformation: str = ""
    example_pass_cloudformation: str = ""
    example_context_cloudformation: str = ""
    example_config_cloudformation: str = ""  # the .pcxguard.yaml beside the template (stack place, inventory)
    # the check's name beside its id: rules/pcxN_<topic>.py, tests/rules/test_pcxN_<topic>.py, fixtures pcxN_<topic>*
    topic: str = ""

    @property
    def name(self) -> str:
        """``pcxN_<topic>``: the stem the rule module, its tests and its fixtures share."""
        return f"pcx{self.number}_{self.topic}"

    @property
    def guideline(self) -> str:
        return f"{DOCS_BASE}{self.id}.md"

    @property
    def number(self) -> int:
        return int(self.id.rsplit("_", 1)[1])


class CatalogueError(ValueError):
    pass


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema  # only when a catalogue outside the package is read (~0.1 s to import)

    schema = json.loads(schema_path("policy.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def load_policy(path: Path, validate: bool = True) -> Policy:
    """One policy file. ``validate=False`` is for the packaged catalogue, which the test suite
    validates against the schema (tests/test_catalogue.py); every other file is validated here."""
    raw = yaml.load(path.read_text(), Loader=_YAML_LOADER)  # noqa: S506 - the C build of SafeLoader
    errors = sorted(_validator().iter_errors(raw), key=lambda e: list(e.path)) if validate else []
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.path) or "(top level)"
        raise CatalogueError(f"{path}: {where}: {first.message}")
    if not validate and not (isinstance(raw, dict) and isinstance(raw.get("resource_types"), dict)):
        raise CatalogueError(f"{path}: not a policy (reinstall pcxguard)")
    if raw["id"] != path.stem:
        raise CatalogueError(f"{path}: id {raw['id']} does not match the file name")
    return Policy(
        id=raw["id"],
        title=raw["title"],
        severity=raw["severity"],
        description=raw["description"].strip(),
        rationale=raw["rationale"].strip(),
        remediation=raw["remediation"].strip(),
        references=tuple(Reference(r["title"], r["url"]) for r in raw["references"]),
        terraform_types=tuple(raw["resource_types"].get("terraform", ())),
        cloudformation_types=tuple(raw["resource_types"].get("cloudformation", ())),
        example_fail=raw.get("example_fail", "").rstrip(),
        example_pass=raw.get("example_pass", "").rstrip(),
        settings=tuple(raw.get("settings", ())),
        reads=tuple(str(r).strip() for r in raw.get("reads", ())),
        does_not_read=tuple(str(r).strip() for r in raw.get("does_not_read", ())),
        example_context=raw.get("example_context", "").rstrip(),
        example_config=raw.get("example_config", "").rstrip(),
        example_fail_cloudformation=raw.get("example_fail_cloudformation", "").rstrip(),
        example_pass_cloudformation=raw.get("example_pass_cloudformation", "").rstrip(),
        example_context_cloudformation=raw.get("example_context_cloudformation", "").rstrip(),
        example_config_cloudformation=raw.get("example_config_cloudformation", "").rstrip(),
        topic=raw["topic"],
    )


@lru_cache(maxsize=None)
def catalogue(directory: str | None = None) -> dict[str, Policy]:
    root = Path(directory) if directory else data_dir("policies")
    policies = [load_policy(p, validate=directory is not None) for p in sorted(root.glob("CKV2_PCX_*.yaml"))]
    return {p.id: p for p in sorted(policies, key=lambda p: p.number)}


def policy(check_id: str) -> Policy:
    return catalogue()[check_id]


@dataclass(frozen=True)
class InstanceMtu:
    """Which instance types run jumbo frames, and where that is written (policies/data/instance_mtu.yaml)."""

    jumbo_families: frozenset[str]
    standard_families: frozenset[str]
    source_title: str
    source_url: str

    def jumbo(self, instance_type: str) -> bool | None:
        """True: a jumbo-frame (9001) type; False: 1500 only; None: a type this list does not know."""
        family = instance_type.strip().lower().split(".", 1)[0]
        if family in self.jumbo_families:
            return True
        if family in self.standard_families:
            return False
        return None


@lru_cache(maxsize=1)
def instance_mtu() -> InstanceMtu:
    raw = yaml.load((data_dir("policies") / "data" / "instance_mtu.yaml").read_text(), Loader=_YAML_LOADER)  # noqa: S506
    return InstanceMtu(
        jumbo_families=frozenset(str(f).lower() for f in raw["jumbo_families"]),
        standard_families=frozenset(str(f).lower() for f in raw["standard_families"]),
        source_title=raw["source"]["title"],
        source_url=raw["source"]["url"],
    )
