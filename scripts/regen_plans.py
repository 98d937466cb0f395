#!/usr/bin/env python3
"""Regenerate (or check) the Terraform plan fixtures under fixtures/terraform/.

Each case directory holds a small Terraform root module, the `plan.json` that
`terraform show -json` printed for it, and a hand-written `expected.json`.

    python3 scripts/regen_plans.py                 # regenerate every case
    python3 scripts/regen_plans.py CASE [CASE...]  # regenerate the named cases
    python3 scripts/regen_plans.py --stale         # regenerate only stale/missing cases
    python3 scripts/regen_plans.py --check         # no terraform needed

Regeneration copies the case's files to a temporary directory and runs
`terraform init -plugin-dir=...`, `terraform plan -refresh=false` and
`terraform show -json` there with a temporary TF_DATA_DIR, so the only file
written into the case directory is `plan.json` (byte for byte what
`terraform show -json` printed).

`fixtures/terraform/PLAN_DIGESTS.json` records, per case, the terraform and
provider versions that produced the plan, a digest of the case's sources
(every *.tf, *.tfvars, *.tfvars.json below the case directory, plus those
versions) and the sha256 of plan.json. `--check` recomputes the source digest
with the recorded versions, without running terraform, and exits 1 naming
every case whose plan is missing, stale or edited by hand.

Python 3.11 standard library only.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = REPO_ROOT / "fixtures" / "terraform"
DIGEST_FILE_NAME = "PLAN_DIGESTS.json"
PLAN_FILE_NAME = "plan.json"
SOURCE_SUFFIXES = (".tf", ".tfvars", ".tfvars.json", ".tf.in")
# A case with a git_module/ directory calls a module from a git repository: the script makes the
# bare repository GIT_MODULES/<case>.git (tag v1) from git_module/*.tf.in, runs `terraform init`
# without TF_DATA_DIR, and keeps what init installed as <case>/.terraform/modules (modules.json
# and the module's files, without .git), the layout CI has when it plans.
GIT_MODULE_DIR = "git_module"
GIT_MODULES = Path("/tmp/pcxguard-git-modules")
# Files of a case that are outputs or oracles, never terraform inputs.
NOT_COPIED = {PLAN_FILE_NAME, "expected.json", ".terraform", ".terraform.lock.hcl"}
DEFAULT_PLUGIN_DIR = "/opt/tf-plugins"


# --------------------------------------------------------------------------
# Digests (no terraform needed)
# --------------------------------------------------------------------------

def list_cases(cases_dir: Path = CASES_DIR) -> list[str]:
    """Case names: the sub-directories of cases_dir that hold a *.tf file."""
    if not cases_dir.is_dir():
        return []
    return sorted(
        p.name for p in cases_dir.iterdir()
        if p.is_dir() and any(p.glob("*.tf"))
    )


def source_files(case_dir: Path) -> list[Path]:
    """Every terraform input below case_dir, sorted by relative POSIX path."""
    found = []
    for path in case_dir.rglob("*"):
        rel = path.relative_to(case_dir)
        if ".terraform" in rel.parts or not path.is_file():
            continue
        if path.name.endswith(SOURCE_SUFFIXES):
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(case_dir).as_posix())


def sources_digest(case_dir: Path, terraform_version: str, providers: dict[str, str]) -> str:
    """sha256 over the tool versions and every source file's path and bytes."""
    h = hashlib.sha256()
    h.update(f"terraform {terraform_version}\n".encode())
    for name in sorted(providers):
        h.update(f"provider {name} {providers[name]}\n".encode())
    for path in source_files(case_dir):
        rel = path.relative_to(case_dir).as_posix().encode()
        data = path.read_bytes()
        h.update(b"file %d:" % len(rel) + rel + b" %d:" % len(data) + data + b"\n")
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_digests(cases_dir: Path = CASES_DIR) -> dict:
    path = cases_dir / DIGEST_FILE_NAME
    if not path.exists():
        return {"cases": {}}
    return json.loads(path.read_text())


def write_digests(digests: dict, cases_dir: Path = CASES_DIR) -> None:
    digests["cases"] = dict(sorted(digests["cases"].items()))
    text = json.dumps(digests, indent=2, sort_keys=False) + "\n"
    (cases_dir / DIGEST_FILE_NAME).write_text(text)


