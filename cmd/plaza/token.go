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
	"github.com/plazahq/plaza/internal/sqlite"
)

func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plaza token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.String("user", "", "user ID the token is for (required)")
	appID := fs.String("app", "", "app ID (default: the data directory's development app)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid (at most 576h, 24 days)")
	data := fs.String("data", "plaza-data", "data directory to read the app's secret from")
	secret := fs.String("secret", "", "server secret to sign with, instead of reading the data directory (needs --app)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *user == "" {
		return errors.New("--user is required")
	}
	key := *secret
	switch {
	case key != "" && *appID == "":
		return errors.New("--secret needs --app")
	case key == "":
		var err error
		if *appID, key, err = appSecret(ctx, *data, *appID); err != nil {
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

// appSecret finds the newest valid secret of appID (or of the development
// app when appID is empty) in a data directory.
func appSecret(ctx context.Context, dir, appID string) (string, string, error) {
	if appID == "" {
		b, err := os.ReadFile(filepath.Join(dir, devAppFile))
		if err != nil {
			return "", "", fmt.Errorf("no --app given and no development app in %s: %w", dir, err)
		}
		var d devApp
		if err := json.Unmarshal(b, &d); err != nil {
			return "", "", fmt.Errorf("%s: %w", devAppFile, err)
		}
		appID = d.AppID
	}
	dbPath := filepath.Join(dir, "plaza.db")
	if _, err := os.Stat(dbPath); err != nil {
		return "", "", fmt.Errorf("no Plaza database in %s: %w", dir, err)
	}
	store, err := sqlite.Open(ctx, dbPath, sqlite.Options{Readers: 1})
	if err != nil {
		return "", "", err
	}
	defer store.Close()
	app, err := store.App(ctx, appID)
	if errors.Is(err, plaza.ErrNotFound) {
		return "", "", fmt.Errorf("app %s does not exist in %s", appID, dir)
	}
	if err != nil {
		return "", "", err
	}
	now := time.Now().UnixMilli()
	for _, s := range app.Secrets { // newest first
		if s.ExpiresAt == 0 || now < s.ExpiresAt {
			return appID, s.Secret, nil
		}
	}
	return "", "", fmt.Errorf("app %s has no valid secret", appID)
}
