#!/usr/bin/env bash
# Plaintext in Git is forever: keep a Kubernetes Secret in Git as a SOPS file with `coffer sops`,
# first with an age key, then with a transit key on a Coffer dev server.
#
#   bash examples/sops-files/run.sh
#
# Builds Coffer if dist/ is missing or older than src/, works in a throwaway directory with a
# throwaway HOME, starts `coffer server -dev` on a free loopback port for the transit part, and
# removes everything on exit. Needs node >= 20.19, npm dependencies installed (`npm ci`) and
# age-keygen (from https://age-encryption.org).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLI="$ROOT/dist/cli/main.js"

# ---- build if needed -------------------------------------------------------------------
if [ ! -d "$ROOT/node_modules" ]; then
  echo "error: dependencies are missing; run 'npm ci' in $ROOT first" >&2
  exit 1
fi
if ! command -v age-keygen >/dev/null 2>&1; then
  echo "error: age-keygen is missing; install age (https://age-encryption.org)" >&2
  exit 1
fi
needs_build() {
  [ -f "$CLI" ] || return 0
  # tsc leaves unchanged outputs alone, so compare with the newest file in dist/.
  local newest
  newest="$(find "$ROOT/dist" -name '*.js' -exec ls -t {} + 2>/dev/null | head -n 1)"
  [ -n "$(find "$ROOT/src" -name '*.ts' ! -name '*.test.ts' -newer "$newest" -print -quit)" ]
}
if needs_build; then
  echo "==> building Coffer"
  (cd "$ROOT" && npm run build --silent)
fi

# ---- a throwaway working directory -------------------------------------------------------
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

# Keys and settings from the caller's environment would change what the tour shows: age
# identities are looked up in SOPS_AGE_KEY*, then ~/.config/sops/age/keys.txt (a throwaway HOME
# here), and COFFER_* win over VAULT_*.
unset SOPS_AGE_KEY SOPS_AGE_KEY_FILE SOPS_AGE_KEY_CMD SOPS_AGE_RECIPIENTS SOPS_VAULT_URIS SOPS_CONFIG
unset XDG_CONFIG_HOME COFFER_ADDR COFFER_TOKEN VAULT_ADDR VAULT_TOKEN
export HOME="$WORK"
mkdir "$WORK/repo"
cd "$WORK/repo" # stands in for a Git checkout

coffer() { node "$CLI" "$@"; }
step() { printf '\n==> %s\n' "$*"; }
expect() { # expect <description> <actual> <expected>
  if [ "$2" != "$3" ]; then
    echo "FAIL: $1: expected '$3', got '$2'" >&2
    exit 1
  fi
  echo "ok: $1 = $2"
}
# same <description> <a> <b>: like expect, for long values (prints only the description).
same() {
  if [ "$2" != "$3" ]; then
    echo "FAIL: $1: the values differ" >&2
    exit 1
  fi
  echo "ok: $1"
}
expect_contains() { # expect_contains <description> <text> <substring>
  case "$2" in
    *"$3"*) echo "ok: $1 (contains '$3')" ;;
    *)
      echo "FAIL: $1: expected to contain '$3', got:" >&2
      echo "$2" >&2
      exit 1
      ;;
  esac
}
# must_fail <description> <command...>: the command must exit non-zero; its stdout and stderr
# are kept in $FAIL_OUT and $FAIL_ERR, its exit code in $FAIL_CODE.
must_fail() {
  local desc="$1"
  shift
  FAIL_CODE=0
  "$@" >"$WORK/fail.out" 2>"$WORK/fail.err" || FAIL_CODE=$?
  FAIL_OUT="$(cat "$WORK/fail.out")"
  FAIL_ERR="$(cat "$WORK/fail.err")"
  if [ "$FAIL_CODE" -eq 0 ]; then
    echo "FAIL: $desc: the command succeeded, it should have failed" >&2
    exit 1
  fi
  echo "ok: $desc (exit code $FAIL_CODE)"
}
# sops --extract paths for the Secret's fields.
PASSWORD='["stringData"]["password"]'
USERNAME='["stringData"]["username"]'

# ---- part 1: an age key ------------------------------------------------------------------
step "make an age key; the recipient (public key) is safe to commit, key.txt is not"
age-keygen -o "$WORK/key.txt" 2>&1
RECIPIENT="$(age-keygen -y "$WORK/key.txt")"
echo "recipient: $RECIPIENT"

step "write .sops.yaml: encrypt only data/stringData of *.yaml files, for that recipient"
cat >.sops.yaml <<EOF
creation_rules:
  - path_regex: \.yaml\$
    encrypted_regex: ^(data|stringData)\$
    age: $RECIPIENT
EOF
cat .sops.yaml

step "encrypt a Kubernetes Secret manifest, then delete the plaintext"
cat >db-credentials.yaml <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  namespace: bookstore
  labels:
    app: bookstore
type: Opaque
stringData:
  username: bookstore
  password: correct-horse-battery-staple
EOF
coffer sops encrypt db-credentials.yaml >db-credentials.enc.yaml
rm db-credentials.yaml
cat db-credentials.enc.yaml

