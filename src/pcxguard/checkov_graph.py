"""Which root module a resource checkov hands a check belongs to (raw Terraform scans).

Design choice: pcxguard does not build its model from checkov's graph. It
finds, for the ``conf`` checkov passes, the graph vertex holding that very
dict, reads from it the root module directory the resource was instantiated
from, and runs ``load_terraform_dir``'s per-root loader on that directory once
(cached in ``analysis_cache``). Plan mode and source mode thus share one
loader contract (``EstateBuilder`` readers), and two roots that both declare
``aws_vpc.main`` get their own estates and verdicts: checkov puts every root
of the ``-d`` tree into one graph, so an address alone is ambiguous.

Measured on checkov 3.3.30: a resource vertex carries ``file_path_`` (the
``.tf`` file declaring it) and, inside a module, ``source_module_object_`` (a
``TFModule`` whose ``path`` is the file of the calling ``module`` block and
whose ``nested_tf_module`` is the caller's own call, up to the root). The conf
dict passed to ``scan_resource_conf`` is the same object as the vertex's
``config_[type][name]``. Nothing here imports checkov: attributes are read by
name so the module stays testable without it.
"""

from __future__ import annotations

import os
from typing import Any

_INDEX: dict[str, Any] = {"graph": None, "roots": {}}


def _attributes(graph: Any, index: int) -> dict[str, Any]:
    node = graph[index]
    if isinstance(node, tuple) and len(node) == 2 and isinstance(node[1], dict):
        return node[1]
    return node if isinstance(node, dict) else {}


def _vertices(graph: Any) -> list[dict[str, Any]]:
    if hasattr(graph, "node_indices"):  # rustworkx
        return [_attributes(graph, i) for i in graph.node_indices()]
    if hasattr(graph, "nodes"):  # networkx (CHECKOV_GRAPH_FRAMEWORK=NETWORKX)
        return [attrs for _, attrs in graph.nodes(data=True)]
    return []


def root_directory_of_vertex(attributes: dict[str, Any]) -> str | None:
    """The directory of the root module a resource vertex was instantiated from."""
    module = attributes.get("source_module_object_")
    depth = 0
    while module is not None and getattr(module, "nested_tf_module", None) is not None and depth < 50:
        module = module.nested_tf_module
        depth += 1
    path = getattr(module, "path", None) if module is not None else attributes.get("file_path_")
    if not isinstance(path, str) or not path:
        return None
    return os.path.dirname(os.path.abspath(path))


def root_directory_of(graph: Any, conf: dict[str, Any]) -> str | None:
    """The root module directory of the resource whose configuration is ``conf``."""
    if graph is None:
        return None
    if _INDEX["graph"] is not graph:
        roots: dict[int, str | None] = {}
        for attributes in _vertices(graph):
            if attributes.get("block_type_") != "resource":
                continue
            for body in (attributes.get("config_") or {}).values():
                if isinstance(body, dict):
                    for resource_conf in body.values():
                        if isinstance(resource_conf, dict):
                            roots[id(resource_conf)] = root_directory_of_vertex(attributes)
        _INDEX["graph"] = graph  # one graph per checkov runner process; keep it alive with its index
        _INDEX["roots"] = roots
    return _INDEX["roots"].get(id(conf))
