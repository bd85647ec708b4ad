#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the end-to-end tests (e2e/)
# and prints its path. It installs the distribution's package only: no
# browser is ever downloaded from anywhere else. Fails loudly when the
# package cannot be installed.
set -euo pipefail

find_chromium() {
  command -v chromium || command -v chromium-browser || true
}

path=$(find_chromium)
if [ -z "$path" ]; then
  if ! command -v apt-get >/dev/null; then
    echo "chromium.sh: chromium is missing and there is no apt-get to install it" >&2
    exit 1
  fi
  echo "chromium.sh: installing Debian's chromium package" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get update -q >&2 || ! apt-get install -y -q --no-install-recommends chromium >&2; then
    echo "chromium.sh: apt-get could not install chromium" >&2
    exit 1
  fi
  path=$(find_chromium)
  if [ -z "$path" ]; then
    echo "chromium.sh: the chromium package is installed but no chromium command is on PATH" >&2
    exit 1
  fi
fi
# A browser that cannot start is as bad as none.
if ! version=$("$path" --version 2>/dev/null); then
  echo "chromium.sh: $path does not run" >&2
  exit 1
fi
echo "chromium.sh: $version" >&2
echo "$path"
