#!/usr/bin/env bash
# End-to-end tour of a Coffer dev server and the KV v2 engine, with the coffer CLI and curl.
#
#   bash examples/dev-kv/run.sh
#
# Builds Coffer if dist/ is missing or older than src/, starts `coffer server -dev` on a free
# loopback port with a throwaway HOME (dev mode writes ~/.vault-token), runs the tour, and
# stops the server on exit. Needs node >= 20.19, npm dependencies installed (`npm ci`) and curl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLI="$ROOT/dist/cli/main.js"

# ---- build if needed -------------------------------------------------------------------
if [ ! -d "$ROOT/node_modules" ]; then
  echo "error: dependencies are missing; run 'npm ci' in $ROOT first" >&2
  exit 1
fi
needs_build() {
  [ -f "$CLI" ] || return 0
  # tsc leaves unchanged outputs alone, so compare with the newest file in dist/.
  local newest
  newest="$(find "$ROOT/dist" -name '*.js' -exec ls -t {} + | head -n 1)"
  [ -n "$(find "$ROOT/src" -name '*.ts' ! -name '*.test.ts' -newer "$newest" -print -quit)" ]
}
if needs_build; then
  echo "==> building Coffer"
  (cd "$ROOT" && npm run build --silent)
fi

# ---- start a dev server ----------------------------------------------------------------
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Port 0: the OS picks a free port; the banner tells us which one.
HOME="$WORK" node "$CLI" server -dev -dev-listen-address=127.0.0.1:0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

for _ in $(seq 1 100); do
  grep -q '^Root Token: ' "$WORK/server.log" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.1
done
VAULT_ADDR="$(sed -n 's/^ *Api Address: //p' "$WORK/server.log")"
VAULT_TOKEN="$(sed -n 's/^Root Token: //p' "$WORK/server.log")"
if [ -z "$VAULT_ADDR" ] || [ -z "$VAULT_TOKEN" ]; then
  echo "error: the server did not start" >&2
  cat "$WORK/server.log" >&2
  exit 1
fi
export HOME="$WORK" VAULT_ADDR VAULT_TOKEN
echo "==> dev server at $VAULT_ADDR"

coffer() { node "$CLI" "$@"; }
step() { printf '\n==> %s\n' "$*"; }
# Prints one field of a JSON document read from stdin, e.g. `json data.metadata.version`.
json() {
  node -e '
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      let v = JSON.parse(s);
      for (const k of process.argv[1].split(".")) v = v == null ? v : v[k];
      console.log(typeof v === "object" ? JSON.stringify(v) : String(v));
    });' "$1"
}
expect() { # expect <description> <actual> <expected>
  if [ "$2" != "$3" ]; then
    echo "FAIL: $1: expected '$3', got '$2'" >&2
    exit 1
  fi
  echo "ok: $1 = $2"
}
api() { curl -sS -H "X-Vault-Token: $VAULT_TOKEN" "$@"; }

# ---- the tour --------------------------------------------------------------------------
step "status (exit code 0 = unsealed)"
coffer status

step "write a secret with the CLI (version 1)"
coffer kv put secret/myapp/config username=app password=s3cr3t

step "read it back"
coffer kv get secret/myapp/config
expect "password" "$(coffer kv get -field=password secret/myapp/config)" "s3cr3t"

step "patch one key (version 2); the other key is kept"
coffer kv patch secret/myapp/config password=rotated
expect "password after patch" "$(coffer kv get -field=password secret/myapp/config)" "rotated"
expect "username after patch" "$(coffer kv get -field=username secret/myapp/config)" "app"

step "write a second secret with curl (the Vault HTTP API)"
api -X POST -d '{"data":{"url":"postgres://db:5432/app"}}' "$VAULT_ADDR/v1/secret/data/myapp/db"
echo

step "read it with curl"
body="$(api "$VAULT_ADDR/v1/secret/data/myapp/db")"
echo "$body"
expect "db url" "$(echo "$body" | json data.data.url)" "postgres://db:5432/app"

step "list with the CLI, then with curl (LIST verb and ?list=true)"
coffer kv list secret/myapp
expect "LIST verb" "$(api -X LIST "$VAULT_ADDR/v1/secret/metadata/myapp" | json data.keys)" '["config","db"]'
expect "?list=true" "$(api "$VAULT_ADDR/v1/secret/metadata/myapp?list=true" | json data.keys)" '["config","db"]'

step "versions: read version 1, then the key's metadata"
expect "version 1 password" "$(coffer kv get -version=1 -field=password secret/myapp/config)" "s3cr3t"
coffer kv metadata get secret/myapp/config
expect "current_version" "$(coffer kv metadata get -format=json secret/myapp/config | json data.current_version)" "2"

step "soft-delete the latest version"
coffer kv delete secret/myapp/config
status="$(api -o "$WORK/deleted.json" -w '%{http_code}' "$VAULT_ADDR/v1/secret/data/myapp/config")"
expect "HTTP status of a deleted version" "$status" "404"
deleted_at="$(json data.metadata.deletion_time <"$WORK/deleted.json")"
expect "body of the 404 carries deletion_time" "$([ -n "$deleted_at" ] && echo set)" "set"
expect "version 1 still readable" "$(coffer kv get -version=1 -field=password secret/myapp/config)" "s3cr3t"

step "undelete it"
coffer kv undelete -versions=2 secret/myapp/config
expect "password after undelete" "$(coffer kv get -field=password secret/myapp/config)" "rotated"

step "destroy version 1 for good"
coffer kv destroy -versions=1 secret/myapp/config
status="$(api -o /dev/null -w '%{http_code}' "$VAULT_ADDR/v1/secret/data/myapp/config?version=1")"
expect "HTTP status of a destroyed version" "$status" "404"

step "remove the key, every version and its metadata"
coffer kv metadata delete secret/myapp/config
status="$(api -o /dev/null -w '%{http_code}' "$VAULT_ADDR/v1/secret/metadata/myapp/config")"
expect "HTTP status after metadata delete" "$status" "404"

printf '\nAll steps passed.\n'
