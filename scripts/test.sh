#!/usr/bin/env bash
# Installs everything the test suite needs (system packages, a Python 3.11 virtual environment) and runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_needed=()
command -v redis-server >/dev/null || apt_needed+=(redis-server)
command -v chromium >/dev/null || apt_needed+=(chromium)
command -v espeak-ng >/dev/null || apt_needed+=(espeak-ng)
command -v sox >/dev/null || apt_needed+=(sox)
if [ ${#apt_needed[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_needed[@]}" >/dev/null
fi

PY=${PYTHON:-python3.11}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[dev,voice,redis,dense]'

.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
