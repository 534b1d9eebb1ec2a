#!/usr/bin/env bash
# The web client's checks, as scripts/test and CI run them:
#   1. install (npm ci) when node_modules is missing or older than the lock;
#   2. typecheck and build into dist/, then fail when dist/ differs from the
#      committed build: plaza serve embeds dist/, so it must be the build of
#      src/ (and of the SDK's source in ../sdk/js) as committed;
#   3. unit tests (test/unit: no browser);
#   4. browser tests (test/browser): plaza serve built from this checkout,
#      Debian's Chromium driven by playwright-core; screenshots go to
#      test-results/.
# With --readme-screenshot, the chat's screenshot becomes the README's
# (docs/img/web-client.png).
set -euo pipefail
cd "$(dirname "$0")"

chromium="${PLAZA_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "web: no Chromium at $chromium: the browser tests drive Debian's; install it with: apt-get install -y chromium" >&2
  exit 1
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "web: npm ci"
  npm ci --no-audit --no-fund
fi

echo "web: typecheck and build"
npx tsc --noEmit -p tsconfig.json
npx vite build --logLevel warn
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  changed=$(git status --porcelain -- dist)
  if [ -n "$changed" ]; then
    echo "$changed" >&2
    echo "web: dist/ differs from the committed build: run 'npm run build' in web/ and commit web/dist" >&2
    exit 1
  fi
fi

echo "web: unit tests"
npx vitest run

echo "web: browser tests"
if [ -z "${PLAZA_BIN:-}" ]; then
  # A server built from this checkout, with the client just built embedded.
  mkdir -p .tmp
  (cd .. && go build -o web/.tmp/plaza ./cmd/plaza)
  export PLAZA_BIN="$PWD/.tmp/plaza"
fi
export PLAZA_CHROMIUM="$chromium"
rm -rf test-results
npx vitest run --config vitest.browser.config.ts
echo "web: screenshots in $PWD/test-results"

if [ "${1:-}" = "--readme-screenshot" ]; then
  cp test-results/06-chat.png ../docs/img/web-client.png
  echo "web: docs/img/web-client.png updated"
fi
