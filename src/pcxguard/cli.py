"""The ``pcxguard`` command.

``pcxguard scan PATH...`` scans Terraform plans, CloudFormation templates and
directories of ``.tf`` (any mix, whole checkouts) and reports in text, json,
sarif, github or markdown. ``pcxguard graph PATH...`` draws the peering
topology. Exit codes: 0 clean; 1 findings at or above ``--fail-on``; 2 usage
errors, unreadable paths, invalid configuration or baseline, a broken input (an invalid
value, a .tf file or root, a plan or template that cannot be read), inputs found but
none could be loaded (an empty, binary or wrapped plan named on the command line
says what it most likely is), or (with ``--strict``) any input problem; 3 an
internal error (a bug: one line on stderr, never a traceback). Files named on
the command line that are neither plans nor templates are reported as problems
(so a pre-commit hook given unrelated .json files passes).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path
from typing import TextIO

from pcxguard.resources import data_dir

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3


def _scan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="plan JSON files, CloudFormation templates, directories (walked for .tf roots, plans and templates)")
    parser.add_argument("--config", metavar="FILE",
                        help="configuration file for every input (default: $PCXGUARD_CONFIG, else the nearest "
                             ".pcxguard.yaml or pyproject.toml [tool.pcxguard] above each input)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE (default: stdout)")
    parser.add_argument("--progress", action="store_true", help="show progress on stderr even when it is not a terminal")
    parser.add_argument("--var-file", metavar="FILE", action="append", default=[], dest="var_files",
                        help="Terraform variable values for .tf roots (repeatable; applied after terraform.tfvars "
                             "and *.auto.tfvars, in the order given, as terraform -var-file does)")
    parser.add_argument("--source", metavar="DIR",
                        help="the Terraform source of the plans scanned (a root module or a repository holding it): "
                             "links a plan leaves unknown until apply are resolved through it")
    parser.add_argument("--base-dir", metavar="DIR",
                        help="repository root: SARIF URIs and baseline fingerprints name files relative to it "
                             "(default: the git top level of the current directory, else the current directory)")


def _parser() -> argparse.ArgumentParser:
    from pcxguard.outputs import FORMATS
    from pcxguard.scan import SEVERITIES

    from pcxguard import __version__

    parser = argparse.ArgumentParser(prog="pcxguard", description="Cross-resource AWS VPC-peering checks.")
    parser.add_argument("--version", action="version", version=f"pcxguard {__version__}",
                        help="print pcxguard's version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     help="checks, explain, scan, graph, checks-dir or policies-dir")
    checks = commands.add_parser("checks", help="list the checks: id, severity, title, resource types")
    checks.add_argument("--format", "-f", choices=("table", "json"), default="table", metavar="FORMAT",
                        help="table (default) or json")
    explain = commands.add_parser("explain", help="print the rule page of one check (docs/rules/ID.md)")
    explain.add_argument("check_id", metavar="ID", help="a check id, e.g. CKV2_PCX_4")
    commands.add_parser("checks-dir", help="print the checkov external-checks directory "
                                           '(checkov --external-checks-dir "$(pcxguard checks-dir)")')
    commands.add_parser("policies-dir", help="print the policy catalogue directory")
    scan = commands.add_parser("scan", help="scan plans, templates and .tf directories and report findings",
                               description="Exit codes: 0 clean; 1 findings at or above --fail-on; 2 usage or input "
                                           "errors (unreadable path, invalid configuration or baseline, a broken "
                                           "input such as an invalid value, a .tf file, plan or template that cannot "
                                           "be read, nothing loadable, or any input problem with --strict); 3 internal "
                                           "error.")
    _scan_arguments(scan)
    scan.add_argument("--format", "-f", choices=FORMATS, default="text", metavar="FORMAT",
                      help=f"report format: {', '.join(FORMATS)} (default: text)")
    scan.add_argument("--include-passed", action="store_true",
                      help="json: list the passed findings too (by default only their count, in summary, as SARIF)")
    scan.add_argument("--check", action="append", metavar="IDS",
                      help="run only these checks: comma-separated ids, wildcards (CKV2_PCX_1*) or a severity "
                           "(HIGH: checks at or above HIGH), as checkov reads --check; repeatable")
    scan.add_argument("--skip-check", action="append", metavar="IDS",
                      help="do not run these checks: ids, wildcards or a severity (LOW: checks at or below LOW), "
                           "as checkov reads --skip-check; repeatable. Skip comments in the code "
                           "(#checkov:skip=ID:reason, CloudFormation Metadata checkov.skip) are honoured too")
    scan.add_argument("--fail-on", choices=SEVERITIES, default="LOW", type=str.upper,
                      help="exit 1 when a finding has this severity or higher (default LOW; 'cannot tell' is INFO, "
                           "so it fails only with --fail-on INFO)")
    scan.add_argument("--strict", action="store_true", help="exit 2 when any input (or part of one) cannot be read")
    scan.add_argument("--baseline", metavar="FILE", help="report only failures not in this baseline")
    scan.add_argument("--create-baseline", metavar="FILE", help="write the current failures to FILE as a baseline")
    colour = scan.add_mutually_exclusive_group()
    colour.add_argument("--color", "--colour", dest="colour", action="store_const", const=True, default=None,
                        help="colour the text report even when stdout is not a terminal")
    colour.add_argument("--no-color", "--no-colour", dest="colour", action="store_const", const=False,
                        help="never colour the text report")
    graph = commands.add_parser("graph", help="draw the peering topology (Mermaid or Graphviz dot)")
    _scan_arguments(graph)
    graph.add_argument("--format", "-f", choices=("mermaid", "dot"), default="mermaid", metavar="FORMAT",
                       help="picture format: mermaid or dot (Graphviz) (default: mermaid)")
    from pcxguard import path_cli

    path_cli.add_parser(commands)
    return parser


class _Progress:
    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream, self.enabled = stream, enabled
        self.tty = enabled and stream.isatty()

    def __call__(self, done: int, total: int, current: str) -> None:
        if not self.enabled or total < 2:
            return
        if self.tty:
            self.stream.write(f"\r\x1b[K[{done}/{total}] {current[-70:]}" if done < total else "\r\x1b[K")
        elif done < total:
            self.stream.write(f"[{done + 1}/{total}] {current}\n")
        self.stream.flush()


def _error(message: str) -> int:
    print(f"pcxguard: {message}", file=sys.stderr)
    return EXIT_ERROR


def _write(text: str, output: str | None) -> None:
    # a lone surrogate from a hostile file (a logical id) cannot be encoded: write it escaped
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        try:
            sys.stdout.write(text)
        except UnicodeEncodeError:  # a non-UTF-8 terminal
            sys.stdout.write(text.encode("ascii", "backslashreplace").decode("ascii"))


def _say_problems(report: object) -> None:
    """One stderr line per problem, when they decide the exit code (so exit 2 never comes silent)."""
    for problem in getattr(report, "problems", []):
        where = f" ({problem.address})" if problem.address else ""
        message = problem.message if problem.message.startswith(problem.file) else f"{problem.where}: {problem.message}"
        _error(f"{message}{where}".encode("utf-8", "backslashreplace").decode("utf-8"))


def _run(args: argparse.Namespace) -> int:
    from pcxguard.baseline import BaselineError, apply_baseline, describe, read_baseline, write_baseline
    from pcxguard.config import ConfigError, load_config
    from pcxguard.outputs import renderer
    from pcxguard.scan import run_scan

    try:
        config = load_config(Path(args.config)) if args.config else None
        if config is None and os.environ.get("PCXGUARD_CONFIG"):
            config = load_config(Path(os.environ["PCXGUARD_CONFIG"]))
        progress = _Progress(sys.stderr, args.progress or sys.stderr.isatty())
        for var_file in args.var_files:
            if not os.path.isfile(var_file):
                return _error(f"--var-file {var_file}: no such file")
        if args.source is not None and not os.path.isdir(args.source):
            return _error(f"--source {args.source}: not a directory")
        from pcxguard.suppressions import Selection

        selection = Selection.parse(getattr(args, "check", None), getattr(args, "skip_check", None))
        report, missing = run_scan(args.paths, config, progress, base_dir=args.base_dir, selection=selection,
                                   var_files=args.var_files, source=args.source)
        if _HOLD:
            _HELD.append(report)  # freed by the process's end, not one object at a time (entry)
    except ConfigError as error:
        return _error(str(error))
    for path in missing:
        _error(path)
    if args.command == "graph":
        from pcxguard.outputs import topology

        graph = topology.build(report)
        _write(topology.mermaid(graph) if args.format == "mermaid" else topology.dot(graph), args.output)
        _say_problems(report)
        nothing_read = (report.inputs or report.unreadable) and not report.usable()
        return EXIT_ERROR if missing or report.fatal or nothing_read else EXIT_CLEAN
    baseline = None
    try:
        if args.baseline:
            baseline = read_baseline(args.baseline)
            apply_baseline(report, baseline)
        if args.create_baseline:
            count = write_baseline(report, args.create_baseline)
            print(f"pcxguard: wrote {count} failure(s) to the baseline {args.create_baseline}", file=sys.stderr)
    except (BaselineError, OSError) as error:
        return _error(str(error))
    colour = args.colour
    if colour is None:
        colour = not args.output and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    try:
        _write(renderer(args.format)(report, colour=colour, include_passed=getattr(args, "include_passed", False)), args.output)
    except OSError as error:
        return _error(f"{args.output}: cannot write the report: {error}")
    if baseline is not None:
        print(f"pcxguard: {describe(report, baseline)}", file=sys.stderr)
    if missing:
        return EXIT_ERROR
    nothing_read = (report.inputs or report.unreadable) and not report.usable()
    if report.fatal or (report.problems and (args.strict or nothing_read)):
        _say_problems(report)
        return EXIT_ERROR
    if args.create_baseline:
        return EXIT_CLEAN  # the failures were just accepted
    return EXIT_FINDINGS if report.at_or_above(args.fail_on) else EXIT_CLEAN


def _checks(fmt: str) -> int:
    import json

    from pcxguard.catalogue import catalogue

    entries = list(catalogue().values())
    if fmt == "json":
        print(json.dumps([{"id": e.id, "severity": e.severity, "title": e.title, "guideline": e.guideline,
                           "resource_types": {"terraform": list(e.terraform_types),
                                              "cloudformation": list(e.cloudformation_types)}}
                          for e in entries], indent=2))
        return 0
    rows = [("ID", "SEVERITY", "TITLE", "RESOURCE TYPES")]
    rows += [(e.id, e.severity, e.title, ", ".join((*e.terraform_types, *e.cloudformation_types))) for e in entries]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3])
    return 0


def _explain(check_id: str) -> int:
    import difflib

    from pcxguard.catalogue import catalogue

    known = list(catalogue())
    wanted = check_id.strip().upper()
    if wanted not in known:
        nearest = difflib.get_close_matches(wanted, known, n=1, cutoff=0.6)
        hint = f"; did you mean {nearest[0]}?" if nearest else f"; known ids: {', '.join(known)}"
        return _error(f"unknown check id {check_id}{hint}")
    try:
        page = data_dir("docs/rules") / f"{wanted}.md"
        sys.stdout.write(page.read_text())
    except OSError:  # an installation without the pages: the catalogue says the essentials
        entry = catalogue()[wanted]
        sys.stdout.write(f"# {entry.id}: {entry.title}\n\n**Severity:** {entry.severity}\n\n{entry.description}\n\n"
                         f"## Why it matters\n\n{entry.rationale}\n\n## How to fix it\n\n{entry.remediation}\n\n"
                         f"{entry.guideline}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "checks":
        return _checks(args.format)
    if args.command == "explain":
        return _explain(args.check_id)
    if args.command == "checks-dir":
        print(data_dir("checks"))
        return 0
    if args.command == "policies-dir":
        print(data_dir("policies"))
        return 0
    if args.command == "path":
        from pcxguard import path_cli

        return path_cli.run(args)
    # A scan builds hundreds of thousands of small, mostly acyclic objects that live until the report is
    # written. The cyclic collector walks every surviving object once per generation it passes through,
    # whatever the thresholds (0.18 s of a 2.1 s scan of 18,580 resources even at 20,000/20/100), and
    # finds almost nothing: paused for the run (as under checkov for the model's build), the peak memory
    # measured the same (benchmarks/RESULTS.md, issue 14). Restored afterwards: main() may be called
    # in-process (tests, tools).
    previous = gc.get_threshold()
    enabled = gc.isenabled()
    gc.set_threshold(20_000, 20, 100)
    gc.disable()
    try:
        return _run(args)
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except (Exception, RecursionError, MemoryError) as error:  # noqa: BLE001 - never a traceback for a user
        print(f"pcxguard: internal error: {type(error).__name__}: {error}. This is a bug in pcxguard, not in your "
              "files; please report it with the command line (run with PCXGUARD_DEBUG=1 for the traceback).",
              file=sys.stderr)
        if os.environ.get("PCXGUARD_DEBUG"):
            import traceback

            traceback.print_exc()
        return EXIT_INTERNAL
    finally:
        gc.set_threshold(*previous)
        if enabled:
            gc.enable()


# What a scan built (its report, with the estates and their findings), held until the process ends when
# the command runs as ``pcxguard`` (``entry``): freeing hundreds of thousands of objects one by one on the
# way out is work nobody reads.
_HELD: list[object] = []
_HOLD = False


def entry() -> None:
    """The ``pcxguard`` command (and ``python -m pcxguard.cli``): ``main()``, its output flushed, then the
    process ends without freeing what the scan built, as a process that exits anyway need not (4 % of the
    instructions of a 1,000-VPC plan's scan; benchmarks/RESULTS.md). Nothing else waits for the end: no
    exit handler, and temporary files are removed where they are made. An output that cannot be flushed
    (a closed pipe) makes the exit code 2 at least. ``main()`` itself (tests, tools) frees as usual."""
    global _HOLD
    _HOLD = True
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        code = max(code, EXIT_ERROR)
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
