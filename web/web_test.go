package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// testFS is a build of two files and the page that names them.
func testFS() fstest.MapFS {
	return fstest.MapFS{
		"dist/index.html":           {Data: []byte(`<!doctype html><script type="module" src="/assets/index-abc.js"></script>` + strings.Repeat(" ", 2000))},
		"dist/assets/index-abc.js":  {Data: []byte(strings.Repeat("console.log(1);", 200))},
		"dist/assets/index-abc.css": {Data: []byte("body{}")},
	}
}

func serve(t *testing.T, h http.Handler, method, target string, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandler(t *testing.T) {
	t.Parallel()
	h, err := newHandler(testFS())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path  string
		status              int
		cache, ctype, start string
	}{
		{"the page", "GET", "/", 200, "no-cache", "text/html; charset=utf-8", "<!doctype html>"},
		{"a place in the client", "GET", "/c/hikers/%23general", 200, "no-cache", "text/html; charset=utf-8", "<!doctype html>"},
		{"index.html itself", "GET", "/index.html", 200, "no-cache", "text/html; charset=utf-8", "<!doctype html>"},
		{"an asset", "GET", "/assets/index-abc.js", 200, "public, max-age=31536000, immutable", "text/javascript; charset=utf-8", "console.log"},
		{"a stylesheet", "GET", "/assets/index-abc.css", 200, "public, max-age=31536000, immutable", "text/css; charset=utf-8", "body{}"},
		{"an asset of another build", "GET", "/assets/index-old.js", 404, "", "text/plain; charset=utf-8", "404"},
		{"a path climbing out", "GET", "/../../etc/passwd", 200, "no-cache", "text/html; charset=utf-8", "<!doctype html>"},
		{"HEAD", "HEAD", "/", 200, "no-cache", "text/html; charset=utf-8", ""},
		{"POST", "POST", "/", 405, "", "text/plain; charset=utf-8", "method not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := serve(t, h, tt.method, tt.path, nil)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.status)
			}
			if got := r.Header.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			if got := r.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type %q, want %q", got, tt.ctype)
			}
			if got := body(t, r); !strings.HasPrefix(got, tt.start) {
				t.Errorf("body starts %.40q, want %q", got, tt.start)
			}
			if r.StatusCode == 200 && r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}
		})
	}
	t.Run("the page's policy", func(t *testing.T) {
		r := serve(t, h, "GET", "/", nil)
		if got := r.Header.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
			t.Errorf("Content-Security-Policy %q", got)
		}
		if got := r.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("Referrer-Policy %q", got)
		}
	})
	t.Run("gzip", func(t *testing.T) {
		r := serve(t, h, "GET", "/assets/index-abc.js", http.Header{"Accept-Encoding": {"br, gzip"}})
		if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("Content-Encoding %q, Vary %q", r.Header.Get("Content-Encoding"), r.Header.Get("Vary"))
		}
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(zr)
		if string(b) != strings.Repeat("console.log(1);", 200) {
			t.Errorf("gunzipped body differs")
		}
		plain := serve(t, h, "GET", "/assets/index-abc.js", nil)
		if plain.Header.Get("ETag") == r.Header.Get("ETag") {
			t.Error("the gzipped and plain answers share an ETag")
		}
	})
	t.Run("revalidation", func(t *testing.T) {
		r := serve(t, h, "GET", "/", nil)
		etag := r.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		r = serve(t, h, "GET", "/", http.Header{"If-None-Match": {etag}})
		if r.StatusCode != http.StatusNotModified {
			t.Errorf("status %d with If-None-Match, want 304", r.StatusCode)
		}
	})
}

// TestBuild checks the committed build: its page names only assets it
// holds, and the handler serves it.
func TestBuild(t *testing.T) {
	t.Parallel()
	h := Handler().(*handler)
	page := string(h.index.body)
	refs := regexp.MustCompile(`(?:src|href)="/(assets/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 2 {
		t.Fatalf("index.html names %d assets, want a script and a stylesheet:\n%s", len(refs), page)
	}
	for _, m := range refs {
		if _, ok := h.files[m[1]]; !ok {
			t.Errorf("index.html names %s, which the build lacks", m[1])
		}
	}
}

// TestImportsOnlyTheStandardLibrary keeps the package free of the rest of
// Plaza, and of everything else.
func TestImportsOnlyTheStandardLibrary(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range strings.Fields(string(out)) {
		if d != "github.com/plazahq/plaza/web" {
			t.Errorf("package web imports %s; it may import only the standard library", d)
		}
	}
}