step "the file to commit holds no plaintext value, but its metadata stays readable"
if grep -q 'correct-horse-battery-staple' db-credentials.enc.yaml; then
  echo "FAIL: the password is in db-credentials.enc.yaml in plaintext" >&2
  exit 1
fi
echo "ok: grep finds no password in db-credentials.enc.yaml"
expect "password is a SOPS ciphertext" "$(grep -c '^    password: ENC\[AES256_GCM,data:' db-credentials.enc.yaml)" "1"
expect "metadata.name in plain text" "$(grep -c '^    name: db-credentials$' db-credentials.enc.yaml)" "1"
expect "kind in plain text" "$(grep -c '^kind: Secret$' db-credentials.enc.yaml)" "1"

step "without the private key nothing decrypts"
must_fail "decrypt without an age identity" coffer sops decrypt db-credentials.enc.yaml
echo "$FAIL_ERR"
expect_contains "the error names where it looked" "$FAIL_ERR" "Did not find keys in locations 'SOPS_AGE_KEY', 'SOPS_AGE_KEY_FILE'"
expect "bytes on stdout" "${#FAIL_OUT}" "0"

step "decrypt with SOPS_AGE_KEY_FILE (what 'kubectl apply' or a CI job would receive)"
export SOPS_AGE_KEY_FILE="$WORK/key.txt"
coffer sops decrypt db-credentials.enc.yaml
expect "password" "$(coffer sops decrypt --extract "$PASSWORD" db-credentials.enc.yaml)" "correct-horse-battery-staple"
expect "metadata.namespace" "$(coffer sops decrypt --extract '["metadata"]["namespace"]' db-credentials.enc.yaml)" "bookstore"

step "tamper with the committed file: move the Secret to another namespace"
sed 's/^    namespace: bookstore$/    namespace: kube-system/' db-credentials.enc.yaml >tampered.enc.yaml
expect "the edit changed one line" "$(diff db-credentials.enc.yaml tampered.enc.yaml | grep -c '^>')" "1"
must_fail "decrypt a tampered file" coffer sops decrypt tampered.enc.yaml
echo "$FAIL_ERR"
expect_contains "the error" "$FAIL_ERR" "MAC mismatch"
expect "bytes on stdout" "${#FAIL_OUT}" "0"

step "tamper differently: swap the two encrypted values"
awk '/^    username: /{u=$0; next} {print} /^    password: /{print u}' db-credentials.enc.yaml >swapped.enc.yaml
must_fail "decrypt a file with swapped values" coffer sops decrypt swapped.enc.yaml
expect_contains "the error" "$FAIL_ERR" "MAC mismatch"

step "edit a value with 'coffer sops edit' (an editor script stands in for \$EDITOR)"
cat >"$WORK/editor.sh" <<'EOF'
#!/usr/bin/env bash
# Sets a new password in the decrypted temporary file coffer hands us.
sed 's/^    password: .*/    password: staple-battery-horse-correct/' "$1" >"$1.new" && mv "$1.new" "$1"
EOF
chmod +x "$WORK/editor.sh"
cp db-credentials.enc.yaml before-edit.enc.yaml
SOPS_EDITOR="$WORK/editor.sh" coffer sops edit db-credentials.enc.yaml
expect "password after edit" "$(coffer sops decrypt --extract "$PASSWORD" db-credentials.enc.yaml)" "staple-battery-horse-correct"
# Diff-stable: the untouched value keeps its ciphertext; only password, lastmodified and mac move.
same "username ciphertext unchanged by edit" "$(grep '^    username: ' db-credentials.enc.yaml)" "$(grep '^    username: ' before-edit.enc.yaml)"
changed="$(diff before-edit.enc.yaml db-credentials.enc.yaml | grep '^>' || true)"
echo "$changed" | cut -c1-72
# lastmodified has one-second resolution, so it may or may not have moved.
expect "lines changed other than password, lastmodified, mac" \
  "$(echo "$changed" | grep -c -v -E '^> +(password|lastmodified|mac): ' || true)" "0"

step "rotate the data key: every value re-encrypted, same plaintext"
cp db-credentials.enc.yaml before-rotate.enc.yaml
coffer sops rotate -i db-credentials.enc.yaml
if [ "$(grep '^    username: ' db-credentials.enc.yaml)" = "$(grep '^    username: ' before-rotate.enc.yaml)" ]; then
  echo "FAIL: rotate left the username ciphertext unchanged" >&2
  exit 1
fi
echo "ok: the username ciphertext changed"
expect "password after rotate" "$(coffer sops decrypt --extract "$PASSWORD" db-credentials.enc.yaml)" "staple-battery-horse-correct"
expect "username after rotate" "$(coffer sops decrypt --extract "$USERNAME" db-credentials.enc.yaml)" "bookstore"

step "a teammate joins: add their recipient to .sops.yaml and re-wrap the data key (updatekeys)"
age-keygen -o "$WORK/teammate.txt" 2>/dev/null
TEAMMATE="$(age-keygen -y "$WORK/teammate.txt")"
cat >.sops.yaml <<EOF
creation_rules:
  - path_regex: \.yaml\$
    encrypted_regex: ^(data|stringData)\$
    age: $RECIPIENT,$TEAMMATE
