#!/usr/bin/env bash
# Installs everything TierPlan needs on a fresh Debian machine with Python 3.11.
#   scripts/install.sh                  the product, from requirements/product.lock, into .venv
#   scripts/install.sh --test           the product and its test tools, from requirements/test.lock, into .venv
#   scripts/install.sh --test --latest  the newest versions pyproject.toml's ranges allow today, into .venv-latest
#                                       (to see drift before users do; never what the README's commands install)
# Debian packages are installed only when missing (apt-get needs root or sudo). The locked venv holds
# exactly the lock: when the lock changes, the venv is made anew, so packages left from an earlier
# install cannot hide a missing pin.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
latest=0
for arg in "$@"; do
  case "$arg" in
    --test) want_tests=1 ;;
    --latest) latest=1 ;;
    *) echo "install.sh: unknown option $arg (use --test, --latest)" >&2; exit 2 ;;
  esac
done

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
if [ -z "$python_bin" ] || ! "$python_bin" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
  found=$([ -n "$python_bin" ] && "$python_bin" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo none)
  echo "TierPlan's locked install is made and tested for Python 3.11 (found: $found); install python3.11 or set PYTHON=/path/to/python3.11" >&2
  exit 2
fi

pip_quiet=(--disable-pip-version-check --no-input)
if [ "$latest" = 1 ]; then
  venv=.venv-latest
  rm -rf "$venv"
  "$python_bin" -m venv "$venv"
  log=$venv/install.log
  echo "Installing the newest allowed Python packages into $venv (log: $log)"
  # pip, and the build backend pyproject.toml's [build-system] names (the tests build the wheel without isolation)
  if ! { "$venv/bin/python" -m pip install "${pip_quiet[@]}" --upgrade pip "setuptools>=68" wheel \
         && "$venv/bin/python" -m pip install "${pip_quiet[@]}" --upgrade --upgrade-strategy eager -e ".[test]"; } >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "Installing the newest Python packages failed; the whole log is in $log" >&2
    exit 1
  fi
  "$venv/bin/python" -m pip freeze --exclude-editable >"$venv/versions.txt"
  echo "Versions installed: $venv/versions.txt"
  exit 0
fi

venv=.venv
lock=requirements/product.lock
[ "$want_tests" = 1 ] && lock=requirements/test.lock
stamp="$venv/tierplan-lock.sha256"
# the stamp covers the project's own metadata too (entry points, version), not only the lock
lock_sum() { cat "$1" pyproject.toml | sha256sum | cut -d' ' -f1; }
want=$(lock_sum "$lock")
have=$(cat "$stamp" 2>/dev/null || true)
test_lock_sum=$(lock_sum requirements/test.lock)
if [ -x "$venv/bin/tierplan" ] && { [ "$have" = "$want" ] || [ "$have" = "$test_lock_sum" ]; }; then
  exit 0  # the venv already holds this lock (the test lock holds the product's versions too)
fi
rm -rf "$venv"
"$python_bin" -m venv "$venv"
log=$venv/install.log
echo "Installing the locked Python packages ($lock) into $venv (log: $log)"
# every package with its version and hash from the lock; the project itself without
# build isolation, so its build backend is the locked setuptools, not today's newest
if ! { "$venv/bin/python" -m pip install "${pip_quiet[@]}" --require-hashes --no-deps -r "$lock" \
       && "$venv/bin/python" -m pip install "${pip_quiet[@]}" --no-deps --no-build-isolation -e . \
       && "$venv/bin/python" -m pip check; } >"$log" 2>&1; then
  tail -n 40 "$log"
  echo "Installing the Python packages failed; the whole log is in $log" >&2
  exit 1
fi
echo "$want" >"$stamp"
