#!/usr/bin/env python3
"""pcxguard benchmark: checkov with and without pcxguard, and pcxguard's own pass.

See benchmarks/README.md. Stdlib + the project only. Every measurement runs in a fresh
subprocess, so each peak-memory figure (ru_maxrss) belongs to that measurement alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import estate  # noqa: E402  (benchmarks/estate.py)

DEFAULT_CACHE = Path(os.environ.get("PCXGUARD_BENCH_CACHE", Path(tempfile.gettempdir()) / "pcxguard-bench"))
CHECKOV_SIZES = [50, 250, 500]  # VPCs; peerings = 2x, routes = 8x (minus the deliberately missing ones)
OWN_SIZES = [500, 1000, 2500, 5000, 10000]
TEMPLATE_VPCS = 50  # the real plan the large plans are scaled from (5 cells: one with the extra mistakes)
PLUGIN_DIR = os.environ.get("PCXGUARD_BENCH_PLUGIN_DIR", "/opt/tf-plugins")

# Runs a command and prints its wall time and peak RSS (the only child of this wrapper).
_WRAPPER = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    code = subprocess.call(sys.argv[3:], stdout=out, stderr=err)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": wall, "maxrss_kb": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime}))
"""

# In-process pcxguard measurement (run in a fresh interpreter per size and per mode).
_OWN = r"""
import gc, json, resource, sys, time
mode, path = sys.argv[1], sys.argv[2]
c0 = time.process_time()
t0 = time.perf_counter()
with open(path, encoding="utf-8") as handle:
    data = json.load(handle)
t1 = time.perf_counter()
result = {"json_load": t1 - t0, "json_cpu": time.process_time() - c0}
if mode == "pcxguard":
    from pcxguard.engine import analyse
    from pcxguard.loaders.terraform_plan import load_plan_data
    t1 = time.perf_counter()
    estate = load_plan_data(data, path)
    t2 = time.perf_counter()
    analysis = analyse(estate)
    t3 = time.perf_counter()
    verdicts = {}
    for finding in analysis.findings:
        key = f"{finding.check_id} {finding.verdict.name}"
        verdicts[key] = verdicts.get(key, 0) + 1
    result.update(model=t2 - t1, rules=t3 - t2, total=t3 - t0, cpu=time.process_time() - c0, findings=verdicts, problems=len(estate.problems),
                  vpcs=len(estate.vpcs), peerings=len(estate.peerings),
                  routes=sum(len(t.routes) for t in estate.route_tables.values()))
result["resources"] = len(data.get("resource_changes") or [])
result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(result))
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def python() -> str:
    return sys.executable


def env_with_src() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def measured(cmd: list[str], out: Path, err: Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> dict:
    """Run ``cmd`` under the wrapper: wall seconds, CPU seconds and peak RSS of the child."""
    result = subprocess.run([python(), "-c", _WRAPPER, str(out), str(err), *cmd], env=env, cwd=cwd,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- plans

def terraform() -> str:
    found = shutil.which("terraform")
    if not found:
        sys.exit("terraform is not on PATH (terraform 1.11 and the aws provider in "
                 f"{PLUGIN_DIR} are needed to generate plans)")
    return found


def real_plan(vpcs: int, cache: Path) -> tuple[Path, dict]:
    """Generate the .tf for ``vpcs`` VPCs and plan it with terraform (cached by size)."""
    work = cache / f"tf-{vpcs}"
    plan_json = work / "plan.json"
    timing_file = work / "terraform-times.json"
    if plan_json.exists() and timing_file.exists():
        return plan_json, json.loads(timing_file.read_text())
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    estate.write_configuration(work, vpcs)
    tf = terraform()
    times = {}
    for step, cmd in (
        ("init", [tf, "init", f"-plugin-dir={PLUGIN_DIR}", "-input=false", "-no-color"]),
        ("plan", [tf, "plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.tfplan"]),
    ):
        log(f"  terraform {step} ({vpcs} VPCs)...")
        res = measured(cmd, work / f"{step}.log", work / f"{step}.err", cwd=work)
        if res["code"] != 0:
            sys.exit(f"terraform {step} failed; see {work}/{step}.log and {step}.err")
        times[step] = res
    log(f"  terraform show -json ({vpcs} VPCs)...")
    res = measured([tf, "show", "-json", "plan.tfplan"], plan_json, work / "show.err", cwd=work)
    if res["code"] != 0:
        sys.exit(f"terraform show failed; see {work}/show.err")
    times["show"] = res
    timing_file.write_text(json.dumps(times))
    return plan_json, times


def scaled_plan(vpcs: int, cache: Path) -> Path:
    """A plan of ``vpcs`` VPCs made by replicating the cells of the real template plan."""
    path = cache / f"scaled-{vpcs}.json"
    if path.exists():
        return path
    template_path, _ = real_plan(TEMPLATE_VPCS, cache)
    log(f"  scaling the {TEMPLATE_VPCS}-VPC plan to {vpcs} VPCs...")
    with open(template_path, encoding="utf-8") as handle:
        template = json.load(handle)
    plan = estate.scale_plan(template, vpcs)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(plan, handle, separators=(",", ":"))  # terraform show -json writes one compact line
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------- measurements

def checkov_bin() -> str:
    candidate = Path(sys.executable).with_name("checkov")
    return str(candidate) if candidate.exists() else (shutil.which("checkov") or sys.exit("checkov not found"))


_NOOP_CHECK = """from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class Noop(BaseResourceCheck):
    def __init__(self):
        super().__init__(name="no-op {number}", id="CKV2_NOOP_{number}", categories=[CheckCategories.NETWORKING],
                         supported_resources={types!r})

    def scan_resource_conf(self, conf):
        return CheckResult.PASSED


