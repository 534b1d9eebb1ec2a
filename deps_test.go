package plaza_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependenciesPointInward enforces the layout of docs/architecture.md:
// the root package imports only the standard library, and no adapter imports
// another adapter; only cmd/plaza wires them together.
func TestDependenciesPointInward(t *testing.T) {
	t.Parallel()
	const module = "github.com/plazahq/plaza"
	deps := func(pkg string) []string {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	for _, d := range deps(module) {
		if d != module {
			t.Errorf("the root package depends on %s; it may import only the standard library", d)
		}
	}
	adapters := []string{"internal/sqlite", "internal/postgres", "internal/natsbus", "internal/httpapi", "internal/gateway", "internal/webhook", "internal/metrics"}
	for _, a := range adapters {
		for _, d := range deps(module + "/" + a) {
			for _, other := range adapters {
				if other != a && d == module+"/"+other {
					t.Errorf("%s imports %s: adapters must not import each other", a, other)
				}
			}
		}
	}
	// The embedded web client's package serves files: the standard library
	// only.
	for _, d := range deps(module + "/web") {
		if d != module+"/web" {
			t.Errorf("package web depends on %s; it may import only the standard library", d)
		}
	}
	for _, d := range deps(module + "/client") {
		if strings.HasPrefix(d, module+"/internal/") {
			t.Errorf("the SDK imports %s; it must stand on the root package alone", d)
		}
	}
}
