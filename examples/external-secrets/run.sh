#!/usr/bin/env bash
# The seeds' ESO flows end to end: a real `coffer server` and `coffer operator run
# -external-secrets` (both from dist/) against the in-process Kubernetes API test server, or —
# with KUBECONFIG set and COFFER_TEST_CLUSTER=1 — against your (throwaway) cluster.
# Then event-driven rotation and the Reloader-compatible rollout.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/cli/main.js ] || npm run build --silent
npx vitest run test/e2e/seeds.test.ts test/e2e/tenants.test.ts test/integration/externalsecret-events.test.ts "$@"