check = Noop()
"""


def noop_checks(cache: Path) -> Path:
    """One check per pcxguard check, on the same resource types, that returns PASSED at once: what
    checkov itself spends on any 15 checks of these types (its per-check bookkeeping)."""
    sys.path.insert(0, str(REPO / "src"))
    from pcxguard.catalogue import catalogue

    directory = cache / "noop-checks"
    directory.mkdir(exist_ok=True)
    (directory / "__init__.py").write_text("")  # checkov loads a checks folder only with one
    for check_id, entry in catalogue().items():
        number = check_id.rsplit("_", 1)[1]
        (directory / f"noop_{number}.py").write_text(
            _NOOP_CHECK.format(number=number, types=list(entry.terraform_types)))
    return directory


def run_checkov(plan: Path, variant: str, cache: Path) -> dict:
    """variant: "alone", "with" (pcxguard's checks) or "noop" (15 no-op checks on the same types)."""
    out = cache / f"checkov-{plan.parent.name}-{variant}.json"
    cmd = [checkov_bin(), "-f", str(plan), "--framework", "terraform_plan", "--skip-download", "--quiet",
           "-o", "json"]
    if variant == "with":
        cmd += ["--external-checks-dir", str(REPO / "checks")]
    elif variant == "noop":
        cmd += ["--external-checks-dir", str(noop_checks(cache))]
    res = measured(cmd, out, out.with_suffix(".err"), env=env_with_src(), cwd=cache)
    if res["code"] not in (0, 1):
        sys.exit(f"checkov failed (exit {res['code']}); see {out.with_suffix('.err')}")
    results: dict[str, int] = {}
    try:
        report = json.loads(out.read_text())
        for item in report if isinstance(report, list) else [report]:
            for verdict in ("failed_checks", "passed_checks"):
                for check in item.get("results", {}).get(verdict, []):
                    family = "CKV2_PCX" if check["check_id"].startswith("CKV2_PCX") else "checkov"
                    key = f"{family} {verdict.split('_')[0]}"
                    results[key] = results.get(key, 0) + 1
    except (OSError, ValueError, AttributeError) as error:
        results["unreadable report"] = str(error)  # type: ignore[assignment]
    res["results"] = results
    return res


def own_pass(plan: Path, mode: str) -> dict:
    result = subprocess.run([python(), "-c", _OWN, mode, str(plan)], env=env_with_src(), capture_output=True,
                            text=True)
    if result.returncode != 0:
        sys.exit(f"pcxguard measurement failed on {plan}:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def scan_available() -> bool:
    result = subprocess.run([python(), "-m", "pcxguard.cli", "--help"], env=env_with_src(), capture_output=True,
                            text=True)
    return " scan" in result.stdout or "{scan" in result.stdout or ",scan" in result.stdout


def mb(kb: float) -> str:
    return f"{kb / 1024:,.0f} MB"


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def shape(vpcs: int) -> str:
    return f"{vpcs:,} / {2 * vpcs:,} / {8 * vpcs:,}"


# --------------------------------------------------------------------------- sections

def section_checkov(sizes: list[int], cache: Path, repeat: int) -> str:
    rows, tf_rows = [], []
    for vpcs in sizes:
        plan, tf_times = real_plan(vpcs, cache)
        resources = own_pass(plan, "json")["resources"]
        tf_rows.append([shape(vpcs), f"{resources:,}", f"{tf_times['init']['wall']:.1f} s",
                        f"{tf_times['plan']['wall']:.1f} s, {mb(tf_times['plan']['maxrss_kb'])}",
                        f"{tf_times['show']['wall']:.1f} s", f"{plan.stat().st_size / 1e6:.1f} MB"])
        best: dict[str, dict] = {}
        for attempt in range(repeat):
            for variant in ("alone", "with", "noop"):  # interleaved so drift hits all alike
                log(f"  checkov {variant}, {vpcs} VPCs (run {attempt + 1})...")
                res = run_checkov(plan, variant, cache)
                if variant not in best or res["cpu"] < best[variant]["cpu"]:
                    best[variant] = res
        alone, with_, noop = best["alone"], best["with"], best["noop"]
        cpu_overhead = (with_["cpu"] - alone["cpu"]) / alone["cpu"] * 100
        floor = (noop["cpu"] - alone["cpu"]) / alone["cpu"] * 100
        pcx = with_["results"]
        rows.append([shape(vpcs), f"{resources:,}", f"{alone['cpu']:.1f} s ({alone['wall']:.1f} s wall)",
                     mb(alone["maxrss_kb"]), f"{with_['cpu']:.1f} s ({with_['wall']:.1f} s wall)",
                     mb(with_["maxrss_kb"]), f"{noop['cpu']:.1f} s ({noop['wall']:.1f} s wall)",
                     f"{cpu_overhead:+.1f} %", f"{floor:+.1f} %", f"{cpu_overhead - floor:+.1f} %",
                     f"{pcx.get('CKV2_PCX failed', 0):,} failed / {pcx.get('CKV2_PCX passed', 0):,} passed"])
        log(f"    -> CPU alone {alone['cpu']:.1f} s, with pcxguard {with_['cpu']:.1f} s ({cpu_overhead:+.1f} %), "
            f"with 15 no-op checks {noop['cpu']:.1f} s ({floor:+.1f} %)")
    return ("## 1. checkov on the plan, without and with pcxguard's checks\n\n"
            f"CPU time (user + sys) of the checkov process, best of {repeat} run(s) each. Overhead target: at "
            "most +5 %. The no-op column runs 15 checks on pcxguard's resource types that return PASSED at once: "
            "what checkov itself spends on any 15 checks there (its per-check bookkeeping), so the last overhead "
            "column is pcxguard's own work.\n\n"
            + table(["VPCs / peerings / routes", "resources", "checkov alone", "peak RSS", "checkov + pcxguard",
                     "peak RSS", "checkov + 15 no-op checks", "overhead of pcxguard", "overhead of 15 no-op checks",
                     "pcxguard above the no-op floor", "pcxguard results"], rows)
            + "\n\nTerraform (informational; cached plans are reused, so these are from the run that made them):\n\n"
            + table(["VPCs / peerings / routes", "resources", "init", "plan (wall, peak RSS)", "show -json",
                     "plan JSON"], tf_rows) + "\n")


def section_own(sizes: list[int], cache: Path, repeat: int) -> str:
    rows = []
    per_resource = []
    for vpcs in sizes:
        plan = scaled_plan(vpcs, cache)
        log(f"  pcxguard pass, {vpcs} VPCs...")
        base = min((own_pass(plan, "json") for _ in range(repeat)), key=lambda r: r["json_load"])
        own = min((own_pass(plan, "pcxguard") for _ in range(repeat)), key=lambda r: r["total"])
        ratio = own["total"] / base["json_load"]
        cpu_ratio = own["cpu"] / base["json_cpu"]
        us = own["total"] / base["resources"] * 1e6
        per_resource.append(us)
        findings = own["findings"]
        failed = sum(v for k, v in findings.items() if k.endswith("FAILED"))
        unknown = sum(v for k, v in findings.items() if k.endswith("UNKNOWN"))
        rows.append([shape(vpcs), f"{base['resources']:,}", f"{plan.stat().st_size / 1e6:,.0f} MB",
                     f"{base['json_load']:.2f} s, {mb(base['maxrss_kb'])}",
                     f"{own['total']:.2f} s ({own['json_load']:.2f} + {own['model']:.2f} + {own['rules']:.2f})",
                     f"{ratio:.2f}x ({cpu_ratio:.2f}x CPU)", mb(own["maxrss_kb"]), f"{us:.0f} us",
                     f"{sum(findings.values()):,} ({failed:,} failed, {unknown:,} unknown)"])
        log(f"    -> json.load {base['json_load']:.2f} s, pcxguard {own['total']:.2f} s ({ratio:.2f}x)")
    spread = max(per_resource) / min(per_resource) if per_resource else 0
    return ("## 2. pcxguard's own pass (load + model + rules, in-process)\n\n"
            "Each figure is from a fresh interpreter (best of "
            f"{repeat}). pcxguard = json.load + loader/model + rules; target: a few times json.load, linear.\n\n"
            + table(["VPCs / peerings / routes", "resources", "plan JSON", "json.load alone (time, peak RSS)",
                     "pcxguard (json + model + rules)", "ratio to json.load", "pcxguard peak RSS",
                     "time per resource", "findings"], rows)
            + f"\n\nLinearity: time per resource ranges {min(per_resource):.0f}-{max(per_resource):.0f} us "
              f"(max/min {spread:.2f}) from the smallest to the largest estate.\n")


def section_scan(vpcs: int, cache: Path, repeat: int = 1) -> str:
    head = "## 3. `pcxguard scan` vs a bare `json.load`\n\n"
    if not scan_available():
        return head + "Skipped: this checkout's `pcxguard` has no `scan` subcommand.\n"
    plan = scaled_plan(vpcs, cache)
    bare_runs, scan_runs = [], []
    for attempt in range(repeat):  # interleaved so drift hits both alike
        log(f"  bare json.load and pcxguard scan, {vpcs} VPCs (run {attempt + 1})...")
        bare_runs.append(measured([python(), "-c", "import json, sys; json.load(open(sys.argv[1]))", str(plan)],
                                  cache / "bare.out", cache / "bare.err"))
        scan_runs.append(measured([python(), "-m", "pcxguard.cli", "scan", str(plan)], cache / "scan.out",
                                  cache / "scan.err", env=env_with_src()))
    bare = min(bare_runs, key=lambda r: r["wall"])
    scan = min(scan_runs, key=lambda r: r["wall"])
    return (head + f"Whole processes, interpreter start included; best of {repeat} run(s) each. Target: at most 5x.\n\n"
            + table(["plan", "bare json.load", "pcxguard scan (text report)", "ratio (wall)", "ratio (CPU)"], [[
                f"{shape(vpcs)} ({plan.stat().st_size / 1e6:.0f} MB)",
                f"{bare['wall']:.2f} s ({bare['cpu']:.2f} s CPU), {mb(bare['maxrss_kb'])}",
                f"{scan['wall']:.2f} s ({scan['cpu']:.2f} s CPU), {mb(scan['maxrss_kb'])} (exit {scan['code']})",
                f"{scan['wall'] / bare['wall']:.2f}x", f"{scan['cpu'] / bare['cpu']:.2f}x",
            ]]) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smallest sizes only (50 VPCs for checkov, 500 for "
                                                             "pcxguard's own pass)")
    parser.add_argument("--checkov-sizes", type=lambda s: [int(x) for x in s.split(",")], default=CHECKOV_SIZES,
                        help="VPC counts for the checkov comparison (default %(default)s)")
    parser.add_argument("--own-sizes", type=lambda s: [int(x) for x in s.split(",")], default=OWN_SIZES,
                        help="VPC counts for pcxguard's own pass (default %(default)s)")
    parser.add_argument("--scan-size", type=int, default=750, help="VPCs for the scan comparison (default 750, "
                                                                      "about 14,000 resources)")
    parser.add_argument("--only", choices=("checkov", "own", "scan"), action="append",
                        help="run only these sections (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the best is reported")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where plans are cached (default %(default)s)")
    args = parser.parse_args(argv)
    if args.quick:
        args.checkov_sizes, args.own_sizes, args.scan_size = args.checkov_sizes[:1], args.own_sizes[:1], 50
    args.cache.mkdir(parents=True, exist_ok=True)
    # Measure pcxguard as installed: pip byte-compiles a wheel (and checkov, netaddr... are compiled in
    # site-packages), but a checkout run with PYTHONDONTWRITEBYTECODE=1 would recompile pcxguard's ~40
    # modules in every process (~0.06 s). compileall writes the .pyc files whatever that variable says.
    subprocess.run([python(), "-m", "compileall", "-q", str(REPO / "src"), str(REPO / "checks")], check=True)
    sections = args.only or ["checkov", "own", "scan"]
    print(f"# pcxguard benchmark ({time.strftime('%Y-%m-%d')}, {platform.node()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()})\n", flush=True)
    if "checkov" in sections:
        print(section_checkov(args.checkov_sizes, args.cache, args.repeat), flush=True)
    if "own" in sections:
        print(section_own(args.own_sizes, args.cache, args.repeat), flush=True)
    if "scan" in sections:
        print(section_scan(args.scan_size, args.cache, args.repeat), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
