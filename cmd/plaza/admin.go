package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
)

// plaza admin: the operator API from the command line. Each command makes
// one call (webhook set two) through client.Operator and prints its result
// as indented JSON.

const adminUsage = `Usage: plaza admin [--url URL] [--operator-key KEY] [--data DIR] <command> [flags] [args]

Manages the apps of a running Plaza server over its operator API. Each
command prints its result as JSON on stdout; a failure goes to stderr with a
non-zero exit status.

Commands:
%s
Global flags (before the command; also PLAZA_URL, PLAZA_OPERATOR_KEY, PLAZA_DATA):
  --url URL            the server (default http://127.0.0.1:8080)
  --operator-key KEY   the operator key (default: read DIR/operator-key)
  --data DIR           the server's data directory, for its key (default plaza-data)
`

// adminCommand is one command of plaza admin.
type adminCommand struct {
	name     string // the words that select it: "apps create"
	synopsis string // its flags and arguments
	about    string
	args     int // positional arguments it takes; -1: at least one after the app ID
	// define adds the command's flags to fs and returns what runs it with
	// the positional arguments, once the flags are parsed.
	define func(fs *flag.FlagSet) func(ctx context.Context, op *client.Operator, args []string) (any, error)
}

var adminCommands = []adminCommand{
	{
		name: "apps create", synopsis: "[--app-id ID] --name NAME [--community-enabled] [--spec JSON]",
		about: "create an app with a new server secret",
		define: func(fs *flag.FlagSet) func(context.Context, *client.Operator, []string) (any, error) {
			appID := fs.String("app-id", "", "the app's ID (default: a generated 10-digit number)")
			name := fs.String("name", "", "the app's name (required)")
			enabled := fs.Bool("community-enabled", false, "turn the community feature on")
			spec := fs.String("spec", "", `limits that differ from the defaults, as a JSON object: '{"channelsPerCommunity":500}'`)
			return func(ctx context.Context, op *client.Operator, _ []string) (any, error) {
				if *name == "" {
					return nil, errors.New("--name is required")
				}
				req := plaza.CreateAppRequest{AppID: *appID, Name: *name, CommunityEnabled: *enabled}
				if *spec != "" {
					raw, err := jsonObject("--spec", *spec)
					if err != nil {
						return nil, err
					}
					req.Spec = raw
				}
				return op.CreateApp(ctx, req)
			}
		},
	},
	{
		name: "apps list", synopsis: "[--count N] [--next FLAG]",
		about: "list the apps, by app ID (pass the printed nextFlag as --next for the next page)",
		define: func(fs *flag.FlagSet) func(context.Context, *client.Operator, []string) (any, error) {
			count := fs.Int("count", 0, "apps per page (default 100)")
			next := fs.String("next", "", "the nextFlag of the previous page")
			return func(ctx context.Context, op *client.Operator, _ []string) (any, error) {
				return op.ListApps(ctx, plaza.ListAppsRequest{Count: *count, NextFlag: *next})
			}
		},
	},
	{
		name: "apps show", synopsis: "APPID", args: 1,
		about: "show an app: its spec, server secrets and webhook",
		define: func(*flag.FlagSet) func(context.Context, *client.Operator, []string) (any, error) {
			return func(ctx context.Context, op *client.Operator, args []string) (any, error) {
				return op.QueryApp(ctx, plaza.AppRequest{AppID: args[0]})
			}
		},
	},
	{
		name: "secret rotate", synopsis: "APPID [--grace DURATION]", args: 1,
		about: "issue a new server secret; the ones in use keep working for the grace period (default 24h)",
		define: func(fs *flag.FlagSet) func(context.Context, *client.Operator, []string) (any, error) {
			grace := fs.Duration("grace", plaza.DefaultSecretGrace, "how long the secrets in use keep working (0s: stop at once; at most 720h)")
			return func(ctx context.Context, op *client.Operator, args []string) (any, error) {
				req := plaza.RotateAppSecretRequest{AppID: args[0]}
				if given(fs, "grace") {
					s := int64(*grace / time.Second)
					req.GraceSeconds = &s
				}
				return op.RotateAppSecret(ctx, req)
			}
		},
	},
	{
		name: "community enable", synopsis: "APPID", args: 1,
		about:  "turn an app's community feature on",
		define: communitySwitch(true),
	},
	{
		name: "community disable", synopsis: "APPID", args: 1,
		about:  "turn it off: every community call of the app fails with feature_not_activated",
		define: communitySwitch(false),
	},
	{
		name: "spec set", synopsis: "APPID key=value... | APPID --json OBJECT", args: -1,
		about: "change some limits (values are JSON: channelsPerCommunity=500 meteringOnly=true)",
		define: func(fs *flag.FlagSet) func(context.Context, *client.Operator, []string) (any, error) {
			obj := fs.String("json", "", `the limits to change as a JSON object: '{"channelsPerCommunity":500}'`)
			return func(ctx context.Context, op *client.Operator, args []string) (any, error) {
				var (
					spec json.RawMessage
					err  error
				)
				switch {
				case *obj != "" && len(args) > 1:
					return nil, errors.New("give the limits as key=value arguments or as --json, not both")
				case *obj != "":
					spec, err = jsonObject("--json", *obj)
				case len(args) > 1:
					spec, err = specAssignments(args[1:])
				default:
					return nil, errors.New("no limit given: spec set APPID key=value... or spec set APPID --json OBJECT")
				}
				if err != nil {
					return nil, err
				}
				return op.SetAppSpec(ctx, plaza.SetAppSpecRequest{AppID: args[0], Spec: spec})
			}
		},
	},
	{
		name:     "webhook set",
		synopsis: "APPID [--url U] [--secret S] [--events a,b] [--before-send-url U] [--before-send-timeout 2s] [--fail-open]",
		args:     1,
		about:    "change an app's webhook; flags not given keep their values (--url '' turns callbacks off)",
		define: func(fs *flag.FlagSet) func(context.Context, *client.Operator, []string) (any, error) {
			callback := fs.String("url", "", "callback URL that receives a signed POST per event ('' turns callbacks off)")
			secret := fs.String("secret", "", "secret that signs callbacks and hook calls, at least 16 characters (default: the current one, or a new random one)")
			events := fs.String("events", "", "comma-separated callback events ('': all of them)")
			beforeSend := fs.String("before-send-url", "", "URL of the beforeSendMessage hook ('' turns it off)")
			timeout := fs.Duration("before-send-timeout", 0, "how long the hook may take, 100ms-10s (0: 2s)")
			failOpen := fs.Bool("fail-open", false, "store a message as sent when the hook fails or times out (--fail-open=false: refuse it)")
			return func(ctx context.Context, op *client.Operator, args []string) (any, error) {
				app, err := op.QueryApp(ctx, plaza.AppRequest{AppID: args[0]})
				if err != nil {
					return nil, err
				}
				w := app.Webhook
				if given(fs, "url") {
					w.CallbackURL = *callback
				}
				if given(fs, "secret") {
					w.Secret = *secret
				}
				if given(fs, "events") {
					w.Events = splitList(*events)
				}
				if given(fs, "before-send-url") {
					w.BeforeSendMessageURL = *beforeSend
				}
				if given(fs, "before-send-timeout") {
					w.BeforeSendMessageTimeoutMillis = int(*timeout / time.Millisecond)
				}
				if given(fs, "fail-open") {
					w.BeforeSendMessageFailOpen = *failOpen
				}
				if w.Secret == "" && (w.CallbackURL != "" || w.BeforeSendMessageURL != "") {
					if w.Secret, err = randomHex(16); err != nil {
						return nil, err
					}
				}
				return op.SetAppWebhook(ctx, plaza.SetAppWebhookRequest{AppID: args[0], Webhook: w})
			}
		},
	},
	{
		name: "usage", synopsis: "APPID [--month YYYY-MM]", args: 1,
		about: "show an app's billing record of a month: the highest limits and the downstream messages",
		define: func(fs *flag.FlagSet) func(context.Context, *client.Operator, []string) (any, error) {
			month := fs.String("month", "", "the month, YYYY-MM in UTC (default: the current one)")
			return func(ctx context.Context, op *client.Operator, args []string) (any, error) {
				return op.QueryAppUsage(ctx, plaza.QueryAppUsageRequest{AppID: args[0], Month: *month})
			}
		},
	},
}

