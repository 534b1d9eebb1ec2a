// Command openapi writes Plaza's OpenAPI document as the server serves it at
// /v1/openapi.json (or, with -yaml, /v1/openapi.yaml): api/openapi.yaml with
// the server API's mirror of every client route. api/test.sh lints it.
//
//	go run ./api/cmd/openapi [-yaml] [-o FILE]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/plazahq/plaza/internal/httpapi"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("openapi", flag.ContinueOnError)
	asYAML := fs.Bool("yaml", false, "write YAML instead of JSON")
	out := fs.String("o", "", "write to this file instead of standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	doc, err := httpapi.OpenAPIJSON()
	if *asYAML {
		doc, err = httpapi.OpenAPIYAML()
	}
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(doc)
		return err
	}
	return os.WriteFile(*out, doc, 0o644)
}
