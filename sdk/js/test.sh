#!/usr/bin/env bash
# The TypeScript SDK's checks, as scripts/test and CI run them:
#   1. install (npm ci) when node_modules is missing;
#   2. the generated types are fresh: regenerate from api/openapi.yaml into a
#      temporary file and compare (fails when src/generated/api.ts is stale);
#   3. typecheck (tsc --noEmit), build (tsc to dist/);
#   4. unit tests, then integration tests against a real `plaza serve` that
#      the tests build from this checkout (go build; PLAZA_BIN skips it) and
#      start on a free port.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -d node_modules ]; then
  echo "sdk/js: npm ci"
  npm ci --no-audit --no-fund
fi

echo "sdk/js: generated types are fresh"
mkdir -p .tmp
node scripts/gen.mjs --out .tmp/api.ts >/dev/null
if ! diff -u src/generated/api.ts .tmp/api.ts >.tmp/gen.diff; then
  head -50 .tmp/gen.diff >&2
  echo "sdk/js: src/generated/api.ts is stale: run 'npm run gen' in sdk/js and commit it" >&2
  exit 1
fi

echo "sdk/js: typecheck"
npx tsc --noEmit -p tsconfig.json

echo "sdk/js: build"
rm -rf dist
npx tsc -p tsconfig.build.json

echo "sdk/js: unit tests"
npx vitest run test/unit

echo "sdk/js: integration tests"
if [ -z "${PLAZA_BIN:-}" ]; then
  # A server binary built from this checkout, once for the run.
  rm -f .tmp/plaza
  (cd ../.. && go build -o sdk/js/.tmp/plaza ./cmd/plaza)
  export PLAZA_BIN="$PWD/.tmp/plaza"
fi
npx vitest run test/integration
