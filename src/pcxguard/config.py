"""The configuration file (``.pcxguard.yaml``) -> Settings.

Looked up as ``$PCXGUARD_CONFIG`` if set, else the nearest ``.pcxguard.yaml``
in the scanned file's directory or one of its parents.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pcxguard.settings import MAX_ACTIVE_PEERINGS_PER_VPC, Settings

CONFIG_NAME = ".pcxguard.yaml"


class ConfigError(ValueError):
    pass


def find_config(start: str | os.PathLike[str] | None) -> Path | None:
    explicit = os.environ.get("PCXGUARD_CONFIG")
    if explicit:
        return Path(explicit)
    if start is None:
        return None
    here = Path(start).resolve()
    if here.is_file():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=32)
def load_settings(path: Path | None) -> Settings:
    if path is None:
        return Settings()
    try:
        raw: Any = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read the configuration: {error}") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping")
    checks = raw.get("checks") or {}
    disabled = frozenset(cid for cid, opts in checks.items() if isinstance(opts, dict) and opts.get("enabled") is False)
    severities = tuple(sorted((cid, str(opts["severity"]).upper()) for cid, opts in checks.items()
                              if isinstance(opts, dict) and "severity" in opts))
    kwargs: dict[str, Any] = {"disabled_checks": disabled, "severity_overrides": severities}
    if "inter_region_mtu" in raw:
        kwargs["inter_region_mtu"] = int(raw["inter_region_mtu"])
    if "active_peerings_per_vpc" in raw:
        kwargs["active_peerings_per_vpc"] = int(raw["active_peerings_per_vpc"])
        if not 1 <= kwargs["active_peerings_per_vpc"] <= MAX_ACTIVE_PEERINGS_PER_VPC:
            raise ConfigError(f"{path}: active_peerings_per_vpc must be between 1 and {MAX_ACTIVE_PEERINGS_PER_VPC} "
                              "(the VPC Peering Guide's adjustable quota)")
    elsewhere = raw.get("accepted_elsewhere")
    if elsewhere is not None:
        if not isinstance(elsewhere, dict):
            raise ConfigError(f"{path}: accepted_elsewhere must map a peering (address or pcx id) to where it is accepted")
        kwargs["accepted_elsewhere"] = tuple(sorted((str(k), str(v)) for k, v in elsewhere.items()))
    if "require_acceptance_same_account" in raw:
        kwargs["require_acceptance_same_account"] = bool(raw["require_acceptance_same_account"])
    return Settings(**kwargs)


def settings_for(start: str | os.PathLike[str] | None) -> Settings:
    return load_settings(find_config(start))
