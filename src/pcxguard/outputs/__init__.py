"""Renderers: a scan Report -> text, JSON, SARIF, GitHub annotations, Markdown, JUnit XML, graphs.

Every format renders the same findings; none of them judges anything.
"""

from __future__ import annotations

from typing import Callable

from pcxguard.scan import Report

Renderer = Callable[..., str]


def renderer(name: str) -> Renderer:
    if name == "text":
        from pcxguard.outputs.text import render
    elif name == "json":
        from pcxguard.outputs.json_report import render
    elif name == "sarif":
        from pcxguard.outputs.sarif import render
    elif name == "github":
        from pcxguard.outputs.github import render
    elif name == "markdown":
        from pcxguard.outputs.markdown import render
    elif name == "junitxml":
        from pcxguard.outputs.junitxml import render
    else:  # pragma: no cover - argparse restricts the choices
        raise ValueError(f"unknown format {name}")
    return render


FORMATS = ("text", "json", "sarif", "github", "markdown", "junitxml")
__all__ = ["FORMATS", "Report", "renderer"]
