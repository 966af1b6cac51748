#!/usr/bin/env bash
# Keep the lock files in step with pyproject.toml.
#   bash scripts/lock.sh             after a dependency was added, removed or its range changed: only what must move moves,
#                                    every other pin stays as it is
#   bash scripts/lock.sh --upgrade   the deliberate refresh: the newest versions the ranges allow today (run the suite after it)
#   bash scripts/lock.sh --check     exit 1 if the locks no longer match pyproject.toml's ranges
#
# Why uv: `uv pip compile --universal` resolves once for every platform (Linux, Windows, macOS),
# writing environment markers, so the Excel machine's install (Windows/macOS) uses the same lock as CI;
# pip-tools resolves for the machine it runs on only. The locks are plain requirements files with
# hashes, so installing needs nothing but pip (`pip install --require-hashes -r ...`).
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
tools=.venv-tools
if [ ! -x "$tools/bin/uv" ] || [ "$("$tools/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install --disable-pip-version-check -q "uv==$UV_VERSION"
fi
uv="$tools/bin/uv"

common=(--universal --python-version 3.11 --generate-hashes --no-header --quiet)
compile_all() {
  local out_dir=$1
  # the product lock first; the test lock is constrained to it, so both install the same versions
  "$uv" pip compile "${common[@]}" pyproject.toml requirements/build.in \
        --output-file "$out_dir/product.lock"
  "$uv" pip compile "${common[@]}" pyproject.toml requirements/build.in --extra test \
        --constraint "$out_dir/product.lock" --output-file "$out_dir/test.lock"
  # the test lock's annotations name the constraint file: always by its place in the repository
  sed -i "s#$out_dir/product.lock#requirements/product.lock#g" "$out_dir/test.lock"
}

if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # uv keeps the pins of an existing output file where the ranges allow them, so re-resolving
  # copies of the locks changes them only where pyproject.toml's ranges no longer hold
  cp requirements/product.lock requirements/test.lock "$tmp/"
  compile_all "$tmp"
  # the test lock names its constraint file by path: compare as if it had been made in requirements/
  sed -i "s#$tmp/#requirements/#g" "$tmp/product.lock" "$tmp/test.lock"
  if ! diff -q requirements/product.lock "$tmp/product.lock" >/dev/null || ! diff -q requirements/test.lock "$tmp/test.lock" >/dev/null; then
    echo "The locks do not match pyproject.toml: run bash scripts/lock.sh and commit requirements/*.lock" >&2
    exit 1
  fi
  echo "The locks match pyproject.toml."
  exit 0
fi

if [ "${1:-}" = "--upgrade" ]; then
  rm -f requirements/product.lock requirements/test.lock  # without the old pins uv takes the newest allowed
fi
compile_all requirements
echo "Wrote requirements/product.lock and requirements/test.lock; run bash scripts/test.sh, then commit them."
