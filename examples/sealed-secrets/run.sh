#!/usr/bin/env bash
# Sealed Secrets offline: seal a Kubernetes Secret with `coffer seal` (kubeseal-compatible) so
# that it is safe to commit, and open it again with the private key, as the controller would.
#
#   bash examples/sealed-secrets/run.sh
#
# Builds Coffer if dist/ is missing or older than src/, works in a throwaway directory, and
# removes it on exit. No cluster and no server: a key pair made with openssl stands in for the
# controller's key. Needs node >= 20.19, npm dependencies installed (`npm ci`) and openssl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLI="$ROOT/dist/cli/main.js"

# ---- build if needed -------------------------------------------------------------------
if [ ! -d "$ROOT/node_modules" ]; then
  echo "error: dependencies are missing; run 'npm ci' in $ROOT first" >&2
  exit 1
fi
if ! command -v openssl >/dev/null 2>&1; then
  echo "error: openssl is missing" >&2
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
cleanup() {
  rm -rf "$WORK"
}
trap cleanup EXIT

# Nothing here talks to a cluster: a kubeconfig that does not exist keeps the caller's own
# out of the way, and SEALED_SECRETS_* would change the defaults.
unset SEALED_SECRETS_CERT SEALED_SECRETS_SCOPE SEALED_SECRETS_FORMAT SEALED_SECRETS_CONTROLLER_NAME SEALED_SECRETS_CONTROLLER_NAMESPACE
export HOME="$WORK" KUBECONFIG="$WORK/no-kubeconfig"
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
# not_in <file> <text>...: none of the texts may occur in the file.
not_in() {
  local file="$1" text
  shift
  for text in "$@"; do
    if grep -qF -- "$text" "$file"; then
      echo "FAIL: '$text' is in $file" >&2
      exit 1
    fi
  done
  echo "ok: $file holds none of: $*"
}
b64() { printf '%s' "$1" | base64 | tr -d '\n'; }
# secret_value <key>: one decoded value of the Secret (JSON) on stdin.
secret_value() {
  node -e '
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const v = JSON.parse(s).data?.[process.argv[1]];
      process.stdout.write(v === undefined ? "<missing>" : Buffer.from(v, "base64").toString("utf8"));
    });' "$1"
}
# unseal <sealed file> <private key file>: the Secret the controller would write, as JSON.
unseal() { coffer seal --recovery-unseal --recovery-private-key "$2" -f "$1" -o json; }

# ---- the tour --------------------------------------------------------------------------
step "make a sealing key: RSA-4096 and a self-signed certificate (the controller's key pair)"
openssl req -x509 -newkey rsa:4096 -nodes -keyout "$WORK/tls.key" -out tls.crt \
  -subj "/CN=sealed-secret/O=sealed-secret" -days 3650 2>/dev/null
openssl x509 -in tls.crt -noout -subject -enddate
echo "tls.crt (public) can be committed; tls.key stays with the controller"

step "write the Secret manifest (plaintext: never commit this file)"
cat >db-credentials.yaml <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  namespace: bookstore
  labels:
    app: bookstore
type: Opaque
data:
  username: $(b64 bookstore)
stringData:
  password: correct-horse-battery-staple
EOF
cat db-credentials.yaml

step "seal it with the certificate (strict scope: this name in this namespace)"
coffer seal --cert tls.crt -f db-credentials.yaml -w db-credentials-sealed.yaml
rm db-credentials.yaml
cut -c1-100 db-credentials-sealed.yaml

step "the SealedSecret is safe to commit: no value, plain or base64"
not_in db-credentials-sealed.yaml correct-horse-battery-staple "$(b64 correct-horse-battery-staple)" "$(b64 bookstore)"
expect "kind" "$(grep -c '^kind: SealedSecret$' db-credentials-sealed.yaml)" "1"
# 2-byte length (512 = 0x0200) then the RSA-4096 part: every value starts with "Ag".
expect "sealed values" "$(grep -c -E '^    (username|password): Ag[A-Za-z0-9+/]{600,}={0,2}$' db-credentials-sealed.yaml)" "2"

step "open it with the private key (what the controller does in the cluster)"
unseal db-credentials-sealed.yaml "$WORK/tls.key" >secret.json
coffer seal --recovery-unseal --recovery-private-key "$WORK/tls.key" -f db-credentials-sealed.yaml -o yaml
expect "password" "$(secret_value password <secret.json)" "correct-horse-battery-staple"
expect "username" "$(secret_value username <secret.json)" "bookstore"

step "the same with a key Secret, as the controller stores it (what 'coffer seal backup' exports)"
cat >"$WORK/sealing-key.yaml" <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: sealed-secrets-key-example
  namespace: kube-system
  labels:
    sealedsecrets.bitnami.com/sealed-secrets-key: active
type: kubernetes.io/tls
data:
  tls.crt: $(base64 <tls.crt | tr -d '\n')
  tls.key: $(base64 <"$WORK/tls.key" | tr -d '\n')
