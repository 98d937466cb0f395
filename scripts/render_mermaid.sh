#!/usr/bin/env bash
# Render the Mermaid topology of `pcxguard scan --format markdown` to a PNG, for real:
# the `mermaid` npm package in headless chromium (the renderer tests/test_topology_render.py
# measures). docs/topology-example.png (and its source, docs/topology-example.mmd) is made with it:
#   scripts/render_mermaid.sh fixtures/terraform/cli_report/plan.json -- docs/topology-example.png
#   scripts/render_mermaid.sh PLAN_OR_DIR... -- OUT.png
# Needs: chromium, and mermaid: $PCXGUARD_MERMAID_DIR, else .ci/tools/node_modules/mermaid, else
# npm installs it into a temporary directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
args=(); out=topology.png
while (($#)); do
  if [[ $1 == -- ]]; then out=$2; shift 2; else args+=("$1"); shift; fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mermaid_dir="${PCXGUARD_MERMAID_DIR:-$root/.ci/tools/node_modules/mermaid}"
if [[ ! -f "$mermaid_dir/dist/mermaid.min.js" ]]; then
  (cd "$work" && npm install --silent --no-audit --no-fund mermaid@11 >/dev/null)
  mermaid_dir="$work/node_modules/mermaid"
fi
PYTHONPATH="$root/src${PYTHONPATH:+:$PYTHONPATH}" "${PYTHON:-python3}" -m pcxguard.cli graph "${args[@]}" --format mermaid \
  > "$work/graph.mmd" || true
python3 - "$work" "$mermaid_dir" <<'PY'
import html, pathlib, sys
work = pathlib.Path(sys.argv[1])
script = (pathlib.Path(sys.argv[2]) / "dist" / "mermaid.min.js").resolve().as_uri()
graph = (work / "graph.mmd").read_text()
(work / "index.html").write_text(f"""<!doctype html><html><body style="margin:0;background:#fff">
<pre class="mermaid">{html.escape(graph)}</pre>
<script src="{script}"></script>
<script>mermaid.initialize({{startOnLoad: true, theme: "default", securityLevel: "strict"}});</script>
</body></html>""")
PY
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --user-data-dir="$work/profile" --hide-scrollbars \
  --window-size=1500,1000 --virtual-time-budget=10000 --screenshot="$work/out.png" "file://$work/index.html" 2>/dev/null
cp "$work/out.png" "$out"
# the picture's source beside it: tests/test_topology_render.py checks it is what pcxguard draws today,
# so a change to the renderer fails the tests until the picture is made again with this script
cp "$work/graph.mmd" "${out%.png}.mmd"
echo "wrote $out and ${out%.png}.mmd"
