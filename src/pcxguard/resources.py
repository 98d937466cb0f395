"""Where the files shipped beside the code live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """``checks``, ``policies`` or ``docs/rules``: inside the installed package, else at the checkout's top."""
    for candidate in (_HERE / name, _HERE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"pcxguard cannot find its '{name}' directory next to {_HERE}")


def schema_path(name: str) -> Path:
    return _HERE / "schemas" / name
