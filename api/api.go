// Package api holds Plaza's hand-written HTTP API contract, embedded so that
// the server can serve it at /v1/openapi.json.
package api

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document, in YAML.
//
//go:embed openapi.yaml
var OpenAPI []byte
