#!/usr/bin/env bash
# Regenerate plan.json from main.tf with real terraform, offline (no AWS credentials needed).
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
cp main.tf "$work/"
(cd "$work" && terraform init -input=false -plugin-dir=/opt/tf-plugins >/dev/null \
  && terraform plan -input=false -refresh=false -out=p >/dev/null \
  && terraform show -json p > plan.json)
cp "$work/plan.json" plan.json
rm -rf "$work"
