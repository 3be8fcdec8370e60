#!/usr/bin/env bash
# Finds or provisions the browser the desk's browser tests drive: Debian's `chromium` package, never a
# downloaded one. As root on Debian it installs the package; otherwise it says the one command to run.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then exit 0; fi
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ccm tests: Debian chromium is missing; installing it with apt-get (one time, about a minute)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  command -v chromium >/dev/null 2>&1 && { echo "ccm tests: chromium installed at $(command -v chromium)"; exit 0; }
fi
echo "ccm tests: the browser tests need Debian's chromium. Run: sudo apt-get install -y --no-install-recommends chromium" >&2
echo "           (or set CHROMIUM_PATH to an existing Chromium binary)" >&2
exit 1