EOF
coffer sops updatekeys -y db-credentials.enc.yaml
expect "recipients in the file" "$(grep -c -- '- recipient: ' db-credentials.enc.yaml)" "2"
expect "the teammate decrypts" "$(SOPS_AGE_KEY_FILE="$WORK/teammate.txt" coffer sops decrypt --extract "$PASSWORD" db-credentials.enc.yaml)" "staple-battery-horse-correct"

step "the teammate leaves: rotate without their recipient (they may have kept the old data key)"
cat >.sops.yaml <<EOF
creation_rules:
  - path_regex: \.yaml\$
    encrypted_regex: ^(data|stringData)\$
    age: $RECIPIENT
EOF
coffer sops rotate -i --rm-age "$TEAMMATE" db-credentials.enc.yaml
expect "recipients in the file" "$(grep -c -- '- recipient: ' db-credentials.enc.yaml)" "1"
must_fail "the former teammate decrypts" env SOPS_AGE_KEY_FILE="$WORK/teammate.txt" node "$CLI" sops decrypt db-credentials.enc.yaml
expect_contains "the error" "$FAIL_ERR" "no identity matched any of the file's recipients"
expect "we still decrypt" "$(coffer sops decrypt --extract "$PASSWORD" db-credentials.enc.yaml)" "staple-battery-horse-correct"

# ---- part 2: a transit key on a Coffer dev server ----------------------------------------
step "start a dev server for the transit part"
# Port 0: the OS picks a free port; the banner tells us which one.
node "$CLI" server -dev -dev-listen-address=127.0.0.1:0 >"$WORK/server.log" 2>&1 &
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
export VAULT_ADDR VAULT_TOKEN
echo "dev server at $VAULT_ADDR"

step "enable transit and create a key for SOPS"
coffer secrets enable transit
coffer write -f transit/keys/sops >/dev/null
expect "transit key type" "$(coffer read -field=type transit/keys/sops)" "aes256-gcm96"

step "encrypt a second Secret with the transit key instead of age"
unset SOPS_AGE_KEY_FILE # from here on no age identity is available
cat >api-token.yaml <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: api-token
  namespace: bookstore
type: Opaque
stringData:
  token: tr4nsit-wrapped-t0ken
EOF
coffer sops encrypt --hc-vault-transit "$VAULT_ADDR/v1/transit/keys/sops" api-token.yaml >api-token.enc.yaml
rm api-token.yaml
cat api-token.enc.yaml
if grep -q 'tr4nsit-wrapped-t0ken' api-token.enc.yaml; then
  echo "FAIL: the token is in api-token.enc.yaml in plaintext" >&2
  exit 1
fi
echo "ok: grep finds no token in api-token.enc.yaml"
expect "the data key is wrapped by transit" "$(grep -c '^          enc: vault:v1:' api-token.enc.yaml)" "1"
expect "no age recipient" "$(grep -c 'recipient:' api-token.enc.yaml || true)" "0"
expect "the .sops.yaml rule still applies" "$(grep -c '^    encrypted_regex: ^(data|stringData)\$$' api-token.enc.yaml)" "1"

step "decrypt: the server unwraps the data key (the token comes from VAULT_TOKEN)"
coffer sops decrypt api-token.enc.yaml
expect "token" "$(coffer sops decrypt --extract '["stringData"]["token"]' api-token.enc.yaml)" "tr4nsit-wrapped-t0ken"

step "access is the server's decision: a token it does not accept gets nothing"
must_fail "decrypt with a bogus token" env VAULT_TOKEN=not-a-token node "$CLI" sops decrypt api-token.enc.yaml
expect_contains "the error" "$FAIL_ERR" "permission denied"
expect "bytes on stdout" "${#FAIL_OUT}" "0"

step "rotate the transit key: the file does not change and still decrypts"
cp api-token.enc.yaml before-transit-rotate.enc.yaml
coffer write -f transit/keys/sops/rotate >/dev/null
expect "transit latest_version" "$(coffer read -field=latest_version transit/keys/sops)" "2"
cmp -s api-token.enc.yaml before-transit-rotate.enc.yaml || { echo "FAIL: api-token.enc.yaml changed" >&2; exit 1; }
echo "ok: api-token.enc.yaml is unchanged"
expect "token after transit rotation" "$(coffer sops decrypt --extract '["stringData"]["token"]' api-token.enc.yaml)" "tr4nsit-wrapped-t0ken"

step "rotate the file's data key: it is now wrapped with transit key version 2"
coffer sops rotate -i api-token.enc.yaml
expect "the data key is wrapped by key version 2" "$(grep -c '^          enc: vault:v2:' api-token.enc.yaml)" "1"
expect "token after data key rotation" "$(coffer sops decrypt --extract '["stringData"]["token"]' api-token.enc.yaml)" "tr4nsit-wrapped-t0ken"

printf '\nAll steps passed.\n'
