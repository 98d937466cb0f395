"""Where each CloudFormation template is deployed: the ``cloudformation`` key of ``.pcxguard.yaml``.

A template does not say its region or account; a stack does. The configuration
names them per template path glob (relative to the configuration file's
directory; ``*`` also matches ``/``)::

    cloudformation:
      stacks:
        "network/east-*.yaml": {region: us-east-1, account: "111111111111"}
        "network/west.yaml":
          region: us-west-2
          account: "222222222222"
          stack_name: west-network        # for ${AWS::StackName} in export names
          parameters: {PeerVpcCidr: 10.9.0.0/16}   # values the deployment passes
          resource_ids: {Vpc: vpc-0abc12345}      # physical ids, to join literal ids

The first matching glob wins. Without a match, region and account stay unknown.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pcxguard.config import find_config
from pcxguard.limits import MAX_CONFIG_BYTES, InputRefused, read_text
from pcxguard.loaders.cfn_yaml import TemplateError, bounded_safe_load

import json  # noqa: E402

from pcxguard.resources import schema_path  # noqa: E402

# one configuration schema: this section's rules live in config.schema.json ($defs/cloudformation)
_CONFIG_SCHEMA: dict[str, Any] = json.loads(schema_path("config.schema.json").read_text())
_SCHEMA: dict[str, Any] = {**_CONFIG_SCHEMA["$defs"]["cloudformation"], "$defs": _CONFIG_SCHEMA["$defs"]}


@dataclass(frozen=True)
class StackSettings:
    region: str | None = None
    account: str | None = None
    stack_name: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    resource_ids: dict[str, str] = field(default_factory=dict)
    config_file: str | None = None


class StackConfigError(ValueError):
    pass


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = bounded_safe_load(read_text(str(path), MAX_CONFIG_BYTES)) or {}
    except (InputRefused, TemplateError, yaml.YAMLError) as error:
        raise StackConfigError(f"{path}: cannot read the configuration: {error}") from error
    section = raw.get("cloudformation") if isinstance(raw, dict) else None
    if section is None:
        return {}
    import jsonschema  # only when a configuration has a cloudformation section

    errors = sorted(jsonschema.Draft202012Validator(_SCHEMA).iter_errors(section), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "(top level)"
        raise StackConfigError(f"{path}: cloudformation/{where}: {errors[0].message}")
    return section


def stack_settings_for(template: str, config_file: str | os.PathLike[str] | None = None) -> StackSettings:
    """The deployment settings of one template, from ``config_file`` when the scan names one (``pcxguard
    scan --config``), else from the configuration found for the template; raises ``StackConfigError`` on
    a bad configuration."""
    config = Path(config_file) if config_file is not None else find_config(template)
    if config is None or not config.is_file():
        return StackSettings()
    section = _read(config)
    try:
        relative = Path(template).resolve().relative_to(config.resolve().parent).as_posix()
    except ValueError:
        relative = Path(template).resolve().as_posix()
    for pattern, entry in (section.get("stacks") or {}).items():
        if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(Path(template).name, pattern):
            return StackSettings(
                region=entry.get("region"),
                account=entry.get("account"),
                stack_name=entry.get("stack_name"),
                parameters=dict(entry.get("parameters") or {}),
                resource_ids=dict(entry.get("resource_ids") or {}),
                config_file=str(config),
            )
    return StackSettings(config_file=str(config))
