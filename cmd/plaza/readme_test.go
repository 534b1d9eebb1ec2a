package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

// TestReadmeListsEveryFlag keeps the README's configuration table in step
// with plaza serve: every flag, its environment variable and its default.
func TestReadmeListsEveryFlag(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for line := range strings.SplitSeq(string(readme), "\n") {
		if strings.HasPrefix(line, "| `--") {
			name := strings.Trim(strings.Fields(line)[1], "`-")
			rows[name] = line
		}
	}
	var cfg serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.flags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		row, ok := rows[f.Name]
		if !ok {
			t.Errorf("README's configuration table lacks --%s", f.Name)
			return
		}
		if !strings.Contains(row, "`"+envName(f.Name)+"`") {
			t.Errorf("README row of --%s does not name %s", f.Name, envName(f.Name))
		}
		if f.DefValue != "" && !strings.Contains(row, "`"+f.DefValue+"`") {
			t.Errorf("README row of --%s does not give the default %q", f.Name, f.DefValue)
		}
		delete(rows, f.Name)
	})
	for name := range rows {
		t.Errorf("README documents --%s, which plaza serve does not have", name)
	}
}
