#!/usr/bin/env python3
"""Linearity of ``pcxguard scan`` on the peering estate (issue 14): the plan alone and the raw ``.tf``
of ``estate.py`` at several sizes, up to 10,000 VPCs.

    /work/main/.venv/bin/python benchmarks/linearity.py --vpcs 100,1000,10000 --repeat 1

Every figure is the CPU time (user + sys) of the whole process tree (the Terraform evaluator's
children included) and its peak RSS, the minimum of ``--repeat`` interleaved runs, with the time per
VPC and its ratio to the smallest size's (1.00 is linear). A bare ``json.load`` process of the same
plan is the reference of the plan rows. Plans: ``bench.scaled_plan`` (the real 50-VPC terraform plan
scaled); trees: ``estate.write_configuration`` (cached in ``--cache``, as ``ci_paths.py`` lays them
out). ``--checkout DIR`` measures another checkout's ``src``. Markdown on stdout.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench
import ci_paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vpcs", default="100,1000,10000", help="sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", choices=("plan", "raw"), action="append", help="measure only these paths")
    parser.add_argument("--cache", type=Path, default=bench.DEFAULT_CACHE)
    parser.add_argument("--checkout", type=Path, default=bench.REPO)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.vpcs.split(",") if s.strip()]
    kinds = args.only or ["plan", "raw"]
    checkout = args.checkout.resolve()
    env = ci_paths.env_for(checkout)
    py = bench.python()
    commands: dict[str, tuple[list[str], dict | None]] = {}
    for vpcs in sizes:
        paths = ci_paths.peering_layout(vpcs, args.cache)
        if "plan" in kinds:
            commands[f"{vpcs} | bare json.load"] = (
                [py, "-c", "import json, sys; json.load(open(sys.argv[1]))", str(paths["alone"])], None)
            commands[f"{vpcs} | plan alone, text"] = ([py, "-m", "pcxguard.cli", "scan", str(paths["alone"])], env)
        if "raw" in kinds:
            commands[f"{vpcs} | raw .tf, text"] = ([py, "-m", "pcxguard.cli", "scan", str(paths["tf"])], env)
    out = args.cache / "paths-out"
    out.mkdir(exist_ok=True)
    commit = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True,
                            check=False, text=True).stdout.strip() or str(checkout)
    results = ci_paths.interleaved(commands, args.repeat, out)
    rows = []
    first: dict[str, float] = {}
    for name, res in results.items():
        vpcs_text, path = name.split(" | ")
        vpcs = int(vpcs_text)
        per_vpc = res["cpu"] / vpcs * 1000
        first.setdefault(path, per_vpc)
        bare = results.get(f"{vpcs} | bare json.load")
        ratio = f"{res['cpu'] / bare['cpu']:.2f}x" if bare and path != "bare json.load" else ""
        rows.append([f"{vpcs:,}", path, f"{res['cpu']:.2f} s", bench.mb(res["maxrss_kb"]), f"{per_vpc:.2f} ms",
                     f"{per_vpc / first[path]:.2f}", ratio, str(res["code"])])
    print(f"## Linearity ({time.strftime('%Y-%m-%d %H:%M')}, code {commit}, repeat {args.repeat})\n")
    print(bench.table(["VPCs", "path", "CPU", "peak RSS", "CPU per VPC", "per VPC / smallest", "to json.load",
                       "exit"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