func communitySwitch(on bool) func(*flag.FlagSet) func(context.Context, *client.Operator, []string) (any, error) {
	return func(*flag.FlagSet) func(context.Context, *client.Operator, []string) (any, error) {
		return func(ctx context.Context, op *client.Operator, args []string) (any, error) {
			return op.SetAppCommunityEnabled(ctx, plaza.SetAppCommunityEnabledRequest{AppID: args[0], CommunityEnabled: &on})
		}
	}
}

func adminHelp() string {
	var b strings.Builder
	for _, c := range adminCommands {
		fmt.Fprintf(&b, "  %s %s\n      %s\n", c.name, c.synopsis, c.about)
	}
	b.WriteString("  migrate-store --from DATA_DIR --to POSTGRES_URL\n" +
		"      copy an embedded deployment into an empty PostgreSQL database (offline: no server needed)\n" +
		"  seed --app APPID --community ID --members N [--data DIR | --postgres URL]\n" +
		"      fill a community with N members straight into the store, for benchmarks (no server needed)\n")
	return fmt.Sprintf(adminUsage, b.String())
}

// adminConfig is the global flags of plaza admin.
type adminConfig struct {
	url  string
	key  string
	data string
}

func runAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg adminConfig
	fs := flag.NewFlagSet("plaza admin", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.url, "url", "http://127.0.0.1:8080", "")
	fs.StringVar(&cfg.key, "operator-key", "", "")
	fs.StringVar(&cfg.data, "data", "plaza-data", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, adminHelp())
			return nil
		}
		fmt.Fprint(stderr, adminHelp())
		return err
	}
	if err := flagsFromEnv(fs, getenv); err != nil {
		return err
	}
	words := fs.Args()
	if len(words) == 0 {
		fmt.Fprint(stderr, adminHelp())
		return errors.New("admin: no command given")
	}
	if words[0] == "help" {
		fmt.Fprint(stdout, adminHelp())
		return nil
	}
	if words[0] == "migrate-store" {
		return runMigrateStore(ctx, words[1:], getenv, stdout, stderr)
	}
	if words[0] == "seed" {
		return runSeed(ctx, words[1:], getenv, stdout, stderr)
	}
	cmd, rest, ok := findAdminCommand(words)
	if !ok {
		fmt.Fprint(stderr, adminHelp())
		return fmt.Errorf("admin: unknown command %q", strings.Join(words[:min(2, len(words))], " "))
	}

	cfs := flag.NewFlagSet("plaza admin "+cmd.name, flag.ContinueOnError)
	cfs.SetOutput(stderr)
	cfs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: plaza admin %s %s\n  %s\n", cmd.name, cmd.synopsis, cmd.about)
		cfs.PrintDefaults()
	}
	runCmd := cmd.define(cfs)
	pos, err := parseInterspersed(cfs, rest)
	if err != nil {
		return err
	}
	switch {
	case cmd.args >= 0 && len(pos) != cmd.args:
		return fmt.Errorf("admin %s takes %d argument(s), got %d; usage: plaza admin %s %s", cmd.name, cmd.args, len(pos), cmd.name, cmd.synopsis)
	case cmd.args < 0 && len(pos) == 0:
		return fmt.Errorf("admin %s needs an app ID; usage: plaza admin %s %s", cmd.name, cmd.name, cmd.synopsis)
	}

	key := cfg.key
	if key == "" {
		path := filepath.Join(cfg.data, operatorKeyFile)
		if key, err = readOperatorKey(path); err != nil {
			return fmt.Errorf("admin: no --operator-key given and none readable in %s (plaza serve creates it on first start): %w", cfg.data, err)
		}
	}
	op := client.NewOperator(cfg.url, key, &http.Client{Timeout: 30 * time.Second})
	res, err := runCmd(ctx, op, pos)
	if err != nil {
		return adminError(cmd.name, err)
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}

