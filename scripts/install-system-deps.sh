#!/bin/sh
# Debian packages the tests drive: LibreOffice (a real spreadsheet program, headless) with its
# Python bridge. Installed only when missing, so a developer's second run costs nothing.
set -eu
if command -v soffice >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1 &&
        /usr/bin/python3 -c "import uno" >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends libreoffice-calc-nogui python3-uno chromium