EOF
expect "password via the key Secret" "$(unseal db-credentials-sealed.yaml "$WORK/sealing-key.yaml" | secret_value password)" "correct-horse-battery-staple"

step "strict scope: the same SealedSecret under another name does not open"
sed 's/^  name: db-credentials$/  name: db-credentials-copy/' db-credentials-sealed.yaml >copy-sealed.yaml
expect "renamed metadata.name" "$(grep -c '^  name: db-credentials-copy$' copy-sealed.yaml)" "1"
must_fail "open the renamed SealedSecret" unseal copy-sealed.yaml "$WORK/tls.key"
echo "$FAIL_ERR"
expect_contains "the error" "$FAIL_ERR" "it was sealed for strict scope (\"bookstore/db-credentials\"), not for this SealedSecret's strict scope (\"bookstore/db-credentials-copy\")"
expect "bytes on stdout" "${#FAIL_OUT}" "0"

step "another namespace does not open either"
sed 's/^  namespace: bookstore$/  namespace: payments/' db-credentials-sealed.yaml >moved-sealed.yaml
must_fail "open the moved SealedSecret" unseal moved-sealed.yaml "$WORK/tls.key"
expect_contains "the error" "$FAIL_ERR" "not for this SealedSecret's strict scope (\"payments/db-credentials\")"

step "cluster-wide scope: opens under any name, in any namespace"
cat >shared.yaml <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: registry-token
  namespace: bookstore
stringData:
  token: sh4red-registry-t0ken
EOF
coffer seal --cert tls.crt --scope cluster-wide -f shared.yaml -w shared-sealed.yaml
rm shared.yaml
not_in shared-sealed.yaml sh4red-registry-t0ken "$(b64 sh4red-registry-t0ken)"
expect "scope annotation" "$(grep -c 'sealedsecrets.bitnami.com/cluster-wide: "true"' shared-sealed.yaml)" "2"
sed -e 's/^\( *\)name: registry-token$/\1name: registry-token-copy/' \
  -e 's/^\( *\)namespace: bookstore$/\1namespace: payments/' shared-sealed.yaml >shared-copy-sealed.yaml
unseal shared-copy-sealed.yaml "$WORK/tls.key" >shared.json
expect "token in payments/registry-token-copy" "$(secret_value token <shared.json)" "sh4red-registry-t0ken"
expect "the Secret follows the SealedSecret's name" "$(node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).metadata.name)' <shared.json)" "registry-token-copy"

step "--raw: seal one value for db-credentials and paste it into encryptedData by hand"
raw="$(printf '%s' 'r4w-api-t0ken' | coffer seal --raw --cert tls.crt --namespace bookstore --name db-credentials)"
echo "${raw:0:60}… (${#raw} characters, no newline)"
case "$raw" in Ag*) echo "ok: raw value looks sealed" ;; *) echo "FAIL: raw value: expected base64 starting with Ag" >&2; exit 1 ;; esac
sed "/^  encryptedData:\$/a\\
    api-token: $raw
" db-credentials-sealed.yaml >with-raw-sealed.yaml
expect "api-token via --raw" "$(unseal with-raw-sealed.yaml "$WORK/tls.key" | secret_value api-token)" "r4w-api-t0ken"
must_fail "--raw in strict scope without --name" coffer seal --raw --cert tls.crt --namespace bookstore <<<"x"
expect_contains "the error" "$FAIL_ERR" "must provide the --name flag with --raw and --scope strict"

step "--merge-into: change the password and add a key; the other items are untouched"
cp db-credentials-sealed.yaml before-merge.yaml
cat >update.yaml <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
stringData:
  password: staple-battery-horse-correct
  replica-url: postgres://replica.bookstore:5432/bookstore
EOF
coffer seal --cert tls.crt --merge-into db-credentials-sealed.yaml -f update.yaml
rm update.yaml
diff before-merge.yaml db-credentials-sealed.yaml | cut -c1-80 || true
same "username ciphertext unchanged" "$(grep '^    username: ' db-credentials-sealed.yaml)" "$(grep '^    username: ' before-merge.yaml)"
not_in db-credentials-sealed.yaml staple-battery-horse-correct replica.bookstore
unseal db-credentials-sealed.yaml "$WORK/tls.key" >merged.json
expect "password after merge" "$(secret_value password <merged.json)" "staple-battery-horse-correct"
expect "replica-url after merge" "$(secret_value replica-url <merged.json)" "postgres://replica.bookstore:5432/bookstore"
expect "username after merge" "$(secret_value username <merged.json)" "bookstore"

step "a key the controller does not hold opens nothing"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/other.key" 2>/dev/null
must_fail "open with another key" unseal db-credentials-sealed.yaml "$WORK/other.key"
expect_contains "the error" "$FAIL_ERR" "sealed with a key this controller does not hold"

printf '\nAll steps passed.\n'
