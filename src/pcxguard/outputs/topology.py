"""The peering topology: VPCs (grouped by region) joined by peerings, each with its verdict.

An edge's verdict is the worst verdict of the findings about that peering:
findings on the peering itself and findings that name it as related (routes).
Its label tells failed and "cannot tell" apart (``FAILED: ids`` / ``CANNOT TELL: ids``),
not only its colour. VPCs outside the scan (referenced, never described) are drawn
apart in a box of their own, VPCs of the scan whose region is unknown in another, and
the Mermaid picture carries its own legend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pcxguard.findings import Verdict
from pcxguard.model import Estate, Vpc, is_known
from pcxguard.scan import Report

COLOURS = {Verdict.FAILED: "#d73a49", Verdict.UNKNOWN: "#8a8a8a", Verdict.PASSED: "#28a745"}
UNKNOWN_REGION = "region unknown"
OUTSIDE_BOX = "outside the scan (referenced, not described)"
UNPLACED_BOX = "region unknown"


@dataclass
class Node:
    id: str
    label: str  # the VPC's address or id
    blocks: list[str]
    region: str
    origin: str  # "scan", "inventory" or "outside" (referenced, not described)


@dataclass
class Edge:
    source: str
    target: str
    label: str  # the peering's address
    verdict: Verdict
    checks: list[str] = field(default_factory=list)  # failed / undecided checks
    failed_checks: list[str] = field(default_factory=list)
    unknown_checks: list[str] = field(default_factory=list)

    def verdict_label(self) -> str:
        """What the edge says besides its colour: which checks failed, which could not tell."""
        parts = []
        if self.failed_checks:
            parts.append(f"FAILED: {', '.join(self.failed_checks)}")
        if self.unknown_checks:
            parts.append(f"CANNOT TELL: {', '.join(self.unknown_checks)}")
        return "; ".join(parts)


@dataclass
class Topology:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def regions(self) -> dict[str, list[Node]]:
        grouped: dict[str, list[Node]] = {}
        for node in self.nodes:
            grouped.setdefault(node.region, []).append(node)
        return dict(sorted(grouped.items(), key=lambda kv: (kv[0] == UNKNOWN_REGION, kv[0])))


def _node(vpc: Vpc, node_id: str) -> Node:
    blocks = [str(b.network) if is_known(b.network) else "?" for b in vpc.blocks]
    region = vpc.region if is_known(vpc.region) else UNKNOWN_REGION
    return Node(node_id, vpc.source.address, blocks, str(region), "inventory" if vpc.source.kind == "inventory" else "scan")


def build(report: Report) -> Topology:
    topology = Topology()
    verdicts: dict[tuple[str | None, str], list[tuple[Verdict, str]]] = {}
    for item in report.findings:
        finding = item.finding
        for src in (finding.resource, *finding.related):
            if src.resource_type in ("aws_vpc_peering_connection", "AWS::EC2::VPCPeeringConnection"):
                verdicts.setdefault((src.file, src.address), []).append((finding.verdict, finding.check_id))
    for index, analysis in enumerate(report.analyses):
        estate: Estate = analysis.estate
        ids: dict[str, str] = {}

        def node_for(ref: object) -> str:
            key = estate.canonical(ref)  # type: ignore[arg-type]
            if key is None:
                key = f"unknown-{len(ids)}"
            if key not in ids:
                node_id = f"e{index}v{len(ids)}"
                ids[key] = node_id
                vpc = estate.vpc(key)
                if vpc is not None:
                    topology.nodes.append(_node(vpc, node_id))
                else:
                    label = key if not key.startswith("unknown-") else "VPC not known at plan time"
                    topology.nodes.append(Node(node_id, label, [], UNKNOWN_REGION, "outside"))
            return ids[key]

        for vpc in estate.vpcs.values():
            if estate.peerings_of(vpc) or vpc.source.kind != "inventory":
                node_for(vpc.key)
        for peering in estate.peerings.values():
            found = verdicts.get((peering.source.file, peering.source.address), [])
            verdict = max((v for v, _ in found), key=lambda v: v.rank, default=Verdict.PASSED)
            checks = sorted({c for v, c in found if v is not Verdict.PASSED})
            failed = sorted({c for v, c in found if v is Verdict.FAILED}, key=_check_order)
            unknown = sorted({c for v, c in found if v is Verdict.UNKNOWN} - set(failed), key=_check_order)
            topology.edges.append(Edge(node_for(peering.requester_vpc), node_for(peering.accepter_vpc),
                                       peering.source.address, verdict, checks, failed, unknown))
    # nodes and edges outside the scan last: the layout then keeps them at the edge of the picture
    topology.nodes.sort(key=lambda n: n.origin == "outside")
    outside = {n.id for n in topology.nodes if n.origin == "outside"}
    topology.edges.sort(key=lambda e: e.source in outside or e.target in outside)
    return topology


def _check_order(check_id: str) -> tuple[int, str]:
    tail = check_id.rsplit("_", 1)[-1]
    return (int(tail) if tail.isdigit() else 10**6, check_id)


# ----------------------------------------------------------------- Mermaid


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


LEGEND = ((Verdict.FAILED, "failed"), (Verdict.UNKNOWN, "cannot tell"), (Verdict.PASSED, "passed"))


def _boxes(topology: Topology) -> list[tuple[str, str, list[Node]]]:
    """(box id, title, nodes): one box per known region, then VPCs of the scan with an unknown region,
    then VPCs outside the scan, each apart from the others."""
    boxes: list[tuple[str, str, list[Node]]] = []
    unplaced: list[Node] = []
    outside: list[Node] = []
    for index, (region, nodes) in enumerate(topology.regions().items()):
        if region != UNKNOWN_REGION:
            boxes.append((f"region{index}", region, nodes))
            continue
        unplaced.extend(n for n in nodes if n.origin != "outside")
        outside.extend(n for n in nodes if n.origin == "outside")
    if unplaced:
        boxes.append(("unplaced", UNPLACED_BOX, unplaced))
    if outside:
        boxes.append(("outside", OUTSIDE_BOX, outside))
    return boxes


def mermaid(topology: Topology, direction: str = "LR", legend: bool = True) -> str:
    lines = [f"flowchart {direction}"]
    for box, title, nodes in _boxes(topology):
        lines.append(f'  subgraph {box}["{_mermaid_text(title)}"]')
        for node in nodes:
            parts = [_mermaid_text(node.label), *(_mermaid_text(b) for b in node.blocks)]
            if node.origin != "outside":
                parts.append(_mermaid_text(node.region))
            if node.origin == "inventory":
                parts.append("(inventory)")
            elif node.origin == "outside":
                parts.append("(not in scan or inventory)")
            lines.append(f'    {node.id}["{"<br/>".join(parts)}"]')
        lines.append("  end")
    outside_ids = {n.id for n in topology.nodes if n.origin == "outside"}
    for edge in topology.edges:
        label = _mermaid_text(edge.label)
        verdict = edge.verdict_label()
        if verdict:
            label += "<br/>" + _mermaid_text(verdict)
        # an edge to a VPC outside the scan is one rank longer: those VPCs get a column of their own,
        # so no edge between VPCs of the scan is drawn across them (measured in a browser: the test
        # tests/test_topology_render.py)
        link = "----" if edge.source in outside_ids or edge.target in outside_ids else "---"
        lines.append(f'  {edge.source} -- "{label}" {link} {edge.target}')
    styles: dict[Verdict, list[int]] = {}
    for index, edge in enumerate(topology.edges):
        styles.setdefault(edge.verdict, []).append(index)
    if legend and topology.edges:
        lines.append('  subgraph legend["Legend"]')
        lines.append("    direction LR")
        next_index = len(topology.edges)
        for number, (verdict, word) in enumerate(LEGEND):
            lines.append(f'    lg{number}a[" "] -- "{word}" --- lg{number}b[" "]')
            styles.setdefault(verdict, []).append(next_index)
            next_index += 1
        lines.append('    lgx["VPC outside the scan"]')
        lines.append("  end")
    for verdict in (Verdict.FAILED, Verdict.UNKNOWN, Verdict.PASSED):
        if verdict in styles:
            width = "3px" if verdict is Verdict.FAILED else "2px"
            dash = ",stroke-dasharray:5 5" if verdict is Verdict.UNKNOWN else ""
            indices = ",".join(str(i) for i in styles[verdict])
            lines.append(f"  linkStyle {indices} stroke:{COLOURS[verdict]},stroke-width:{width}{dash}")
    outside = [n.id for n in topology.nodes if n.origin != "scan"]
    if legend and topology.edges:
        outside.append("lgx")
        lines.append("  classDef legendEnd fill:#ffffff,stroke:#ffffff")
        lines.append(f"  class {','.join(f'lg{n}{end}' for n in range(len(LEGEND)) for end in 'ab')} legendEnd")
    if outside:
        lines.append("  classDef external stroke-dasharray:4 4")
        lines.append(f"  class {','.join(outside)} external")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- Graphviz


def _dot(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(topology: Topology) -> str:
    lines = ["graph pcxguard {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    for r_index, (_, region, nodes) in enumerate(_boxes(topology)):
        lines.append(f"  subgraph cluster_{r_index} {{")
        lines.append(f"    label={_dot(region)};")
        for node in nodes:
            label = "\\n".join([node.label, *node.blocks, node.region]).replace('"', '\\"')
            style = ", style=dashed" if node.origin != "scan" else ""
            lines.append(f'    {node.id} [label="{label}"{style}];')
        lines.append("  }")
    for edge in topology.edges:
        style = ", style=dashed" if edge.verdict is Verdict.UNKNOWN else ""
        label = edge.label + (f"\n{edge.verdict_label()}" if edge.verdict_label() else "")
        lines.append(f"  {edge.source} -- {edge.target} [label={_dot(label)}, color={_dot(COLOURS[edge.verdict])}, "
                     f"penwidth={3 if edge.verdict is Verdict.FAILED else 2}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
