#!/usr/bin/env bash
# Finds or provisions the browser the desk's browser tests drive: Debian's `chromium` package, never a
# downloaded one (`npm test` runs this first). Found: silent. Missing and root on Debian: installs the
# package with apt-get. Otherwise: one line saying the exact command to run, and a failing exit.
set -uo pipefail
INSTALL="apt-get install -y --no-install-recommends chromium"

if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "${CHROMIUM_PATH}" ] && exit 0
  echo "ccm tests: CHROMIUM_PATH=${CHROMIUM_PATH} is not an executable file; unset it to use Debian's chromium (${INSTALL})" >&2
  exit 1
fi
command -v chromium >/dev/null 2>&1 && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ccm tests: Debian's chromium is missing; installing it with apt-get (one time, about a minute)"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null && command -v chromium >/dev/null 2>&1; then
    echo "ccm tests: chromium installed at $(command -v chromium)"
    exit 0
  fi
  echo "ccm tests: installing chromium with apt-get failed (see above); fix that, then run: ${INSTALL}" >&2
  exit 1
fi
echo "ccm tests: the browser tests need Debian's chromium; run: sudo ${INSTALL} (or set CHROMIUM_PATH to a Chromium binary)" >&2
exit 1
