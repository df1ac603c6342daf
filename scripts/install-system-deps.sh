#!/bin/sh
# Debian packages the tests drive: LibreOffice (a real spreadsheet program, headless) with its
# Python bridge, Chromium (the web intake's browser tests, through Playwright) and PostgreSQL's
# server (the web intake's storage tests start throwaway clusters of their own; no service is
# used). Installed only when missing, so a developer's second run costs nothing.
set -eu
have_postgres() {
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && id postgres >/dev/null 2>&1
}
if command -v soffice >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1 &&
        /usr/bin/python3 -c "import uno" >/dev/null 2>&1 && have_postgres; then
    exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends libreoffice-calc-nogui python3-uno chromium \
    postgresql
