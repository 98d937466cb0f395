"""pcxguard's own time inside checkov, for the benchmarks (``PCXGUARD_TIMING=FILE``).

checkov's CPU time moves by several per cent from run to run on a shared machine, more than what
pcxguard adds; so ``benchmarks/ci_paths.py`` also asks pcxguard to time itself. With the variable
set, every call checkov makes into a pcxguard check (model build, rules, the answer) is timed: CPU of
this process plus that of the children it waited for (the Terraform evaluator), and the totals are
written as JSON to ``FILE.<pid>`` (checkov may run its runners in forked processes, which do not
run exit handlers: the totals are also written after the first call and every 500th). Without the
variable nothing is installed.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import time
from typing import Any

_TOTAL = {"cpu": 0.0, "calls": 0}


def _now() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def install(check_class: Any) -> None:
    """Time ``check_class.run`` when ``PCXGUARD_TIMING`` names a file."""
    target = os.environ.get("PCXGUARD_TIMING")
    if not target or getattr(check_class, "_pcxguard_timed", False):
        return
    inner = check_class.run

    def write() -> None:
        with open(f"{target}.{os.getpid()}", "w", encoding="utf-8") as handle:
            json.dump(_TOTAL, handle)

    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = _now()
        try:
            return inner(self, *args, **kwargs)
        finally:
            _TOTAL["cpu"] += _now() - start
            _TOTAL["calls"] += 1
            if _TOTAL["calls"] % 500 == 1:
                write()

    check_class.run = run
    check_class._pcxguard_timed = True
    atexit.register(write)
