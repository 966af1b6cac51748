#!/usr/bin/env bash
# Install TierPlan with its test tools, run the static checks (ruff, mypy: scripts/check.sh), then the whole test suite.
#   bash scripts/test.sh [PYTEST ARGS]           from the lock (what CI and users get)
#   bash scripts/test.sh --latest [PYTEST ARGS]  on the newest versions pyproject.toml allows, in .venv-latest
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
if [ "${1:-}" = "--latest" ]; then
  shift
  bash scripts/install.sh --test --latest
  venv=.venv-latest
else
  bash scripts/install.sh --test
fi
bash scripts/check.sh "$venv" || { echo "scripts/test.sh: a static check failed (named above); the tests were not run" >&2; exit 1; }
# two workers on a two-core machine (one per core elsewhere), each test file kept on one worker so its fixtures are made once
"$venv/bin/python" -m pytest -q -n "${TIERPLAN_TEST_WORKERS:-auto}" --dist loadfile "$@"
