"""Benchmark ``pcxguard path``: one query and 100 queries on the 1,000-VPC estate, model built once.

    /work/main/.venv/bin/python benchmarks/path_bench.py [--vpcs 1000] [--queries 100] [--cache DIR]

Uses ``bench.py``'s plans (the real 50-VPC terraform plan scaled to ``--vpcs``, cached in the cache
directory). Loads the plan once (timed apart), then asks one query, then ``--queries`` queries over
pairs of instances and pairs of subnets (each to a ring neighbour at distance 1 to 3 in the sorted
list, mostly peered, or to one anywhere in the estate, mostly not), all in one process, and prints a markdown table with
the verdict counts. Every query runs the whole forward and return path.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import bench

from pcxguard.loaders.terraform_plan import load_plan
from pcxguard.reachability import Query, analyse_path


def queries(hosts: list[str], subnets: list[str], count: int, seed: int = 16) -> list[Query]:
    """Half between instances (security groups included), half between subnets (the network alone)."""
    rnd = random.Random(seed)
    found: list[Query] = []
    for index in range(count):
        names = hosts if index % 4 < 2 else subnets
        source = names[rnd.randrange(len(names))]
        if index % 2 == 0:  # a peered neighbour in the same cell
            position = names.index(source)
            destination = names[(position + 1 + index % 3) % len(names)]
        else:  # anywhere
            destination = names[rnd.randrange(len(names))]
        found.append(Query(source, destination, rnd.choice([22, 443, 5432]), "tcp"))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vpcs", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--cache", type=Path, default=bench.DEFAULT_CACHE)
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    plan = bench.scaled_plan(args.vpcs, args.cache) if args.vpcs != bench.TEMPLATE_VPCS else \
        bench.real_plan(args.vpcs, args.cache)[0]
    started = time.perf_counter()
    estate = load_plan(str(plan))
    load = time.perf_counter() - started
    hosts = sorted(k for k in estate.hosts if ".aws_instance." in k or k.startswith("aws_instance."))
    subnets = sorted(k for k in estate.subnets if k.endswith("_a"))
    asked = queries(hosts, subnets, args.queries)
    started = time.perf_counter()
    first = analyse_path(estate, asked[0])
    one = time.perf_counter() - started
    started = time.perf_counter()
    results = [analyse_path(estate, q) for q in asked]
    many = time.perf_counter() - started
    verdicts = Counter(r.verdict.value for r in results)
    resources = sum(1 for _ in estate.all_sources())
    print(f"Plan: {plan} ({os.path.getsize(plan) / 1e6:.1f} MB), {len(estate.vpcs)} VPCs, {len(hosts)} instances, "
          f"{resources} model elements.\n")
    print("| measure | time |")
    print("|---|---|")
    print(f"| build the model once (`load_plan`) | {load:.2f} s |")
    print(f"| first query ({asked[0].source} -> {asked[0].destination}, {first.verdict.value}) | {one * 1000:.1f} ms |")
    print(f"| {len(asked)} queries, same model | {many:.2f} s ({many / len(asked) * 1000:.1f} ms per query) |")
    print(f"\nVerdicts of the {len(asked)} queries: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
