package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plazahq/plaza"
)

// TestWebClientServed checks that plaza serve shows the web client at /
// and at the client's own paths, while unknown API paths keep their JSON.
func TestWebClientServed(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	for _, path := range []string{"/", "/c/hikers/%23general"} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(b), `<div id="app">`) {
			t.Errorf("GET %s: %d %s, want the client's page:\n%.200s", path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
	for _, path := range []string{"/v1/nowhere", "/v1"} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error plaza.Error }
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 404 || body.Error.Code != plaza.ENotFound {
			t.Errorf("GET %s: %d %q, want 404 not_found", path, resp.StatusCode, body.Error.Code)
		}
	}
	resp, err := http.Post(s.URL+"/", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("POST /: %d, want 404", resp.StatusCode)
	}
}

// devToken asks a server for a development token; it returns the status
// and the decoded answer.
func devToken(t *testing.T, url, origin, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/v1/dev/token", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestDevLoginOn(t *testing.T) {
	t.Parallel()
	s := startServer(t, "", "--dev-login")
	if !strings.Contains(s.Stdout.String(), "DEVELOPMENT SIGN-IN IS ON") {
		t.Errorf("serve did not say that development sign-in is on:\n%s", s.Stdout)
	}

	resp, err := http.Get(s.URL + "/v1/dev")
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		DevLogin bool   `json:"devLogin"`
		AppID    string `json:"appID"`
	}
	json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if !info.DevLogin || info.AppID != s.App.AppID {
		t.Errorf("GET /v1/dev: %+v, want devLogin for app %s", info, s.App.AppID)
	}

	// A page of the server itself signs in by name; the token works.
	status, out := devToken(t, s.URL, s.URL, `{"userID":"bob"}`)
	token, _ := out["token"].(string)
	if status != 200 || token == "" || out["appID"] != s.App.AppID || out["userID"] != "bob" {
		t.Fatalf("POST /v1/dev/token: %d %v", status, out)
	}
	req, _ := http.NewRequest("GET", s.URL+"/v1/communities", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the development token was refused: %d", resp.StatusCode)
	}

	// A script (no Origin) too.
	if status, out := devToken(t, s.URL, "", `{"userID":"carol"}`); status != 200 || out["token"] == nil {
		t.Errorf("without Origin: %d %v", status, out)
	}
	// Another origin's page gets nothing, whatever --origins allows.
	if status, out := devToken(t, s.URL, "https://evil.example", `{"userID":"bob"}`); status != 403 || out["token"] != nil {
		t.Errorf("from another origin: %d %v, want 403 and no token", status, out)
	}
	// A user ID is checked as any.
	for _, body := range []string{`{}`, `{"userID":"#x"}`, `{"userID":"bob","app":"1"}`} {
		if status, out := devToken(t, s.URL, "", body); status != 400 || out["token"] != nil {
			t.Errorf("%s: %d %v, want 400", body, status, out)
		}
	}
}

func TestDevLoginOff(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	if status, out := devToken(t, s.URL, "", `{"userID":"bob"}`); status != 404 || out["token"] != nil {
		t.Errorf("POST /v1/dev/token without --dev-login: %d %v, want 404", status, out)
	}
	resp, err := http.Get(s.URL + "/v1/dev")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET /v1/dev without --dev-login: %d, want 404", resp.StatusCode)
	}
}

// TestDevLoginNeedsTheDevelopmentApp checks that --dev-login refuses to
// start without dev-app.json, rather than sign in users of no app.
func TestDevLoginNeedsTheDevelopmentApp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	s.stop(t)
	if err := removeDevApp(dir); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--dev-login"}, storeArgs(t, dir)...)
	err := run(t.Context(), args, func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "dev-app.json") {
		t.Errorf("run: %v, want an error naming dev-app.json", err)
	}
}

func removeDevApp(dir string) error {
	return os.Remove(filepath.Join(dir, devAppFile))
}
