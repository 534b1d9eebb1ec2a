package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The settings of plaza serve come from four places, the first that sets a
// setting winning: the command line's flags, the environment (PLAZA_ and
// the flag's name: PLAZA_LOG_LEVEL), the config file (--config FILE or
// PLAZA_CONFIG; YAML, its keys the flags' names: "log-level: debug"), and
// the defaults.

// configFlag is the flag (and PLAZA_CONFIG the variable) naming the config
// file. It has no key in the file itself.
const configFlag = "config"

// listKeys are the settings that a config file may give as a YAML list as
// well as a comma-separated string.
var listKeys = map[string]bool{"origins": true, "nats": true}

// parseServeFlags sets fs from args, then from the environment, then from
// the config file that either names, for each flag not set before.
func parseServeFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	path := fs.Lookup(configFlag).Value.String()
	if path == "" {
		return nil
	}
	return applyConfigFile(fs, path)
}

// applyConfigFile sets every flag of fs not set yet from the config file at
// path. An unknown key, a key given twice, a value of the wrong shape or one
// that its flag refuses is an error naming the file, the line and the key.
func applyConfigFile(fs *flag.FlagSet, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	values, err := parseConfig(fs, path, b)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, v := range values {
		if set[v.key] {
			continue // the command line or the environment set it
		}
		if err := fs.Set(v.key, v.value); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", path, v.line, v.key, err)
		}
	}
	return nil
}

// configValue is one setting of a config file.
type configValue struct {
	key, value string
	line       int
}

// parseConfig reads the settings of a config file: a YAML mapping of flag
// names to scalars (or, for listKeys, lists of scalars). An empty file sets
// nothing.
func parseConfig(fs *flag.FlagSet, path string, b []byte) ([]configValue, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the config file must be a mapping of settings (addr: 127.0.0.1:8080)", path, root.Line)
	}
	var out []configValue
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if key == configFlag {
			return nil, fmt.Errorf("%s:%d: a config file cannot name another config file", path, k.Line)
		}
		if k.Kind != yaml.ScalarNode || fs.Lookup(key) == nil {
			return nil, fmt.Errorf("%s:%d: unknown key %q%s", path, k.Line, key, suggestKey(fs, key))
		}
		if line, ok := seen[key]; ok {
			return nil, fmt.Errorf("%s:%d: %s is set twice (first on line %d)", path, k.Line, key, line)
		}
		seen[key] = k.Line
		value, err := scalarValue(v, listKeys[key])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w", path, v.Line, key, err)
		}
		out = append(out, configValue{key: key, value: value, line: v.Line})
	}
	return out, nil
}

// scalarValue returns a setting's value as its flag takes it: a scalar's
// text, or, when list is true, a list's items joined with commas.
func scalarValue(v *yaml.Node, list bool) (string, error) {
	switch {
	case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
		return "", errors.New("no value; leave the key out for the default")
	case v.Kind == yaml.ScalarNode:
		return v.Value, nil
	case v.Kind == yaml.SequenceNode && list:
		items := make([]string, 0, len(v.Content))
		for _, it := range v.Content {
			if it.Kind != yaml.ScalarNode {
				return "", errors.New("a list of plain values is expected")
			}
			items = append(items, it.Value)
		}
		return strings.Join(items, ","), nil
	case list:
		return "", errors.New("a value or a list of values is expected")
	}
	return "", errors.New("a plain value is expected")
}

// suggestKey names the flag that an unknown key probably means
// (log_level, logLevel, LOG-LEVEL: log-level), or says where the keys are
// listed.
func suggestKey(fs *flag.FlagSet, key string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s))
	}
	var match string
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != configFlag && norm(f.Name) == norm(key) {
			match = f.Name
		}
	})
	if match != "" {
		return fmt.Sprintf("; did you mean %s?", match)
	}
	return "; the keys are the flags' names (plaza serve --help lists them)"
}

// serveUsage heads plaza serve's help, above its flags.
const serveUsage = `Usage: plaza serve [flags]

Runs the server: on its embedded default (SQLite in --data, an in-process
NATS server) unless --postgres and --nats make it a node of a cluster.

Each setting comes from the first of: its flag; its environment variable
(PLAZA_ and the flag's name, PLAZA_LOG_LEVEL for --log-level); the config
file (--config FILE or PLAZA_CONFIG: YAML whose keys are the flags' names,
log-level: debug); its default.

Flags:
`
