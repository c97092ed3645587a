#!/usr/bin/env bash
# The whole test suite: system dependencies, lint, type-check, build (integration tests run
# the built CLI), then every unit, integration and compat test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== lint";       npx eslint .
echo "== typecheck";  npx tsc -p tsconfig.json --noEmit
echo "== build";      npx tsc -p tsconfig.build.json
echo "== tests";      npx vitest run