def check(cases_dir: Path = CASES_DIR, only: list[str] | None = None) -> list[str]:
    """Return one line per problem; an empty list means every plan is fresh."""
    problems = []
    recorded = load_digests(cases_dir).get("cases", {})
    cases = only if only else list_cases(cases_dir)
    for case in cases:
        case_dir = cases_dir / case
        entry = recorded.get(case)
        plan = case_dir / PLAN_FILE_NAME
        if not plan.exists():
            problems.append(f"{case}: missing {PLAN_FILE_NAME}")
            continue
        if entry is None:
            problems.append(f"{case}: no entry in {DIGEST_FILE_NAME}")
            continue
        digest = sources_digest(case_dir, entry["terraform_version"], entry["providers"])
        if digest != entry["sources_sha256"]:
            problems.append(f"{case}: stale {PLAN_FILE_NAME} (sources changed since it was generated)")
        if file_sha256(plan) != entry["plan_sha256"]:
            problems.append(f"{case}: {PLAN_FILE_NAME} differs from the generated one (edited by hand?)")
    if not only:
        for case in sorted(set(recorded) - set(cases)):
            problems.append(f"{case}: recorded in {DIGEST_FILE_NAME} but no such case directory")
    return problems


# --------------------------------------------------------------------------
# Regeneration (needs terraform and the provider plugin directory)
# --------------------------------------------------------------------------

@dataclass
class PlanResult:
    case: str
    ok: bool
    entry: dict | None = None
    log: str = ""


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)


def regen_case(case_dir: Path, terraform: str, plugin_dir: str) -> PlanResult:
    case = case_dir.name
    with tempfile.TemporaryDirectory(prefix=f"pcxguard-plan-{case}-") as tmp:
        tmp_path = Path(tmp)
        work = tmp_path / "module"
        shutil.copytree(case_dir, work, ignore=lambda _d, names: [n for n in names if n in NOT_COPIED])
        cli_config = tmp_path / "empty.tfrc"
        cli_config.write_text("")
        env = dict(os.environ)
        env.update({
            "TF_DATA_DIR": str(tmp_path / "data"),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        })
        env.pop("TF_CLI_ARGS", None)
        git_module = case_dir / GIT_MODULE_DIR
        if git_module.is_dir():
            failure = _make_git_module(case, git_module, env)
            if failure:
                return PlanResult(case, False, log=failure)
            env.pop("TF_DATA_DIR")  # modules.json then says ".terraform/modules/...", as in CI
        plan_file = tmp_path / "plan.tfplan"
        steps = [
            [terraform, "init", "-input=false", "-no-color", f"-plugin-dir={plugin_dir}"],
            [terraform, "plan", "-refresh=false", "-input=false", "-lock=false", "-no-color",
             f"-out={plan_file}"],
        ]
        for cmd in steps:
            proc = _run(cmd, work, env)
            if proc.returncode != 0:
                return PlanResult(case, False, log=f"$ {' '.join(cmd)}\n"
                                  + proc.stdout.decode(errors="replace")
                                  + proc.stderr.decode(errors="replace"))
        show = _run([terraform, "show", "-json", str(plan_file)], work, env)
        if show.returncode != 0:
            return PlanResult(case, False, log=show.stderr.decode(errors="replace"))
        version = _run([terraform, "version", "-json"], work, env)
        info = json.loads(version.stdout)
        (case_dir / PLAN_FILE_NAME).write_bytes(show.stdout)
        if git_module.is_dir():
            installed = case_dir / ".terraform" / "modules"
            shutil.rmtree(case_dir / ".terraform", ignore_errors=True)
            shutil.copytree(work / ".terraform" / "modules", installed, ignore=shutil.ignore_patterns(".git"))
    tf_version = info["terraform_version"]
    providers = dict(sorted(info.get("provider_selections", {}).items()))
    entry = {
        "terraform_version": tf_version,
        "providers": providers,
        "sources_sha256": sources_digest(case_dir, tf_version, providers),
        "plan_sha256": file_sha256(case_dir / PLAN_FILE_NAME),
    }
    return PlanResult(case, True, entry=entry)


