#!/usr/bin/env bash
# Makes sure the system binaries the test suite starts are present: PostgreSQL, MariaDB,
# SoftHSM2, age and openssl. Installs missing Debian packages when it can (root + apt);
# otherwise fails naming the exact command to run.
set -euo pipefail

declare -A PACKAGE_FOR=(
  [openssl]=openssl
  [age]=age
  [softhsm2-util]=softhsm2
  [mariadbd]=mariadb-server
  [pg_ctl]=postgresql
)

have() {
  case "$1" in
    pg_ctl) command -v pg_ctl >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null ;;
    mariadbd) command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
for bin in "${!PACKAGE_FOR[@]}"; do
  have "$bin" || missing+=("${PACKAGE_FOR[$bin]}")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: system dependencies present"
  exit 0
fi

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    # Package installs may start services; the tests start their own instances.
    (service postgresql stop || true; service mariadb stop || true) >/dev/null 2>&1
    echo "setup: installed ${missing[*]}"
    exit 0
  fi
  echo "setup: installing failed. Run as root: $cmd" >&2
  exit 1
fi
echo "setup: missing ${missing[*]}. Run as root: $cmd" >&2
exit 1
