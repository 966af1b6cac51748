#!/usr/bin/env bash
# The static checks the README's test command runs before the tests: ruff, then mypy (configured in pyproject.toml:
# strict on the computation packages). Both run; the command fails, naming each check that failed.
#   bash scripts/check.sh [VENV]   VENV: the virtual environment whose tools run (default .venv)
set -uo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
failed=()
echo "Static check: ruff check planner tests benchmarks scripts"
"$venv/bin/ruff" check planner tests benchmarks scripts || failed+=("ruff check planner tests benchmarks scripts")
echo "Static check: mypy"
"$venv/bin/mypy" || failed+=("mypy")
if [ "${#failed[@]}" -gt 0 ]; then
  for check in "${failed[@]}"; do
    echo "FAILED static check: $check" >&2
  done
  exit 1
fi
echo "Static checks passed: ruff, mypy"
