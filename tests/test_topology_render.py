"""The topology picture tells the truth when a real browser draws it: mermaid in headless chromium.

Checked on the rendered SVG (positions measured in the browser): no edge passes through a node other
than its two ends; VPCs outside the scan sit in their own box, apart from every region box; the legend
is in the picture; failed and cannot-tell edges say so in their labels.

Needs chromium and the mermaid npm package (``.ci/run`` installs both when it can: apt and npm); skipped,
naming what is missing, when either is absent.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import CLI_PLAN, ROOT
from pcxguard.outputs import topology
from pcxguard.scan import run_scan


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _mermaid_js() -> Path | None:
    for directory in (os.environ.get("PCXGUARD_MERMAID_DIR"), ROOT / ".ci" / "tools" / "node_modules" / "mermaid"):
        if directory and (Path(directory) / "dist" / "mermaid.min.js").is_file():
            return Path(directory) / "dist" / "mermaid.min.js"
    return None


PAGE = """<!doctype html><html><body style="margin:0;background:#fff">
<div id="out"></div><pre id="result">pending</pre>
<script src="{script}"></script>
<script>
(async () => {{
  try {{
    mermaid.initialize({{startOnLoad: false, theme: "default", securityLevel: "strict"}});
    const {{svg}} = await mermaid.render("topology", {graph});
    document.getElementById("out").innerHTML = svg;
    const box = (e) => {{ const r = e.getBoundingClientRect(); return {{x: r.left, y: r.top, w: r.width, h: r.height}}; }};
    const nodes = [...document.querySelectorAll("#out g.node")].map(g => ({{id: g.id, ...box(g)}}));
    const clusters = [...document.querySelectorAll("#out g.cluster")].map(g => ({{id: g.id, ...box(g.querySelector("rect"))}}));
    const edges = [...document.querySelectorAll("#out path.flowchart-link")].map(p => {{
      const length = p.getTotalLength(), m = p.getScreenCTM(), points = [];
      for (let i = 0; i <= 100; i++) {{ const q = p.getPointAtLength(length * i / 100).matrixTransform(m); points.push([q.x, q.y]); }}
      return {{id: p.id, points}};
    }});
    const labels = [...document.querySelectorAll("#out .edgeLabel")].map(e => e.textContent);
    document.getElementById("result").textContent = JSON.stringify({{nodes, clusters, edges, labels}});
  }} catch (error) {{
    document.getElementById("result").textContent = "ERROR " + error;
  }}
}})();
</script></body></html>"""


def render(graph: str, tmp_path: Path) -> dict:
    chromium, script = _chromium(), _mermaid_js()
    if chromium is None or script is None:
        pytest.skip("rendering needs chromium (apt-get install chromium) and mermaid (npm install mermaid@11 "
                    "into .ci/tools, or PCXGUARD_MERMAID_DIR): " +
                    ", ".join(n for n, v in (("chromium", chromium), ("mermaid", script)) if v is None) + " absent")
    page = tmp_path / "index.html"
    page.write_text(PAGE.format(script=script.as_uri(), graph=json.dumps(graph)))
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run",
                           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1600,1000",
                           "--virtual-time-budget=15000", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=180)
    match = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    assert match, done.stderr[-2000:]
    text = html.unescape(match.group(1))
    assert not text.startswith(("ERROR", "pending")), text
    return json.loads(text)


def _vertex(element_id: str) -> str:
    """mermaid 11 ids (prefixed with the render id): nodes ``topology-flowchart-e0v1-3``."""
    match = re.search(r"flowchart-([A-Za-z0-9]+)-\d+$", element_id)
    return match.group(1) if match else element_id


def _ends(element_id: str) -> tuple[str, str]:
    """Edges: ``topology-L_e0v0_e0v1_0``."""
    match = re.search(r"L_([A-Za-z0-9]+)_([A-Za-z0-9]+)_\d+$", element_id)
    assert match, element_id
    return match.group(1), match.group(2)


def _inside(point: list[float], box: dict, margin: float = 2.0) -> bool:
    return (box["x"] + margin < point[0] < box["x"] + box["w"] - margin
            and box["y"] + margin < point[1] < box["y"] + box["h"] - margin)


def _check_picture(drawn: dict) -> None:
    nodes = {_vertex(n["id"]): n for n in drawn["nodes"]}
    for edge in drawn["edges"]:
        source, target = _ends(edge["id"])
        through = {name for name, box in nodes.items() if name not in (source, target)
                   and any(_inside(p, box) for p in edge["points"])}
        assert through == set(), (edge["id"], through)


@pytest.mark.parametrize("plan", [CLI_PLAN, "fixtures/terraform/example_estate/plan.json",
                                  "fixtures/terraform/peer_outside_plan/plan.json"])
def test_no_edge_passes_through_an_unrelated_node(tmp_path, plan):
    report, _ = run_scan([str(ROOT / plan)])
    graph = topology.mermaid(topology.build(report))
    drawn = render(graph, tmp_path)
    assert drawn["edges"], graph
    _check_picture(drawn)


def test_outside_peers_are_apart_and_the_legend_is_in_the_picture(tmp_path):
    report, _ = run_scan([str(ROOT / CLI_PLAN)])
    built = topology.build(report)
    drawn = render(topology.mermaid(built), tmp_path)
    clusters = {c["id"].removeprefix("topology-"): c for c in drawn["clusters"]}
    assert {"outside", "legend", "region0", "region1"} <= set(clusters)
    outside = clusters["outside"]
    for name in ("region0", "region1"):
        other = clusters[name]
        apart = (outside["x"] >= other["x"] + other["w"] or other["x"] >= outside["x"] + outside["w"]
                 or outside["y"] >= other["y"] + other["h"] or other["y"] >= outside["y"] + outside["h"])
        assert apart, (name, outside, other)
    partner = next(n for n in built.nodes if n.origin == "outside")
    box = next(n for n in drawn["nodes"] if _vertex(n["id"]) == partner.id)
    assert _inside([box["x"] + box["w"] / 2, box["y"] + box["h"] / 2], outside, margin=0)
    labels = " | ".join(drawn["labels"])
    for word in ("failed", "cannot tell", "passed"):
        assert word in drawn["labels"], labels
    assert any("FAILED: CKV2_PCX_1, CKV2_PCX_2" in label for label in drawn["labels"]), labels
    assert any("CANNOT TELL: CKV2_PCX_1, CKV2_PCX_8" in label for label in drawn["labels"]), labels
