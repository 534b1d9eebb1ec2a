package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/plazahq/plaza/client"
)

// runListen opens a gateway session with a user token and prints each event
// it receives as one line of JSON, {"t": name, "s": sequence, "d": payload},
// until interrupted: the walkthrough's window on the real-time side.
func runListen(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plaza listen", flag.ContinueOnError)
	fs.SetOutput(helpOutput(args, stdout, stderr))
	url := fs.String("url", "http://127.0.0.1:8080", "server to connect to")
	token := fs.String("token", "", "the user's token (required; plaza token --user ID mints one)")
	active := fs.String("active", "", "comma-separated communities to mark active, for every event of a large community (see docs/gateway.md)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: plaza listen --token TOKEN [--url URL]\n\nPrints the user's gateway events as JSON lines until interrupted.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *token == "" {
		return errors.New("--token is required (or PLAZA_TOKEN)")
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := client.New(*url, strings.TrimSpace(*token)).Connect(cctx)
	cancel()
	if err != nil {
		return fmt.Errorf("connect to %s: %w", client.GatewayURL(*url), err)
	}
	defer conn.Close()
	if ids := splitList(*active); len(ids) > 0 {
		if err := conn.SetActiveCommunities(ctx, ids...); err != nil {
			return fmt.Errorf("--active: %w", err)
		}
	}
	r := conn.Ready()
	fmt.Fprintf(stderr, "listening as %s of app %s (session %s); interrupt to stop\n", r.UserID, r.AppID, r.SessionID)
	enc := json.NewEncoder(stdout)
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-conn.Events():
			if !ok {
				return fmt.Errorf("session ended: %w", conn.Err())
			}
			line := struct {
				T         string          `json:"t"`
				S         int64           `json:"s,omitempty"`
				Recovered bool            `json:"recovered,omitempty"`
				D         json.RawMessage `json:"d"`
			}{e.Name, e.Seq, e.Recovered, e.Data}
			if err := enc.Encode(line); err != nil {
				return err
			}
		}
	}
}
