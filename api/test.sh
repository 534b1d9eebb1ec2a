#!/usr/bin/env bash
# Lints Plaza's OpenAPI document with Redocly CLI (the version pinned in
# package.json and package-lock.json, installed here in node_modules):
# api/openapi.yaml as committed, and the document the server serves at
# /v1/openapi.json (with the server API's mirror of every client route,
# written by `go run ./api/cmd/openapi`). The rules are redocly.yaml's: any
# problem is an error, and an error fails.
set -euo pipefail
cd "$(dirname "$0")"

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

if [ ! -x node_modules/.bin/redocly ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "api: npm ci"
  npm ci --ignore-scripts --no-audit --no-fund
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd .. && go run ./api/cmd/openapi -o "$tmp/openapi.json")

echo "api: redocly lint openapi.yaml and the served document"
node_modules/.bin/redocly lint --config redocly.yaml --format stylish openapi.yaml "$tmp/openapi.json"
