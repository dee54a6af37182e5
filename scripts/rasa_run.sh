#!/usr/bin/env bash
# Export daoban's knowledge base and flows as a Rasa 3.6 project, train it, and serve it on 127.0.0.1 with the
# action server. Needs scripts/rasa_env.sh first. Nothing leaves the machine: telemetry off, HOME inside .rasa-env,
# and the environments' offline guard refuses any connection outside the loopback interface.
#
# Usage: scripts/rasa_run.sh [all|export|train|serve] [PROJECT_DIR] [-- extra `daoban rasa export` options]
#   all (default)  export, train, serve         PROJECT_DIR default: .rasa-work/project
#   RASA_PORT (5005), ACTION_PORT (5055), RASA_MODE (intents|retrieval), RASA_EPOCHS (40) tune it.
# Try it: curl -s 127.0.0.1:5005/webhooks/rest/webhook -d '{"sender":"a","message":"身份证丢了怎么补办"}'
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

step=${1:-all}
case "$step" in all|export|train|serve) shift || true ;; *) step=all ;; esac
PROJECT=${1:-.rasa-work/project}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
PROJECT=$(mkdir -p "$PROJECT" && cd "$PROJECT" && pwd)

RASA_ENV=${RASA_ENV:-$ROOT/.rasa-env}
SDK_ENV=${RASA_SDK_ENV:-$ROOT/.rasa-sdk-env}
RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
MODE=${RASA_MODE:-intents}
EPOCHS=${RASA_EPOCHS:-40}

if [ ! -x "$RASA_ENV/bin/rasa" ] || [ ! -x "$SDK_ENV/bin/python" ]; then
  echo "run scripts/rasa_env.sh first" >&2
  exit 2
fi

export RASA_TELEMETRY_ENABLED=false DAOBAN_OFFLINE_GUARD=1 SANIC_HOST=127.0.0.1 TF_CPP_MIN_LOG_LEVEL=2
unset RASA_EXCEPTION_WRITE_KEY RASA_TELEMETRY_WRITE_KEY
rasa() { (cd "$PROJECT" && HOME="$RASA_ENV/home" exec "$RASA_ENV/bin/rasa" "$@"); }

do_export() {
  HOME="$SDK_ENV/home" "$SDK_ENV/bin/python" -m bot.cli.main rasa export "$PROJECT" --mode "$MODE" --epochs "$EPOCHS" \
    --action-url "http://127.0.0.1:$ACTION_PORT/webhook" "$@"
  rasa data validate --max-history 5
}

do_train() {
  # peak RSS (KB) and wall seconds of the whole `rasa train` process
  (cd "$PROJECT" && HOME="$RASA_ENV/home" /usr/bin/time -f '%M %e' -o "$PROJECT/.train-time" \
    "$RASA_ENV/bin/rasa" train --fixed-model-name daoban --out models)
  read -r peak_kb seconds <"$PROJECT/.train-time"
  printf '{"train_s": %s, "peak_rss_mb": %s, "mode": "%s", "epochs": %s}\n' "$seconds" "$((peak_kb / 1024))" \
    "$MODE" "$EPOCHS" | tee "$PROJECT/train_stats.json"
}

do_serve() {
  local pids=()
  [ -f "$PROJECT/models/daoban.tar.gz" ] || { echo "no model in $PROJECT/models: run the train step first" >&2; exit 2; }
  printf 'action_endpoint:\n  url: http://127.0.0.1:%s/webhook\n' "$ACTION_PORT" >"$PROJECT/endpoints.yml"
  trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
  (cd "$ROOT" && HOME="$SDK_ENV/home" exec "$SDK_ENV/bin/python" -m rasa_sdk --actions bot.rasa.actions \
    --port "$ACTION_PORT") &
  pids+=($!)
  (cd "$PROJECT" && HOME="$RASA_ENV/home" exec "$RASA_ENV/bin/rasa" run -i 127.0.0.1 -p "$RASA_PORT" \
    --model models/daoban.tar.gz --endpoints endpoints.yml --credentials credentials.yml) &
  pids+=($!)
  echo "Rasa REST webhook: http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook  (action server 127.0.0.1:$ACTION_PORT)"
  wait -n "${pids[@]}"
}

case "$step" in
  export) do_export "$@" ;;
  train) do_train ;;
  serve) do_serve ;;
  all) do_export "$@"; do_train; do_serve ;;
esac
