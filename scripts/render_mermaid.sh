#!/usr/bin/env bash
# Render the Mermaid topology of `pcxguard scan --format markdown` to a PNG, for real:
# the `mermaid` npm package in headless chromium. Not run in CI.
#   scripts/render_mermaid.sh PLAN_OR_DIR... -- OUT.png
# Needs: node/npm (installs mermaid into a temporary directory), chromium.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
args=(); out=topology.png
while (($#)); do
  if [[ $1 == -- ]]; then out=$2; shift 2; else args+=("$1"); shift; fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm install --silent --no-audit --no-fund mermaid@11 >/dev/null)
PYTHONPATH="$root/src${PYTHONPATH:+:$PYTHONPATH}" "${PYTHON:-python3}" -m pcxguard.cli graph "${args[@]}" --format mermaid \
  > "$work/graph.mmd" || true
python3 - "$work" <<'PY'
import html, pathlib, sys
work = pathlib.Path(sys.argv[1])
graph = (work / "graph.mmd").read_text()
(work / "index.html").write_text(f"""<!doctype html><html><body style="margin:0;background:#fff">
<pre class="mermaid">{html.escape(graph)}</pre>
<script src="node_modules/mermaid/dist/mermaid.min.js"></script>
<script>mermaid.initialize({{startOnLoad: true, theme: "default", securityLevel: "strict"}});</script>
</body></html>""")
PY
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --user-data-dir="$work/profile" --hide-scrollbars \
  --window-size=1400,700 --virtual-time-budget=10000 --screenshot="$work/out.png" "file://$work/index.html" 2>/dev/null
cp "$work/out.png" "$out"
echo "wrote $out"
