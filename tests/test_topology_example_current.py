"""docs/topology-example.png is made by scripts/render_mermaid.sh (mermaid in headless chromium, the
renderer tests/test_topology_render.py measures), which keeps the picture's source beside it as
docs/topology-example.mmd. The source must be what pcxguard draws today: when the picture goes stale
(a renderer change, a new check on an edge label) this fails until the picture is made again with
``scripts/render_mermaid.sh fixtures/terraform/cli_report/plan.json -- docs/topology-example.png``."""

from __future__ import annotations

from conftest import CLI_PLAN, ROOT

from pcxguard.outputs import topology
from pcxguard.scan import run_scan

EXAMPLE = ROOT / "docs" / "topology-example.mmd"


def test_the_example_picture_is_drawn_from_todays_graph(monkeypatch):
    monkeypatch.chdir(ROOT)
    report, missing = run_scan([CLI_PLAN])
    assert not missing
    assert topology.mermaid(topology.build(report)) == EXAMPLE.read_text()


def test_the_example_picture_exists_beside_its_source_and_the_readme_shows_it():
    png = (ROOT / "docs" / "topology-example.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert "![the topology of fixtures/terraform/cli_report](docs/topology-example.png)" in \
        (ROOT / "README.md").read_text()
    assert "scripts/render_mermaid.sh fixtures/terraform/cli_report/plan.json -- docs/topology-example.png" in \
        (ROOT / "scripts" / "render_mermaid.sh").read_text()
