// Package api holds Plaza's hand-written HTTP API contract, embedded so that
// the server can serve it at /v1/openapi.json. The served document adds what
// the route table says and the YAML does not repeat: the server API's mirror
// of every client operation (internal/httpapi/openapi.go). cmd/openapi writes
// the served document; test.sh lints both with Redocly CLI.
package api

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document, in YAML.
//
//go:embed openapi.yaml
var OpenAPI []byte
