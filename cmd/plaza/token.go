package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/postgres"
	"github.com/plazahq/plaza/internal/sqlite"
)

func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plaza token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.String("user", "", "user ID the token is for (required)")
	appID := fs.String("app", "", "app ID (default: the data directory's development app)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid (at most 576h, 24 days)")
	data := fs.String("data", "plaza-data", "data directory to read the app's secret from")
	secret := fs.String("secret", "", "server secret to sign with, instead of reading the store (needs --app)")
	pg := fs.String("postgres", "", "PostgreSQL URL to read the app's secret from, in cluster mode")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *user == "" {
		return errors.New("--user is required")
	}
	key := *secret
	if key != "" && *appID == "" {
		return errors.New("--secret needs --app")
	}
	if key == "" {
		var err error
		if *appID == "" {
			d, err := readDevApp(*data)
			if err != nil {
				return fmt.Errorf("no --app given: %w", err)
			}
			*appID = d.AppID
		}
		if key, err = appSecret(ctx, *data, *pg, *appID); err != nil {
			return err
		}
	}
	token, err := plaza.MintToken(key, *appID, *user, time.Now(), *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

// readDevApp reads a data directory's dev-app.json.
func readDevApp(dir string) (devApp, error) {
	var d devApp
	b, err := os.ReadFile(filepath.Join(dir, devAppFile))
	if err != nil {
		return d, fmt.Errorf("no development app in %s: %w", dir, err)
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("%s: %w", filepath.Join(dir, devAppFile), err)
	}
	return d, nil
}

// appSecret finds the newest valid secret of an app in the PostgreSQL
// database at pgURL or, without one, in the data directory's database.
func appSecret(ctx context.Context, dir, pgURL, appID string) (string, error) {
	if pgURL != "" {
		store, err := postgres.Open(ctx, pgURL, postgres.Options{MaxConns: 1})
		if err != nil {
			return "", err
		}
		defer store.Close()
		return newestSecret(ctx, store, appID, "the database")
	}
	dbPath := filepath.Join(dir, "plaza.db")
	if _, err := os.Stat(dbPath); err != nil {
		return "", fmt.Errorf("no Plaza database in %s: %w", dir, err)
	}
	store, err := sqlite.Open(ctx, dbPath, sqlite.Options{Readers: 1})
	if err != nil {
		return "", err
	}
	defer store.Close()
	return newestSecret(ctx, store, appID, dir)
}

// newestSecret returns the newest valid secret of an app in a store.
func newestSecret(ctx context.Context, q plaza.Query, appID, where string) (string, error) {
	app, err := q.App(ctx, appID)
	if errors.Is(err, plaza.ErrNotFound) {
		return "", fmt.Errorf("app %s does not exist in %s", appID, where)
	}
	if err != nil {
		return "", err
	}
	now := time.Now().UnixMilli()
	for _, s := range app.Secrets { // newest first
		if s.ExpiresAt == 0 || now < s.ExpiresAt {
			return s.Secret, nil
		}
	}
	return "", fmt.Errorf("app %s has no valid secret", appID)
}
