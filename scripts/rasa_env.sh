#!/usr/bin/env bash
# Creates the environments Rasa interoperability needs, beside the project and outside its own venv:
#   .rasa-env/      Python 3.10 + rasa[jieba]==3.6.21 (Rasa pins pydantic<1.10.10, numpy<1.25: it cannot share .venv)
#   .rasa-sdk-env/  Python 3.11 + rasa-sdk==3.21.1 + daoban (the action server; rasa-sdk pins clash with .venv)
# Both are offline once built: telemetry off, HOME inside the folder, Sentry's init a no-op, and (while
# DAOBAN_OFFLINE_GUARD=1, as scripts/rasa_run.sh sets it) every socket connection outside 127.0.0.1/::1 refused.
# Usage: scripts/rasa_env.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PY310=${RASA_PYTHON:-/root/.pyenv/versions/3.10.13/bin/python3.10}
PY311=${PYTHON:-python3.11}
RASA_ENV=${RASA_ENV:-$ROOT/.rasa-env}
SDK_ENV=${RASA_SDK_ENV:-$ROOT/.rasa-sdk-env}
RASA_VERSION=3.6.21
RASA_SDK_VERSION=3.21.1

if [ "${1:-}" = "--force" ]; then rm -rf "$RASA_ENV" "$SDK_ENV"; fi
export RASA_TELEMETRY_ENABLED=false PIP_DISABLE_PIP_VERSION_CHECK=1

# Loaded by every interpreter of the environment (site-packages/sitecustomize.py).
write_sitecustomize() {
  local site
  site=$("$1/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  cat >"$site/sitecustomize.py" <<'EOF'
"""Offline guard for the Rasa environments (written by scripts/rasa_env.sh).

- Sentry: rasa/telemetry.py `initialize_error_reporting` calls `sentry_sdk.init` with a key bundled in Rasa (the
  env script also empties that key file). `sentry_sdk.init` is replaced by a no-op before any Rasa module can
  reach it, so no client is ever configured.
- Telemetry: RASA_TELEMETRY_ENABLED defaults to false here (scripts set it too).
- Network: with DAOBAN_OFFLINE_GUARD=1, a connection to anything but a loopback address raises an OSError.
"""
import os

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SENTRY_DSN", "")


def _no_sentry() -> None:
    try:
        import sentry_sdk
    except Exception:
        return

    def _init(*args, **kwargs):  # noqa: ANN002, ANN003
        return None

    sentry_sdk.init = _init
    try:
        import sentry_sdk.client as _client

        _client.Client.capture_event = lambda self, *a, **k: None  # noqa: E731
    except Exception:
        pass


def _guard_sockets() -> None:
    import ipaddress
    import socket

    def _loopback(address) -> bool:
        if not isinstance(address, tuple):
            return True  # unix sockets
        host = address[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            return False

    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def connect(self, address):  # noqa: ANN001
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            raise OSError(f"daoban offline guard: outbound connection to {address!r} refused")
        return original_connect(self, address)

    def connect_ex(self, address):  # noqa: ANN001
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            raise OSError(f"daoban offline guard: outbound connection to {address!r} refused")
        return original_connect_ex(self, address)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex


_no_sentry()
if os.environ.get("DAOBAN_OFFLINE_GUARD") == "1":
    _guard_sockets()
EOF
}

# Rasa's global config lives in $HOME/.config/rasa/global.yml: keep it inside the env and say "no telemetry".
write_home() {
  mkdir -p "$1/home/.config/rasa"
  cat >"$1/home/.config/rasa/global.yml" <<'EOF'
metrics:
  enabled: false
  rasa_user_id: offline
  date: 2024-01-01T00:00:00
EOF
}

start=$(date +%s)
if [ ! -x "$RASA_ENV/bin/rasa" ]; then
  echo "creating $RASA_ENV (python 3.10, rasa[jieba]==$RASA_VERSION): a few minutes, ~2.7 GB"
  rm -rf "$RASA_ENV"
  "$PY310" -m venv "$RASA_ENV"
  write_home "$RASA_ENV"
  HOME="$RASA_ENV/home" "$RASA_ENV/bin/pip" install -q --upgrade "pip<24.1" wheel
  HOME="$RASA_ENV/home" "$RASA_ENV/bin/pip" install -q "rasa[jieba]==$RASA_VERSION"
fi
write_home "$RASA_ENV"
write_sitecustomize "$RASA_ENV"
# Rasa reads its Segment and Sentry write keys from the bundled file rasa/keys: without keys it sends nothing even
# if telemetry were switched on by mistake (rasa/telemetry.py returns early when the key is missing).
keys=$("$RASA_ENV/bin/python" -c 'import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec("rasa").origin), "keys"))')
echo '{}' >"$keys"

if [ ! -x "$SDK_ENV/bin/python" ] || ! "$SDK_ENV/bin/python" -c 'import rasa_sdk, knowledge' 2>/dev/null; then
  echo "creating $SDK_ENV (python 3.11, rasa-sdk==$RASA_SDK_VERSION + daoban)"
  rm -rf "$SDK_ENV"
  "$PY311" -m venv "$SDK_ENV"
  echo '*' >"$SDK_ENV/.gitignore"  # self-ignoring, like venvs made by Python 3.13
  mkdir -p "$SDK_ENV/home"
  # pytest: so tests/rasa can exercise the rasa-sdk layer here (.rasa-sdk-env/bin/python -m pytest tests/rasa)
  HOME="$SDK_ENV/home" "$SDK_ENV/bin/pip" install -q "rasa-sdk==$RASA_SDK_VERSION" -e . pytest
fi
write_sitecustomize "$SDK_ENV"

echo "rasa env:   $RASA_ENV ($(du -sh "$RASA_ENV" | cut -f1)) $(HOME="$RASA_ENV/home" "$RASA_ENV/bin/python" -c \
  'import rasa, tensorflow; print("rasa", rasa.__version__, "tensorflow", tensorflow.__version__)' 2>/dev/null)"
echo "action env: $SDK_ENV ($(du -sh "$SDK_ENV" | cut -f1)) $("$SDK_ENV/bin/python" -c \
  'import rasa_sdk; print("rasa-sdk", rasa_sdk.__version__)')"
echo "done in $(( $(date +%s) - start )) s"
