#!/usr/bin/env bash
# One-step set-up of TierPlan's Excel buttons on a Mac: a Python 3.11 venv with TierPlan and the locked packages,
# RunPython enabled, and a macro workbook whose xlwings.conf sheet points at that venv. See docs/excel.md, "Set-up".
#
#   bash scripts/setup-excel-macos.sh [--wheel FILE.whl] [--venv DIR] [--book FILE.xlsm] [--from BOOK]
#
#   --wheel FILE  install TierPlan from this wheel (made by `python -m build --wheel`); default: from this repository
#   --venv DIR    where the venv goes (default: ~/TierPlan/.venv)
#   --book FILE   the macro workbook to write (default: ~/TierPlan/tier_planner.xlsm; an existing one is kept)
#   --from BOOK   carry the inputs of an existing planning workbook into it (default: the demo)
# Python: python3.11 on PATH, or PYTHON=/path/to/python3.11. Runs on Linux too (without the AppleScript step).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
lock="$repo/requirements/product.lock"
wheel=""
venv="$HOME/TierPlan/.venv"
book="$HOME/TierPlan/tier_planner.xlsm"
source_book=""
while [ $# -gt 0 ]; do
  case "$1" in
    --wheel) wheel=$2; shift 2 ;;
    --venv) venv=$2; shift 2 ;;
    --book) book=$2; shift 2 ;;
    --from) source_book=$2; shift 2 ;;
    *) echo "setup-excel-macos.sh: unknown option $1 (use --wheel, --venv, --book, --from)" >&2; exit 2 ;;
  esac
done

step() { echo "==> $*"; }

python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
  for candidate in python3.11 /opt/homebrew/bin/python3.11 /usr/local/bin/python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python_bin=$(command -v "$candidate"); break; fi
  done
fi
if [ -z "$python_bin" ] || ! "$python_bin" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
  echo "TierPlan's locked install needs Python 3.11 (found: ${python_bin:-none}). Install it (python.org's macOS installer, or" >&2
  echo "'brew install python@3.11'), then run this again, or set PYTHON=/path/to/python3.11." >&2
  exit 2
fi
[ -f "$lock" ] || { echo "setup-excel-macos.sh: $lock is missing (run this script from a copy of the TierPlan repository)" >&2; exit 2; }
[ -z "$wheel" ] || [ -f "$wheel" ] || { echo "setup-excel-macos.sh: the wheel $wheel does not exist" >&2; exit 2; }

step "Python: $python_bin ($("$python_bin" -c 'import platform; print(platform.python_version())'))"
if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
  step "Removing $venv (not Python 3.11)"
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  step "Creating the venv $venv"
  mkdir -p "$(dirname "$venv")"
  "$python_bin" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input)

step "Installing the locked packages ($lock, with hashes)"
"${pip[@]}" install --quiet --require-hashes --no-deps -r "$lock"
if [ -n "$wheel" ]; then
  step "Installing TierPlan from $wheel"
  "${pip[@]}" install --quiet --no-deps --force-reinstall "$wheel"
else
  step "Installing TierPlan from $repo"
  "${pip[@]}" install --quiet --no-deps --no-build-isolation --force-reinstall "$repo"
fi
"${pip[@]}" check

if [ "$(uname -s)" = "Darwin" ]; then
  step "Letting Excel start Python (xlwings runpython install)"
  "$venv/bin/xlwings" runpython install
fi

if [ -e "$book" ]; then
  step "Keeping the existing workbook $book (delete it and run again to rebuild it)"
else
  step "Writing the macro workbook $book"
  mkdir -p "$(dirname "$book")"
  args=(excel "$book" --interpreter "$venv/bin/python")
  [ -n "$source_book" ] && args+=(--from "$source_book")
  "$venv/bin/tierplan" "${args[@]}"
fi

step "Checking the set-up (tierplan doctor)"
if "$venv/bin/tierplan" doctor "$book"; then
  echo "Done. Open $book in Excel, allow macros, and press \"Run optimization\" on the Guide sheet."
else
  echo "The set-up is done, but the doctor found something to fix (above: each FIX line says what to do)." >&2
  [ "$(uname -s)" = "Darwin" ] && exit 1
fi
exit 0
