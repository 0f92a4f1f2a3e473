# Sourced by the scripts under tests/ that drive real clients against a live server:
# `start_server NAME` starts `radar serve` (RADAR_BIN, default target/debug/radar, built if
# missing) on a free loopback port over a fresh embedded store in a temporary folder, with a
# random operator token, waits until it is ready (or prints its log and fails, naming NAME) and
# stops it and removes the folder on exit. It sets `work`, `base` and `token`; `send METHOD
# PATH JSON` then calls an operator route with the token. `ensure_venv DIR NAME==VERSION ...`
# installs the pinned PyPI clients into the venv DIR unless it already holds exactly them.

ensure_venv() {
  local venv=$1
  shift
  local pins
  pins=$(printf "'%s'," "$@")
  if "$venv/bin/python" -c "import sys; from importlib.metadata import version as v
sys.exit(not all(v(p.split('==')[0]) == p.split('==')[1] for p in [$pins]))" 2>/dev/null; then
    return 0
  fi
  echo "installing $* into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
}

start_server() {
  local name=$1
  local bin="${RADAR_BIN:-target/debug/radar}"
  if [ ! -x "$bin" ]; then cargo build -p radar; fi
  work=$(mktemp -d)
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  token="$name-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  RADAR_OPERATOR_TOKEN="$token" RADAR_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --data "$work/data" \
    >"$work/serve.log" 2>&1 &
  server=$!
  trap stop_server EXIT
  for _ in $(seq 1 100); do
    if curl -fsS "$base/readyz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$server" 2>/dev/null; then
      cat "$work/serve.log"
      echo "$name: the server did not start"
      exit 1
    fi
    sleep 0.2
  done
}

stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}

send() {
  local method=$1 path=$2 body=$3
  curl -fsS -o /dev/null -X "$method" "$base$path" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d "$body"
}
