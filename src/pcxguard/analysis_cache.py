"""Build each scanned input's model and findings once, however many checks ask.

checkov calls every check on every resource; each call looks its findings up
here. Entries are keyed by the file's path, size and modification time, so a
run over many plans keeps their models apart and an edited file is re-read.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Callable

from pcxguard.engine import Analysis, analyse
from pcxguard.model import Estate
from pcxguard.settings import Settings

_CACHE: OrderedDict[tuple, Analysis] = OrderedDict()
_LIMIT = 16


def cached_analysis(key: tuple, load: Callable[[], Estate], settings: Settings) -> Analysis:
    full_key = key + (settings,)
    found = _CACHE.get(full_key)
    if found is not None:
        _CACHE.move_to_end(full_key)
        return found
    analysis = analyse(load(), settings)
    _CACHE[full_key] = analysis
    while len(_CACHE) > _LIMIT:
        _CACHE.popitem(last=False)
    return analysis


def file_key(path: str) -> tuple:
    try:
        stat = os.stat(path)
        return ("file", os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
    except OSError:
        return ("file", os.path.abspath(path), None, None)


def terraform_root_key(directory: str) -> tuple:
    """A root module directory and the size/mtime of its .tf/.tfvars files (not of the modules it calls)."""
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith((".tf", ".tfvars", ".tfvars.json")))
    except OSError:
        names = []
    stamps = tuple(file_key(os.path.join(directory, n))[1:] for n in names)
    return ("terraform_root", os.path.abspath(directory), stamps)


def clear() -> None:
    _CACHE.clear()


def configured_analysis(path: str, load: Callable[[], Estate], key: tuple | None = None) -> Analysis:
    """The analysis of the input at ``path`` under the configuration found for it.

    load the estate -> merge the configuration's inventory -> analyse. The key
    includes the configuration's content digest, so editing ``.pcxguard.yaml``
    (settings or inventory) gives a new analysis. Raises ConfigError.
    """
    from pcxguard.config import config_for
    from pcxguard.inventory import merge_inventory

    config = config_for(path)
    return cached_analysis((key or file_key(path)) + (("config", config.digest),),
                           lambda: merge_inventory(load(), config), config.settings)
