#!/usr/bin/env python3
"""The paths CI really takes (issue 14): ``pcxguard scan`` of a plan alone, of a plan with its ``.tf``
beside it and of raw ``.tf``, in several formats; and checkov alone / with pcxguard / with 15 no-op
checks, on a plan alone, a plan with its ``.tf`` beside it and raw ``.tf``, for the peering-only estate
(``estate.py``) and the realistic mixed estate (``mixed_estate.py``, ~15 % peering resources).

    /work/main/.venv/bin/python benchmarks/ci_paths.py --scan-vpcs 1000 --checkov-vpcs 100 --mixed-vpcs 30 --repeat 3

Every figure is the CPU time (user + sys) of the whole process tree, the minimum of ``--repeat``
interleaved runs (the machine is shared; the minimum is the least disturbed run), with peak RSS.
``--checkout DIR`` measures another checkout's ``src`` and ``checks`` (a "before" run). Plans:
the peering estate's is ``bench.py``'s real 50-VPC terraform plan scaled (``bench.scaled_plan``; real
for 50), the mixed estate's is planned by terraform (cached in ``--cache``). Markdown on stdout.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench
import estate
import mixed_estate

MODES = ("plan alone", "plan + .tf beside", "raw .tf")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _layout(work: Path, plan: Path, write_tf) -> dict[str, Path]:
    """alone/plan.json, beside/{plan.json + .tf}, tf/{.tf only} under ``work``."""
    paths = {"alone": work / "alone" / "plan.json", "beside": work / "beside" / "plan.json", "tf": work / "tf"}
    for name in ("alone", "beside"):
        target = paths[name]
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(plan, target)
    for directory in (work / "beside", work / "tf"):
        if not (directory / "main.tf").exists():
            directory.mkdir(parents=True, exist_ok=True)
            write_tf(directory)
    return paths


def peering_layout(vpcs: int, cache: Path) -> dict[str, Path]:
    plan = bench.real_plan(vpcs, cache)[0] if vpcs == bench.TEMPLATE_VPCS else bench.scaled_plan(vpcs, cache)
    return _layout(cache / f"paths-peering-{vpcs}", plan, lambda d: estate.write_configuration(d, vpcs))


def mixed_layout(vpcs: int, cache: Path) -> dict[str, Path]:
    work = cache / f"mixed-{vpcs}"
    plan = work / "plan.json"
    if not plan.exists():
        work.mkdir(parents=True, exist_ok=True)
        mixed_estate.write_configuration(work, vpcs)
        tf = bench.terraform()
        for step, cmd in (("init", [tf, "init", f"-plugin-dir={bench.PLUGIN_DIR}", "-input=false", "-no-color"]),
                          ("plan", [tf, "plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.tfplan"])):
            log(f"  terraform {step} (mixed, {vpcs} VPCs)...")
            if bench.measured(cmd, work / f"{step}.log", work / f"{step}.err", cwd=work)["code"] != 0:
                sys.exit(f"terraform {step} failed; see {work}")
        if bench.measured([tf, "show", "-json", "plan.tfplan"], plan, work / "show.err", cwd=work)["code"] != 0:
            sys.exit(f"terraform show failed; see {work}")
    return _layout(cache / f"paths-mixed-{vpcs}", plan, lambda d: mixed_estate.write_configuration(d, vpcs))


def env_for(checkout: Path) -> dict[str, str]:
    env = bench.env_with_src()
    env["PYTHONPATH"] = str(checkout / "src")
    return env


def best(runs: dict[str, list[dict]]) -> dict[str, dict]:
    return {name: min(results, key=lambda r: r["cpu"]) for name, results in runs.items()}


def interleaved(commands: dict[str, tuple[list[str], dict | None]], repeat: int, out: Path) -> dict[str, dict]:
    runs: dict[str, list[dict]] = {name: [] for name in commands}
    for attempt in range(repeat):
        for name, (cmd, env) in commands.items():
            log(f"  {name} (run {attempt + 1})...")
            slug = "".join(c if c.isalnum() else "_" for c in name)
            timing = out / f"{slug}.timing"
            for old in out.glob(f"{slug}.timing.*"):
                old.unlink()
            if env is not None and "PCXGUARD_TIMING" in env:
                env = dict(env, PCXGUARD_TIMING=str(timing))
            res = bench.measured(cmd, out / f"{slug}.out", out / f"{slug}.err", env=env)
            res["stdout_bytes"] = (out / f"{slug}.out").stat().st_size
            totals = [json.loads(f.read_text()) for f in out.glob(f"{slug}.timing.*")]
            if totals:
                res["own_cpu"] = sum(t["cpu"] for t in totals)
                res["own_calls"] = sum(t["calls"] for t in totals)
            runs[name].append(res)
    found = best(runs)
    for name, results in runs.items():  # pcxguard's own time: the least disturbed of its runs
        own = [r["own_cpu"] for r in results if "own_cpu" in r]
        if own:
            found[name]["own_cpu"] = min(own)
    return found


def section_scan(vpcs: int, cache: Path, repeat: int, checkout: Path, raw_vpcs: int | None = None,
                 before: Path | None = None) -> str:
    paths = peering_layout(vpcs, cache)
    raw = paths["tf"] if raw_vpcs in (None, vpcs) else peering_layout(raw_vpcs, cache)["tf"]
    env = env_for(checkout)
    py = bench.python()
    scan = [py, "-m", "pcxguard.cli", "scan"]
    commands = {
        "bare json.load": ([py, "-c", "import json, sys; json.load(open(sys.argv[1]))", str(paths["alone"])], None),
        "plan alone, text": (scan + [str(paths["alone"])], env),
        "plan alone, json": (scan + ["--format", "json", str(paths["alone"])], env),
        "plan alone, sarif": (scan + ["--format", "sarif", str(paths["alone"])], env),
        "plan + .tf beside, text": (scan + [str(paths["beside"])], env),
        "plan + .tf beside, json": (scan + ["--format", "json", str(paths["beside"])], env),
    }
    if raw_vpcs != 0:
        commands[f"raw .tf, text ({raw_vpcs or vpcs:,} VPCs)"] = (scan + [str(raw)], env)
    if before is not None:  # the same commands on another checkout, interleaved with these
        commands.update({f"{name} [before]": (cmd, env_for(before))
                         for name, (cmd, env_) in list(commands.items()) if env_ is not None})
    out = cache / "paths-out"
    out.mkdir(exist_ok=True)
    results = interleaved(commands, repeat, out)
    bare = results["bare json.load"]
    rows = []
    for name, res in results.items():
        ratio = "" if name == "bare json.load" else f"{res['cpu'] / bare['cpu']:.2f}x"
        rows.append([name, f"{res['cpu']:.2f} s", f"{res['wall']:.2f} s", bench.mb(res["maxrss_kb"]),
                     f"{res['stdout_bytes'] / 1e6:.1f} MB", str(res["code"]), ratio])
    size = paths["alone"].stat().st_size / 1e6
    return (f"### `pcxguard scan`, peering estate of {vpcs:,} VPCs ({size:.0f} MB plan)\n\n"
            f"CPU of the whole process tree, minimum of {repeat} interleaved run(s); ratio to the bare `json.load` "
            "process. Target: at most 5x for a plan in every format, alone or with its source.\n\n"
            + bench.table(["path", "CPU", "wall", "peak RSS", "report", "exit", "ratio to json.load"], rows) + "\n")


def section_checkov(label: str, paths: dict[str, Path], cache: Path, repeat: int, checkout: Path,
                    before: Path | None = None) -> str:
    env = env_for(checkout)
    base = [bench.checkov_bin(), "--skip-download", "--quiet", "-o", "json"]
    targets = {"plan alone": ["-f", str(paths["alone"]), "--framework", "terraform_plan"],
               "plan + .tf beside": ["-f", str(paths["beside"]), "--framework", "terraform_plan"],
               "raw .tf": ["-d", str(paths["tf"]), "--framework", "terraform"]}
    extra = {"alone": [], "pcxguard": ["--external-checks-dir", str(checkout / "checks")],
             "no-op": ["--external-checks-dir", str(bench.noop_checks(cache))]}
    timed = dict(env, PCXGUARD_TIMING="")  # pcxguard times its own calls (pcxguard/timing.py)
    commands = {f"{mode} | {variant}": (base + target + more, timed if variant == "pcxguard" else env)
                for mode, target in targets.items() for variant, more in extra.items()}
    if before is not None:  # pcxguard of another checkout, interleaved with these
        earlier = dict(env_for(before), PCXGUARD_TIMING="")
        commands.update({f"{mode} | pcxguard [before]": (base + target + ["--external-checks-dir",
                                                                          str(before / "checks")], earlier)
                         for mode, target in targets.items()})
    out = cache / "paths-out"
    out.mkdir(exist_ok=True)
    results = interleaved(commands, repeat, out)
    rows = []
    for mode in MODES:
        alone, pcx, noop = (results[f"{mode} | {v}"] for v in ("alone", "pcxguard", "no-op"))
        over = (pcx["cpu"] - alone["cpu"]) / alone["cpu"] * 100
        floor = (noop["cpu"] - alone["cpu"]) / alone["cpu"] * 100
        own = pcx.get("own_cpu")
        own_text = f"{own:.2f} s ({own / alone['cpu'] * 100:.1f} %)" if own is not None else "n/a"
        rows.append([mode, f"{alone['cpu']:.1f} s", f"{pcx['cpu']:.1f} s", f"{noop['cpu']:.1f} s",
                     f"{over:+.1f} %", f"{floor:+.1f} %", f"{over - floor:+.1f} %", own_text,
                     f"{bench.mb(alone['maxrss_kb'])} / {bench.mb(pcx['maxrss_kb'])}",
                     f"{alone['code']}/{pcx['code']}/{noop['code']}"])
        earlier = results.get(f"{mode} | pcxguard [before]")
        if earlier is not None:
            own = earlier.get("own_cpu")
            over = (earlier["cpu"] - alone["cpu"]) / alone["cpu"] * 100
            rows.append([f"{mode} [before]", "", f"{earlier['cpu']:.1f} s", "", f"{over:+.1f} %", "",
                         f"{over - floor:+.1f} %",
                         f"{own:.2f} s ({own / alone['cpu'] * 100:.1f} %)" if own is not None else "n/a",
                         bench.mb(earlier["maxrss_kb"]), str(earlier["code"])])
    return (f"### checkov, {label}\n\n"
            f"CPU of the checkov process tree, minimum of {repeat} interleaved run(s). Targets: pcxguard above the "
            "no-op floor at most 2 % of checkov alone; on the realistic estate at most +3 % over checkov alone. "
            "pcxguard's own time: every call checkov makes into a pcxguard check, timed in-process "
            "(`PCXGUARD_TIMING`, the Terraform evaluator's child included; the least of the runs): what pcxguard "
            "adds above checkov's per-check bookkeeping, without the run-to-run noise of checkov's own time.\n\n"
            + bench.table(["mode", "checkov alone", "+ pcxguard", "+ 15 no-op checks", "pcxguard over alone",
                           "no-op floor", "pcxguard above the floor",
                           "pcxguard's own time in checkov (share of checkov alone)", "peak RSS alone / + pcxguard",
                           "exit codes"],
                          rows) + "\n")


def resources_in(plan: Path) -> int:
    with open(plan, encoding="utf-8") as handle:
        return len(json.load(handle).get("resource_changes") or [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scan-vpcs", type=int, default=1000, help="peering estate for pcxguard scan (0: skip)")
    parser.add_argument("--raw-scan-vpcs", type=int, default=None,
                        help="peering estate for pcxguard scan of raw .tf (default: --scan-vpcs; 0: skip)")
    parser.add_argument("--checkov-vpcs", type=int, default=100, help="peering estate under checkov (0: skip)")
    parser.add_argument("--mixed-vpcs", type=int, default=30, help="realistic mixed estate under checkov (0: skip)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=bench.DEFAULT_CACHE)
    parser.add_argument("--checkout", type=Path, default=bench.REPO,
                        help="the checkout whose src/ and checks/ are measured (default: this one)")
    parser.add_argument("--before", type=Path, default=None,
                        help="another checkout (an export of the commit before a change) measured in the same runs, "
                             "interleaved: its rows are marked [before]")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    checkout = args.checkout.resolve()
    before = args.before.resolve() if args.before is not None else None
    for tree in (checkout, before):
        if tree is not None:
            subprocess.run([bench.python(), "-m", "compileall", "-q", str(tree / "src"), str(tree / "checks")],
                           check=True)
    commit = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, check=False,
                            text=True).stdout.strip() or str(checkout)
    print(f"## CI paths ({time.strftime('%Y-%m-%d %H:%M')}, code {commit}, repeat {args.repeat})\n", flush=True)
    if args.scan_vpcs:
        print(section_scan(args.scan_vpcs, args.cache, args.repeat, checkout, args.raw_scan_vpcs, before), flush=True)
    if args.checkov_vpcs:
        paths = peering_layout(args.checkov_vpcs, args.cache)
        label = f"peering-only estate, {args.checkov_vpcs} VPCs ({resources_in(paths['alone']):,} resources)"
        print(section_checkov(label, paths, args.cache, args.repeat, checkout, before), flush=True)
    if args.mixed_vpcs:
        paths = mixed_layout(args.mixed_vpcs, args.cache)
        share = mixed_estate.peering_share()
        label = (f"realistic mixed estate, {args.mixed_vpcs} VPCs ({resources_in(paths['alone']):,} resources, "
                 f"{share:.0%} of them peering/network)")
        print(section_checkov(label, paths, args.cache, args.repeat, checkout, before), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
