"""The configuration file (``.pcxguard.yaml`` or ``[tool.pcxguard]``) -> Settings and inventory.

Looked up as ``$PCXGUARD_CONFIG`` if set, else, from the scanned file's
directory upwards, the first directory holding a ``.pcxguard.yaml`` or a
``pyproject.toml`` with a ``[tool.pcxguard]`` table (the YAML file wins when a
directory has both). The content is validated against
``schemas/config.schema.json``; an error names the file, the bad key and its line.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pcxguard.limits import MAX_CONFIG_BYTES, MAX_DEPTH, InputRefused, depth_exceeds, read_text
from pcxguard.loaders.cfn_yaml import TemplateError, bounded_safe_load
from pcxguard.resources import schema_path
from pcxguard.settings import Intent, Settings

CONFIG_NAME = ".pcxguard.yaml"
PYPROJECT = "pyproject.toml"


class ConfigError(ValueError):
    pass


def _has_tool_table(pyproject: Path) -> bool:
    import tomllib  # only where a pyproject.toml is met

    try:
        return "pcxguard" in (tomllib.loads(read_text(str(pyproject), MAX_CONFIG_BYTES)).get("tool") or {})
    except (InputRefused, tomllib.TOMLDecodeError, RecursionError):
        return False


def find_config(start: str | os.PathLike[str] | None) -> Path | None:
    explicit = os.environ.get("PCXGUARD_CONFIG")
    if explicit:
        return Path(explicit)
    if start is None:
        return None
    here = Path(start).resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = directory / PYPROJECT
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
        if (directory / ".git").exists():
            return None  # the repository root: a configuration above it belongs to something else
    return None


@dataclass(frozen=True)
class Config:
    """One configuration file, validated. ``digest`` identifies its content (for cache keys)."""

    path: Path | None
    settings: Settings
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    digest: str = ""
    # (key path) -> line in the file, for messages and for inventory sources
    lines: dict[tuple, int] = field(default_factory=dict, compare=False, hash=False)

    @property
    def inventory(self) -> dict[str, Any]:
        return self.raw.get("inventory") or {}


DEFAULT = Config(None, Settings())


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


def _key_path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _yaml_lines(text: str) -> dict[tuple, int]:
    """Line (1-based) of every mapping value and sequence item, by key path."""
    lines: dict[tuple, int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return lines

    def walk(node: Any, path: tuple) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, path + (key.value,))
                lines[path + (key.value,)] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, path + (index,))

    if root is not None:
        walk(root, ())
    return lines


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema  # only when a configuration is found (~0.1 s to import)

    schema = json.loads(schema_path("config.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _read(path: Path) -> tuple[Any, dict[tuple, int]]:
    where = _display(path)
    try:
        text = read_text(str(path), MAX_CONFIG_BYTES)
    except InputRefused as error:
        raise ConfigError(f"{where}: cannot read the configuration: {str(error).removeprefix(str(path) + ': ')}") \
            from error
    if path.name == PYPROJECT:
        import tomllib

        try:
            return (tomllib.loads(text).get("tool") or {}).get("pcxguard") or {}, {}
        except (tomllib.TOMLDecodeError, RecursionError) as error:
            raise ConfigError(f"{where}: not valid TOML: {error}") from error
    try:
        raw = bounded_safe_load(text)  # refuses alias bombs and deep nesting
    except TemplateError as error:
        raise ConfigError(f"{where}: {error}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{where}: not valid YAML: {error}") from error
    if depth_exceeds(raw):
        raise ConfigError(f"{where}: the configuration nests deeper than {MAX_DEPTH} levels (the limit), so it is refused")
    return ({} if raw is None else raw), _yaml_lines(text)


def validate(raw: Any, where: str, lines: dict[tuple, int] | None = None) -> None:
    """Raise ConfigError naming the first bad key (``file: key.path: message (line N)``)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the configuration must be a mapping, not {type(raw).__name__}")
    errors = sorted(_validator().iter_errors(raw), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        # prefer the most specific error (deepest path); anyOf errors say little on their own
        first = max(errors, key=lambda e: len(e.absolute_path))
        path = tuple(first.absolute_path)
        message = first.message
        if first.validator == "additionalProperties":
            message = f"unknown key: {message}"
        line = (lines or {}).get(path)
        suffix = f" (line {line})" if line else ""
        more = f"; and {len(errors) - 1} more problem(s)" if len(errors) > 1 else ""
        raise ConfigError(f"{where}: {_key_path(path)}: {message}{suffix}{more}")
    _known_check_ids(raw, where, lines or {})


def _known_check_ids(raw: dict[str, Any], where: str, lines: dict[tuple, int]) -> None:
    """A check id the catalogue does not know is a typo that would silently do nothing: reject it,
    naming the nearest known id."""
    import difflib

    from pcxguard.catalogue import catalogue

    known = list(catalogue())
    for check_id in raw.get("checks") or {}:
        if check_id not in known:
            nearest = difflib.get_close_matches(str(check_id), known, n=1, cutoff=0.6)
            hint = f"; did you mean {nearest[0]}?" if nearest else f"; known ids: {', '.join(known)}"
            line = lines.get(("checks", check_id))
            suffix = f" (line {line})" if line else ""
            raise ConfigError(f"{where}: checks.{check_id}: unknown check id{hint}{suffix}")


def _intents(raw: dict[str, Any], lines: dict[tuple, int]) -> tuple[Intent, ...]:
    """CKV2_PCX_15's intents; the schema has checked their keys and values."""
    found = []
    for index, entry in enumerate(raw.get("intents") or []):
        found.append(Intent(name=str(entry["name"]), source=str(entry["from"]), destination=str(entry["to"]),
                            expect=str(entry["expect"]), port=entry.get("port"),
                            protocol=str(entry.get("protocol", "tcp")), line=lines.get(("intents", index))))
    return tuple(found)


def _settings(raw: dict[str, Any], lines: dict[tuple, int] | None = None) -> Settings:
    checks = raw.get("checks") or {}
    disabled = frozenset(cid for cid, opts in checks.items() if opts.get("enabled") is False)
    severities = tuple(sorted((cid, str(opts["severity"]).upper()) for cid, opts in checks.items() if "severity" in opts))
    kwargs: dict[str, Any] = {"disabled_checks": disabled, "severity_overrides": severities}
    for name in ("inter_region_mtu", "active_peerings_per_vpc"):
        if name in raw:
            kwargs[name] = int(raw[name])
    # the schema has already checked types and ranges (active_peerings_per_vpc: 1..125)
    if "accepted_elsewhere" in raw:
        kwargs["accepted_elsewhere"] = tuple(sorted((str(k), str(v)) for k, v in raw["accepted_elsewhere"].items()))
    if "instance_default_mtu" in raw:
        kwargs["instance_default_mtu"] = str(raw["instance_default_mtu"])
    if "require_acceptance_same_account" in raw:
        kwargs["require_acceptance_same_account"] = bool(raw["require_acceptance_same_account"])
    if raw.get("intents"):
        kwargs["intents"] = _intents(raw, lines or {})
    return Settings(**kwargs)


@lru_cache(maxsize=32)
def _load_config(path: Path, _stamp: tuple) -> Config:
    raw, lines = _read(path)
    validate(raw, _display(path), lines)
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    return Config(path=path, settings=_settings(raw, lines), raw=raw, digest=digest, lines=lines)


def load_config(path: Path | None) -> Config:
    """The validated configuration at ``path`` (None: the defaults). Raises ConfigError."""
    if path is None:
        return DEFAULT
    try:
        stat = path.stat()
        stamp: tuple = (stat.st_size, stat.st_mtime_ns)
    except OSError as error:
        raise ConfigError(f"{_display(path)}: cannot read the configuration: {error}") from error
    return _load_config(path.resolve(), stamp)


def config_for(start: str | os.PathLike[str] | None) -> Config:
    return load_config(find_config(start))


def load_settings(path: Path | None) -> Settings:
    return load_config(path).settings


def settings_for(start: str | os.PathLike[str] | None) -> Settings:
    return load_settings(find_config(start))
