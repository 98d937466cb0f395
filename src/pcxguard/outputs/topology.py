"""The peering topology: VPCs (grouped by region) joined by peerings, each with its verdict.

An edge's verdict is the worst verdict of the findings about that peering:
findings on the peering itself and findings that name it as related (routes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pcxguard.findings import Verdict
from pcxguard.model import Estate, Vpc, is_known
from pcxguard.scan import Report

COLOURS = {Verdict.FAILED: "#d73a49", Verdict.UNKNOWN: "#8a8a8a", Verdict.PASSED: "#28a745"}
UNKNOWN_REGION = "region unknown"


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
            topology.edges.append(Edge(node_for(peering.requester_vpc), node_for(peering.accepter_vpc),
                                       peering.source.address, verdict, checks))
    # nodes and edges outside the scan last: the layout then keeps them at the edge of the picture
    topology.nodes.sort(key=lambda n: n.origin == "outside")
    outside = {n.id for n in topology.nodes if n.origin == "outside"}
    topology.edges.sort(key=lambda e: e.source in outside or e.target in outside)
    return topology


# ----------------------------------------------------------------- Mermaid


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def mermaid(topology: Topology, direction: str = "LR") -> str:
    lines = [f"flowchart {direction}"]
    for r_index, (region, nodes) in enumerate(topology.regions().items()):
        # VPCs whose region is unknown stay outside every region box
        grouped = region != UNKNOWN_REGION
        if grouped:
            lines.append(f'  subgraph region{r_index}["{_mermaid_text(region)}"]')
        for node in nodes:
            parts = [_mermaid_text(node.label), *(_mermaid_text(b) for b in node.blocks), _mermaid_text(node.region)]
            if node.origin == "inventory":
                parts.append("(inventory)")
            elif node.origin == "outside":
                parts.append("(not in scan or inventory)")
            lines.append(f'    {node.id}["{"<br/>".join(parts)}"]' if grouped else f'  {node.id}["{"<br/>".join(parts)}"]')
        if grouped:
            lines.append("  end")
    for edge in topology.edges:
        label = edge.label + (f" ({', '.join(edge.checks)})" if edge.checks else "")
        lines.append(f'  {edge.source} -- "{_mermaid_text(label)}" --- {edge.target}')
    by_verdict: dict[Verdict, list[int]] = {}
    for index, edge in enumerate(topology.edges):
        by_verdict.setdefault(edge.verdict, []).append(index)
    for verdict in (Verdict.FAILED, Verdict.UNKNOWN, Verdict.PASSED):
        if verdict in by_verdict:
            width = "3px" if verdict is Verdict.FAILED else "2px"
            dash = ",stroke-dasharray:5 5" if verdict is Verdict.UNKNOWN else ""
            indices = ",".join(str(i) for i in by_verdict[verdict])
            lines.append(f"  linkStyle {indices} stroke:{COLOURS[verdict]},stroke-width:{width}{dash}")
    outside = [n.id for n in topology.nodes if n.origin != "scan"]
    if outside:
        lines.append("  classDef external stroke-dasharray:4 4")
        lines.append(f"  class {','.join(outside)} external")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- Graphviz


def _dot(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(topology: Topology) -> str:
    lines = ["graph pcxguard {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    for r_index, (region, nodes) in enumerate(topology.regions().items()):
        lines.append(f"  subgraph cluster_{r_index} {{")
        lines.append(f"    label={_dot(region)};")
        for node in nodes:
            label = "\\n".join([node.label, *node.blocks, node.region]).replace('"', '\\"')
            style = ", style=dashed" if node.origin != "scan" else ""
            lines.append(f'    {node.id} [label="{label}"{style}];')
        lines.append("  }")
    for edge in topology.edges:
        style = ", style=dashed" if edge.verdict is Verdict.UNKNOWN else ""
        lines.append(f"  {edge.source} -- {edge.target} [label={_dot(edge.label)}, color={_dot(COLOURS[edge.verdict])}, "
                     f"penwidth={3 if edge.verdict is Verdict.FAILED else 2}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
