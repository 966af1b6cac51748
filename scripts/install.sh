#!/usr/bin/env bash
# Installs everything TierPlan needs on a fresh Debian machine with Python 3.11.
#   scripts/install.sh          the product (PDF fonts and rendering libraries, Python packages)
#   scripts/install.sh --test   the product plus what the tests use (LibreOffice, poppler, Chromium)
# Debian packages are installed only when missing (apt-get needs root or sudo);
# Python packages go into .venv beside this repository.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

debs=(fonts-liberation2 fonts-crosextra-carlito fonts-noto-color-emoji libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 python3-venv)
if [ "$want_tests" = 1 ]; then
  debs+=(libreoffice-calc-nogui poppler-utils chromium)
fi

missing=()
for pkg in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python_bin="$candidate"; break; fi
  done
fi
"$python_bin" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "TierPlan needs Python 3.11 or newer")'

if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv
fi
target="."
[ "$want_tests" = 1 ] && target=".[test]"
log=.venv/install.log
echo "Installing Python packages into .venv (log: $log)"
if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip \
       && .venv/bin/python -m pip install --disable-pip-version-check -e "$target"; } >"$log" 2>&1; then
  tail -n 40 "$log"
  echo "Installing the Python packages failed; the whole log is in $log" >&2
  exit 1
fi