// findAdminCommand returns the command that words start with, and the words
// after its name.
func findAdminCommand(words []string) (adminCommand, []string, bool) {
	for _, c := range adminCommands {
		name := strings.Fields(c.name)
		if len(words) >= len(name) && slices.Equal(words[:len(name)], name) {
			return c, words[len(name):], true
		}
	}
	return adminCommand{}, nil, false
}

// parseInterspersed parses flags that come before, between or after the
// positional arguments, and returns those arguments. After "--" every
// argument is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// given reports whether the flag name was set on the command line.
func given(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// adminError words a failed call for the terminal: the error code, its
// number, the message and the field at fault.
func adminError(cmd string, err error) error {
	var ce *client.Error
	if !errors.As(err, &ce) {
		return fmt.Errorf("admin %s: %w", cmd, err)
	}
	return &adminCallError{cmd: cmd, err: ce}
}

// adminCallError is an operator API call the server refused.
type adminCallError struct {
	cmd string
	err *client.Error
}

func (e *adminCallError) Error() string {
	pe := e.err.Err
	msg := fmt.Sprintf("admin %s: %s (%d): %s", e.cmd, pe.Code, pe.Code.Number(), pe.Message)
	if pe.Field != "" {
		msg += " [field " + pe.Field + "]"
	}
	return fmt.Sprintf("%s (HTTP %d)", msg, e.err.Status)
}

func (e *adminCallError) Unwrap() error { return e.err }

// jsonObject checks that s is a JSON object.
func jsonObject(flagName, s string) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil || m == nil {
		return nil, fmt.Errorf("%s must be a JSON object, got %q", flagName, s)
	}
	return json.RawMessage(s), nil
}

// specAssignments turns key=value arguments into a JSON object. A value
// that is valid JSON (a number, true, false) is taken as it is; any other
// is sent as a string, for the server to refuse with the field's name.
func specAssignments(args []string) (json.RawMessage, error) {
	m := make(map[string]json.RawMessage, len(args))
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", a)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("%s is given twice", k)
		}
		if json.Valid([]byte(v)) {
			m[k] = json.RawMessage(v)
		} else {
			b, _ := json.Marshal(v)
			m[k] = b
		}
	}
	b, err := json.Marshal(m)
	return b, err
}

// randomHex returns n random bytes in hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
