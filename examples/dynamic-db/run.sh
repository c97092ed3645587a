#!/usr/bin/env bash
# The seeds' "no long-lived database password" flow: Coffer mints a PostgreSQL user per request
# with a TTL, and drops it when the lease ends.
#
#   bash examples/dynamic-db/run.sh
#
# Builds Coffer if dist/ is missing or older than src/, starts `coffer server -dev` on a free
# loopback port with a throwaway HOME (dev mode writes ~/.vault-token), runs the tour, and
# stops the server on exit. It also starts a throwaway PostgreSQL from the system binaries
# (`bash scripts/setup.sh` installs them) on a free port. Needs node >= 20.19 and npm
# dependencies installed (`npm ci`).
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
PG_STARTED=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$PG_STARTED" ]; then as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- a throwaway PostgreSQL ----------------------------------------------------------------
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "error: PostgreSQL is not installed; run: bash scripts/setup.sh" >&2
  exit 1
fi
# PostgreSQL refuses to run as root: run it as the postgres system user then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
chmod 755 "$WORK"
PGPORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
PGSUPER_PW="rootpassword-$RANDOM$RANDOM"
printf '%s\n' "$PGSUPER_PW" >"$WORK/pwfile"
mkdir -p "$WORK/pg"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK/pg" "$WORK/pwfile"; fi
as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=scram-sha-256 --pwfile="$WORK/pwfile" >/dev/null
rm -f "$WORK/pwfile"
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w \
  -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
PG_STARTED=1
echo "==> PostgreSQL on 127.0.0.1:$PGPORT"
# psql as someone: psql_as <user> <password> <sql>
psql_as() { PGPASSWORD="$2" "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U "$1" -d postgres -XAtq -v ON_ERROR_STOP=1 -c "$3"; }
can_login() { if psql_as "$1" "$2" 'SELECT 1' >/dev/null 2>&1; then echo yes; else echo no; fi; }
super() { psql_as postgres "$PGSUPER_PW" "$1"; }

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

coffer() { node "$CLI" "$@"; }
step() { printf '\n==> %s\n' "$*"; }
# Prints one field of a JSON document read from stdin, e.g. `json data.username`.
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

# ---- the tour --------------------------------------------------------------------------
step "enable the database engine and connect it to PostgreSQL"
coffer secrets enable database
coffer write database/config/my-postgres \
  plugin_name=postgresql-database-plugin \
  connection_url="postgresql://{{username}}:{{password}}@127.0.0.1:$PGPORT/postgres" \
  username=postgres password="$PGSUPER_PW" \
  allowed_roles="readonly,app-static"
coffer read database/config/my-postgres

step "a role: users that may read, valid for 5 seconds (renewable up to 1 minute)"
coffer write database/roles/readonly db_name=my-postgres default_ttl=5s max_ttl=1m \
  creation_statements="CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"{{name}}\";"

step "request credentials (the CLI shows the lease)"
coffer read database/creds/readonly
CREDS="$(coffer read -format=json database/creds/readonly)"
USERNAME="$(json data.username <<<"$CREDS")"
PASSWORD="$(json data.password <<<"$CREDS")"
LEASE="$(json lease_id <<<"$CREDS")"
expect "log in to PostgreSQL with them" "$(can_login "$USERNAME" "$PASSWORD")" yes
super "SELECT rolname, rolvaliduntil FROM pg_roles WHERE rolname = '$USERNAME'"

step "renew the lease: VALID UNTIL moves with it"
coffer lease renew -increment=30s "$LEASE"
super "SELECT rolname, rolvaliduntil FROM pg_roles WHERE rolname = '$USERNAME'"
coffer lease revoke -sync "$LEASE"
expect "pg_roles rows for the user after revoke" "$(super "SELECT count(*) FROM pg_roles WHERE rolname = '$USERNAME'")" 0

step "the seeds' 'Try this': wait past the TTL, the user is gone"
CREDS="$(coffer read -format=json database/creds/readonly)"
USERNAME="$(json data.username <<<"$CREDS")"
PASSWORD="$(json data.password <<<"$CREDS")"
expect "fresh credentials log in" "$(can_login "$USERNAME" "$PASSWORD")" yes
sleep 7
expect "pg_roles rows for the user after the TTL" "$(super "SELECT count(*) FROM pg_roles WHERE rolname = '$USERNAME'")" 0
expect "after the TTL, the credentials log in" "$(can_login "$USERNAME" "$PASSWORD")" no

step "revoke every lease of the role at once"
for _ in 1 2 3; do coffer read -format=json database/creds/readonly >/dev/null; done
coffer list sys/leases/lookup/database/creds/readonly/
coffer lease revoke -prefix -sync database/creds/readonly
expect "users of the role left" "$(super "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'v-root-readonly-%'")" 0

step "a static role: Coffer rotates an existing user's password every 5 seconds"
super "CREATE ROLE app WITH LOGIN PASSWORD 'initial-password'"
coffer write database/static-roles/app-static db_name=my-postgres username=app rotation_period=5s
P1="$(coffer read -field=password database/static-creds/app-static)"
expect "the initial password works (creating the role rotated it)" "$(can_login app initial-password)" no
expect "the current password works" "$(can_login app "$P1")" yes
sleep 6
P2="$(coffer read -field=password database/static-creds/app-static)"
[ "$P1" != "$P2" ] || { echo "FAIL: the password did not rotate" >&2; exit 1; }
expect "the previous password works" "$(can_login app "$P1")" no
expect "the rotated password works" "$(can_login app "$P2")" yes

step "rotate-root: only Coffer knows the connection password now"
super "CREATE ROLE coffer_admin WITH LOGIN CREATEROLE PASSWORD 'admin-start'"
coffer write database/config/admin-conn plugin_name=postgresql-database-plugin \
  connection_url="postgresql://{{username}}:{{password}}@127.0.0.1:$PGPORT/postgres" \
  username=coffer_admin password=admin-start allowed_roles=via-admin
coffer write database/roles/via-admin db_name=admin-conn default_ttl=1m \
  creation_statements="CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"
coffer write -force database/rotate-root/admin-conn
expect "the old admin password works" "$(can_login coffer_admin admin-start)" no
CREDS="$(coffer read -format=json database/creds/via-admin)"
expect "the engine still issues working users" "$(can_login "$(json data.username <<<"$CREDS")" "$(json data.password <<<"$CREDS")")" yes

step "done"
echo "every check passed"
