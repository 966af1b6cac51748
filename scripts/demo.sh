#!/usr/bin/env bash
# Install TierPlan and run the full plan on the bundled demo workbook; the tier plan lands in reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/tierplan plan workbooks/tierplan_demo.xlsx --out reports