def _make_git_module(case: str, source: Path, env: dict[str, str]) -> str | None:
    """GIT_MODULES/<case>.git, a bare repository whose tag v1 holds source/*.tf.in as *.tf."""
    bare = GIT_MODULES / f"{case}.git"
    with tempfile.TemporaryDirectory(prefix=f"pcxguard-git-{case}-") as tmp:
        work = Path(tmp) / "module"
        work.mkdir()
        for path in sorted(source.glob("*.tf.in")):
            (work / path.name[: -len(".in")]).write_bytes(path.read_bytes())
        git = ["git", "-c", "user.name=pcxguard fixtures", "-c", "user.email=fixtures@pcxguard.invalid",
               "-c", "init.defaultBranch=main"]
        steps = [git + ["init", "-q"], git + ["add", "."], git + ["commit", "-q", "-m", "module"],
                 git + ["tag", "v1"]]
        for cmd in steps:
            proc = _run(cmd, work, env)
            if proc.returncode != 0:
                return f"$ {' '.join(cmd)}\n" + proc.stderr.decode(errors="replace")
        shutil.rmtree(bare, ignore_errors=True)
        GIT_MODULES.mkdir(parents=True, exist_ok=True)
        proc = _run(["git", "clone", "-q", "--bare", str(work), str(bare)], work, env)
        if proc.returncode != 0:
            return proc.stderr.decode(errors="replace")
    return None


def _fake_sts_for(cases: list[str], cases_dir: Path):
    """Start scripts/fake_sts.py when a case's providers point their STS endpoint at it (providers with
    assume_role or allowed_account_ids ask STS before terraform can plan; see that script)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import fake_sts

    marker = f"127.0.0.1:{fake_sts.PORT}"
    if not any(marker in p.read_text(errors="replace") for c in cases for p in (cases_dir / c).rglob("*.tf")):
        return None
    try:
        return fake_sts.start()
    except OSError:  # the port is taken: another regeneration's fake STS answers the same way
        return None


def _regen_all(cases: list[str], terraform: str, plugin_dir: str, jobs: int, cases_dir: Path,
               digests: dict, failed: list[str]) -> None:
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(regen_case, cases_dir / c, terraform, plugin_dir) for c in cases]
        for fut in concurrent.futures.as_completed(futures):
            res = fut.result()
            if res.ok:
                digests["cases"][res.case] = res.entry
                print(f"ok      {res.case}")
            else:
                failed.append(res.case)
                print(f"FAILED  {res.case}\n{res.log}", file=sys.stderr)


def regen(cases: list[str], terraform: str, plugin_dir: str, jobs: int,
          cases_dir: Path = CASES_DIR) -> int:
    digests = load_digests(cases_dir)
    digests.setdefault("cases", {})
    failed = []
    sts = _fake_sts_for(cases, cases_dir)
    try:
        _regen_all(cases, terraform, plugin_dir, jobs, cases_dir, digests, failed)
    finally:
        if sts is not None:
            sts.shutdown()
    existing = set(list_cases(cases_dir))
    for gone in set(digests["cases"]) - existing:
        del digests["cases"][gone]
    digests = {
        "comment": "Written by scripts/regen_plans.py; check with --check. "
                   "sources_sha256 covers the versions below plus every *.tf, *.tfvars, "
                   "*.tfvars.json of the case.",
        "cases": digests["cases"],
    }
    write_digests(digests, cases_dir)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help="case directory names (default: all)")
    parser.add_argument("--check", action="store_true",
                        help="verify plans are fresh without running terraform")
    parser.add_argument("--stale", action="store_true",
                        help="regenerate only the cases that --check reports")
    parser.add_argument("--terraform", default=os.environ.get("TERRAFORM", "terraform"))
    parser.add_argument("--plugin-dir", default=os.environ.get("TF_PLUGIN_DIR", DEFAULT_PLUGIN_DIR))
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args(argv)

    known = list_cases()
    unknown = [c for c in args.cases if c not in known]
    if unknown:
        parser.error(f"no such case: {', '.join(unknown)} (cases live in {CASES_DIR})")

    if args.check:
        problems = check(only=args.cases or None)
        for line in problems:
            print(line)
        if problems:
            print(f"{len(problems)} problem(s); fix with: python3 scripts/regen_plans.py --stale",
                  file=sys.stderr)
            return 1
        print(f"all {len(args.cases or known)} plan(s) fresh")
        return 0

    cases = args.cases or known
    if args.stale:
        flagged = {line.split(":")[0] for line in check(only=cases)}
        cases = [c for c in cases if c in flagged]
        if not cases:
            print("nothing stale")
            return 0
    return regen(cases, args.terraform, args.plugin_dir, args.jobs)


if __name__ == "__main__":
    sys.exit(main())
