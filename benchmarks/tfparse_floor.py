#!/usr/bin/env python3
"""The Terraform evaluator's share of a raw ``.tf`` run (issue 14): what tfparse itself costs, against checkov.

pcxguard evaluates raw Terraform with tfparse (the one evaluator of the trust issue), in a child
interpreter (``terraform_tfparse._evaluate_many``). This measures, on the same trees and interleaved:

- ``checkov -d TREE --framework terraform`` alone (CPU of the process tree);
- ``pcxguard scan TREE`` in a fresh interpreter, with the CPU of its tfparse children counted apart
  (``resource.getrusage(RUSAGE_CHILDREN)`` around each call into the evaluator) and that of a child that
  only starts Python and imports tfparse (what any child pays before it evaluates anything).

The tfparse children's share of checkov alone is the least pcxguard can add under checkov's raw mode while
tfparse evaluates the tree; the issue's budget there is 2 % of checkov alone.

    /work/main/.venv/bin/python benchmarks/tfparse_floor.py --repeat 3
    /work/main/.venv/bin/python benchmarks/tfparse_floor.py --tree /tmp/pcxguard-bench/paths-mixed-30/tf

Trees default to the ones ``ci_paths.py`` caches (peering estate of 100 VPCs, mixed estate of 30 VPCs):
run it first. CPU, minimum of ``--repeat`` interleaved runs. Markdown on stdout.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402

# pcxguard scan of one tree in this interpreter; prints {"total": CPU incl. children, "tfparse": [CPU per child]}
_SCAN = r"""
import contextlib, io, json, resource, sys, time
def kids():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
start, start_kids = time.process_time(), kids()
from pcxguard.loaders import terraform_tfparse
from pcxguard import cli
spent = []
evaluate = terraform_tfparse._evaluate_many
def timed(jobs):
    before = kids()
    try:
        return evaluate(jobs)
    finally:
        spent.append(kids() - before)
terraform_tfparse._evaluate_many = timed
with contextlib.redirect_stdout(io.StringIO()):
    try:
        cli.main(["scan", sys.argv[1], "--format", "json"])
    except SystemExit:
        pass
print(json.dumps({"total": time.process_time() - start + kids() - start_kids, "tfparse": spent}))
"""

_START = "import tfparse"


def _child_cpu(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    code = ("import json, resource, subprocess, sys\n"
            "done = subprocess.run(sys.argv[1:], capture_output=True)\n"
            "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "print(json.dumps({'cpu': usage.ru_utime + usage.ru_stime, 'out': done.stdout.decode()[-2000:]}))")
    done = subprocess.run([bench.python(), "-c", code, *cmd], capture_output=True, text=True, env=env, check=True)
    answer = json.loads(done.stdout)
    return answer["cpu"], answer["out"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", action="append", type=Path, help="a raw Terraform root (repeatable)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=bench.DEFAULT_CACHE)
    parser.add_argument("--checkout", type=Path, default=bench.REPO)
    args = parser.parse_args(argv)
    trees = args.tree or [args.cache / "paths-peering-100" / "tf", args.cache / "paths-mixed-30" / "tf"]
    for tree in trees:
        if not (tree / "main.tf").exists():
            sys.exit(f"{tree}: no main.tf (run benchmarks/ci_paths.py first, or name a root with --tree)")
    env = bench.env_with_src()
    env["PYTHONPATH"] = str(args.checkout.resolve() / "src")
    results: dict[Path, dict[str, list[float]]] = {tree: {"checkov": [], "scan": [], "tfparse": []} for tree in trees}
    starts: list[float] = []
    for run in range(args.repeat):
        for tree in trees:
            bench.log(f"  {tree} (run {run + 1})...")
            cpu, _ = _child_cpu([bench.checkov_bin(), "--skip-download", "--quiet", "-o", "json", "-d", str(tree),
                                 "--framework", "terraform"], env)
            results[tree]["checkov"].append(cpu)
            _, out = _child_cpu([bench.python(), "-c", _SCAN, str(tree)], env)
            measured = json.loads(out.strip().splitlines()[-1])
            results[tree]["scan"].append(measured["total"])
            results[tree]["tfparse"].append(sum(measured["tfparse"]))
        starts.append(_child_cpu([bench.python(), "-c", _START], env)[0])
    start = min(starts)
    rows = []
    for tree, found in results.items():
        checkov, scan, tfparse = (min(found[k]) for k in ("checkov", "scan", "tfparse"))
        rows.append([str(tree), f"{checkov:.2f} s", f"{scan:.2f} s ({scan / checkov * 100:.1f} %)",
                     f"{tfparse:.2f} s ({tfparse / checkov * 100:.1f} %)",
                     f"{max(tfparse - start, 0):.2f} s ({max(tfparse - start, 0) / checkov * 100:.1f} %)",
                     f"{checkov * 0.02:.2f} s"])
    print(f"CPU, minimum of {args.repeat} interleaved run(s); a child that only imports tfparse: {start:.3f} s.\n")
    print(bench.table(["raw tree", "checkov -d alone", "pcxguard scan (share of checkov)",
                       "of it tfparse children (share)", "tfparse evaluating, start left out (share)",
                       "the 2 % budget"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
