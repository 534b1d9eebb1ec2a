// Command plaza is the Plaza server and its tools.
//
//	plaza serve     run the server (embedded SQLite and NATS by default)
//	plaza admin     manage apps over the operator API
//	plaza token     mint a user token
//	plaza listen    print a user's gateway events
//	plaza bench     run a load scenario
//	plaza version   print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "plaza:", err)
		os.Exit(1)
	}
}

const usage = `Usage: plaza <command> [flags]

Commands:
  serve     run the server (embedded SQLite and NATS unless --postgres/--nats)
  admin     manage apps over the operator API ("plaza admin help" lists its commands)
  token     mint a user token
  listen    print a user's gateway events as JSON lines, until interrupted
  bench     run a load scenario and print its results as JSON
  version   print the version

Run "plaza <command> -h" for a command's flags. Every flag can also be set
with an environment variable: --max-body is PLAZA_MAX_BODY; plaza serve's
also in a config file (--config FILE).
`

// run is the whole program, with its environment passed in, so that tests
// run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, getenv, stdin, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // help was asked for, and given
	}
	return err
}

// dispatch runs the command that args name.
func dispatch(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "admin":
		return runAdmin(ctx, rest, getenv, stdout, stderr)
	case "token":
		return runToken(ctx, rest, getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, getenv, stdout, stderr)
	case "listen":
		return runListen(ctx, rest, getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, versionLine())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// parseFlags parses args into fs, then sets every flag not given on the
// command line from its PLAZA_* environment variable, if set.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return flagsFromEnv(fs, getenv)
}

// flagsFromEnv sets every flag of fs not given on the command line from its
// PLAZA_* environment variable, if set.
func flagsFromEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", envName(f.Name), v, e)
			}
		}
	})
	return err
}

// helpOutput is where a command's flags are printed: stdout when args ask
// for help (-h, --help), stderr when they are printed beside an error.
func helpOutput(args []string, stdout, stderr io.Writer) io.Writer {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help", "--h":
			return stdout
		case "--":
			return stderr
		}
	}
	return stderr
}

// envName is the environment variable of a flag: PLAZA_ and the flag's name
// in upper case with dashes as underscores.
func envName(flagName string) string {
	return "PLAZA_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}
