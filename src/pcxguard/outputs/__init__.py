"""Renderers: a scan Report -> text, JSON, SARIF, GitHub annotations, Markdown, JUnit XML, graphs.

Every format renders the same findings; none of them judges anything.
"""

from __future__ import annotations

import importlib
from typing import Callable

from pcxguard.scan import Report

Renderer = Callable[..., str]


# format name -> the module under pcxguard.outputs whose ``render`` writes it (imported when asked for)
_MODULES = {"text": "text", "json": "json_report", "sarif": "sarif", "github": "github", "markdown": "markdown",
           "junitxml": "junitxml"}


def renderer(name: str) -> Renderer:
    if name not in _MODULES:  # pragma: no cover - argparse restricts the choices
        raise ValueError(f"unknown format {name}")
    render: Renderer = importlib.import_module(f"pcxguard.outputs.{_MODULES[name]}").render
    return render


FORMATS = ("text", "json", "sarif", "github", "markdown", "junitxml")
__all__ = ["FORMATS", "Report", "renderer"]
