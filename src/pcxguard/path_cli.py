"""``pcxguard path INPUT... --from SRC --to DST [--port N] [--protocol tcp|udp|icmp|-1]``.

Loads the inputs as ``pcxguard scan`` does, asks ``pcxguard.reachability`` about the path in the
estate that holds the source, and prints it hop by hop (text, json or markdown with a Mermaid
drawing). Exit codes: 0 reachable, 1 blocked, 3 cannot tell, 2 usage or input errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from pcxguard.reachability import (
    ALLOW,
    DENY,
    NOTE,
    UNKNOWN,
    Hop,
    PathResult,
    PathVerdict,
)

EXIT = {PathVerdict.REACHABLE: 0, PathVerdict.BLOCKED: 1, PathVerdict.CANNOT_TELL: 3}
EXIT_USAGE = 2
FORMATS = ("text", "json", "markdown")


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "path", help="can SRC reach DST? the forward and return path, hop by hop, before anything is deployed",
        description="Exit codes: 0 reachable; 1 blocked; 3 cannot tell (something the answer depends on is not "
                    "known); 2 usage or input errors.")
    parser.add_argument("paths", nargs="+", metavar="INPUT",
                        help="plan JSON files, CloudFormation templates, directories (as for scan)")
    parser.add_argument("--from", dest="source", required=True, metavar="SRC",
                        help="instance, launch template, subnet (Terraform address or CloudFormation logical id), "
                             "IP address or CIDR")
    parser.add_argument("--to", dest="destination", required=True, metavar="DST", help="as --from")
    parser.add_argument("--port", type=int, help="destination port (tcp/udp; required for them), or ICMP type "
                                                 "(icmp; default 8, echo request)")
    parser.add_argument("--protocol", default="tcp", choices=("tcp", "udp", "icmp", "-1"),
                        help="default tcp; -1 asks about all traffic")
    parser.add_argument("--format", "-f", choices=FORMATS, default="text", metavar="FORMAT",
                        help=f"answer format: {', '.join(FORMATS)} (default: text)")
    parser.add_argument("--config", metavar="FILE", help="configuration file; by default the one scan would use")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the answer to FILE (default: stdout)")


def _error(message: str) -> int:
    print(f"pcxguard: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    from pcxguard.config import ConfigError, config_for, load_config
    from pcxguard.discover import discover, load_inputs
    from pcxguard.inventory import merge_inventory
    from pcxguard.reachability import Query, UsageError, analyse_path, resolve

    query = Query(args.source, args.destination, args.port, args.protocol)
    try:
        config = load_config(Path(args.config)) if args.config else None
        if config is None and os.environ.get("PCXGUARD_CONFIG"):
            config = load_config(Path(os.environ["PCXGUARD_CONFIG"]))
        found = discover(args.paths)
        if found.missing:
            for path in found.missing:
                _error(path)
            return EXIT_USAGE
        loaded, problems = load_inputs(found.inputs)
        estates = []
        for item, estate in loaded:
            applied = config if config is not None else config_for(item.path)
            estates.append((merge_inventory(estate, applied), applied.settings))
    except ConfigError as error:
        return _error(str(error))
    for problem in [*found.problems, *problems]:
        print(f"pcxguard: {problem.where}: {problem.message}", file=sys.stderr)
    if not estates:
        return _error("no input could be loaded")
    # the estate that places the source (a scan of several roots holds each estate once)
    chosen = estates[0]
    for estate, settings in estates:
        if resolve(estate, query.source).vpc is not None:
            chosen = (estate, settings)
            break
    estate, settings = chosen
    try:
        result = analyse_path(estate, query, settings)
    except UsageError as error:
        return _error(str(error))
    except Exception as error:  # noqa: BLE001 - no traceback reaches a user
        return _error(f"internal error in pcxguard path ({type(error).__name__}: {error}); please report it")
    for problem in estate.problems:
        print(f"pcxguard: {problem.where}: " + (f"{problem.address}: " if problem.address else "") + problem.message,
              file=sys.stderr)
    text = {"text": render_text, "json": render_json, "markdown": render_markdown}[args.format](result)
    try:
        if args.output:
            Path(args.output).write_text(text)
        else:
            sys.stdout.write(text)
    except OSError as error:
        return _error(f"{args.output}: cannot write the answer: {error}")
    broken = [p for p in [*found.problems, *problems, *estate.problems] if p.fails_closed]
    if broken:
        # fail closed: an answer resting on a broken input (an invalid value, a .tf file or root that could not
        # be read) is never a clean "reachable" or "blocked" (issue 12)
        return _error(f"{len(broken)} broken input(s) (above): the answer cannot be trusted until they are fixed")
    return EXIT[result.verdict]


# --------------------------------------------------------------------------- renderers

_MARKS = {ALLOW: "ok", DENY: "BLOCKED", UNKNOWN: "?", NOTE: "-"}
_VERDICT_TEXT = {PathVerdict.REACHABLE: "REACHABLE", PathVerdict.BLOCKED: "BLOCKED",
                 PathVerdict.CANNOT_TELL: "CANNOT TELL"}


def _where(hop: Hop) -> str:
    if hop.resource is None or not hop.resource.file:
        return ""
    line = f":{hop.resource.start_line}" if hop.resource.start_line else ""
    return f" [{_relative(hop.resource.file)}{line}]"


def _relative(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return path


def _question(result: PathResult) -> str:
    q = result.query
    what = "all traffic" if q.protocol == "-1" else (
        f"ICMP type {q.port if q.port is not None else 8}" if q.protocol == "icmp" else f"{q.protocol.upper()} {q.port}")
    return f"{q.source} -> {q.destination} ({what})"


def render_text(result: PathResult) -> str:
    lines = [f"{_VERDICT_TEXT[result.verdict]}: {_question(result)}"]
    for title, verdict, hops in (("forward", result.forward_verdict, result.forward),
                                 ("return", result.return_verdict, result.back)):
        if verdict is None:
            lines.append(f"{title} path: not evaluated (the forward path does not reach the destination)")
            continue
        lines.append(f"{title} path: {_VERDICT_TEXT[verdict]}")
        for number, hop in enumerate(hops, 1):
            lines.append(f"  {number:>2}. [{_MARKS[hop.outcome]}] {hop.step}: {hop.detail}{_where(hop)}")
            for item in hop.missing:
                lines.append(f"        missing: {item}")
    if result.mtu is not None:
        lines.append(f"path MTU: {result.mtu} bytes (inter-region peering)")
    return "\n".join(lines) + "\n"


def render_json(result: PathResult) -> str:
    return json.dumps(result.to_dict(), indent=2) + "\n"


def _node(text: str) -> str:
    return text.replace('"', "'").replace("[", "(").replace("]", ")")


def mermaid(result: PathResult) -> str:
    """A left-to-right drawing: the hops of the forward path, then the return path back."""
    lines = ["flowchart LR", f'  SRC(["{_node(result.source.label)}"])', f'  DST(["{_node(result.destination.label)}"])']
    previous = "SRC"
    styles: list[str] = []
    for prefix, hops in (("F", result.forward), ("R", result.back)):
        shown = [h for h in hops if h.outcome != NOTE or h.resource is not None]
        for index, hop in enumerate(shown):
            name = f"{prefix}{index}"
            label = f"{hop.step}<br/>{hop.resource.address if hop.resource else ''}"
            lines.append(f'  {name}["{_node(label)}"]')
            lines.append(f"  {previous} --> {name}")
            if hop.outcome == DENY:
                styles.append(f"  style {name} fill:#f8d7da,stroke:#b02a37")
            elif hop.outcome == UNKNOWN:
                styles.append(f"  style {name} fill:#fff3cd,stroke:#997404")
            previous = name
        if prefix == "F" and result.back:
            lines.append(f"  {previous} --> DST")
            previous = "DST"
    if not result.back and result.forward_verdict is PathVerdict.REACHABLE:
        lines.append(f"  {previous} --> DST")
    elif result.back:
        lines.append(f"  {previous} -.-> SRC")
    return "\n".join(lines + styles) + "\n"


def render_markdown(result: PathResult) -> str:
    lines = [f"## {_VERDICT_TEXT[result.verdict]}: `{_question(result)}`", ""]
    for title, verdict, hops in (("Forward path", result.forward_verdict, result.forward),
                                 ("Return path", result.return_verdict, result.back)):
        lines.append(f"### {title}: {_VERDICT_TEXT[verdict] if verdict else 'not evaluated'}")
        lines.append("")
        if hops:
            lines += ["| # | hop | outcome | decided by | detail |", "|---|---|---|---|---|"]
            for number, hop in enumerate(hops, 1):
                where = f"`{hop.resource.address}`{_where(hop)}" if hop.resource else ""
                detail = hop.detail + "".join(f"<br/>missing: {m}" for m in hop.missing)
                lines.append(f"| {number} | {hop.step} | {_MARKS[hop.outcome]} | {where} | "
                             f"{detail.replace('|', '/')} |")
            lines.append("")
    if result.mtu is not None:
        lines += [f"Path MTU: {result.mtu} bytes (inter-region peering).", ""]
    lines += ["```mermaid", mermaid(result).rstrip("\n"), "```", ""]
    return "\n".join(lines)
