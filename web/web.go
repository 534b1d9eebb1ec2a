// Package web serves Plaza's web client: the files that Vite builds into
// web/dist from web/src (TypeScript, on the SDK in sdk/js), embedded in the
// binary so that plaza serve shows the client at / with no Node installed.
// The build is committed; CI builds it again and fails when it differs, so
// that dist/ always is the build of src/ (web/test.sh).
//
// The handler serves a single-page application: an asset under /assets/
// (content-hashed names, cached for a year), and for every other path the
// client's index.html (never cached, so that a new build shows at once),
// where the client reads its place from the path. It imports only the
// standard library.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

// ContentSecurityPolicy is the policy of the client's page: its own scripts
// and styles only (inline style attributes, which the views set, allowed),
// connections to its own origin (the API and the gateway), images from
// anywhere (avatars and media are the app's URLs), and no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: https: http:; media-src 'self' https: http:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// file is one file of the build, ready to serve.
type file struct {
	body, gzipped []byte
	etag, ctype   string
}

// Handler returns the handler of the web client. It answers GET and HEAD;
// other methods get 405.
func Handler() http.Handler {
	h, err := newHandler(dist)
	if err != nil {
		// The embedded build is part of the binary: it cannot be missing
		// unless the binary was built without it.
		panic("web: " + err.Error())
	}
	return h
}

type handler struct {
	files map[string]*file // by path under dist, such as "index.html"
	index *file
}

func newHandler(fsys fs.FS) (*handler, error) {
	root, err := fs.Sub(fsys, "dist")
	if err != nil {
		return nil, err
	}
	h := &handler{files: map[string]*file{}}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		f := &file{body: b, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: mime.TypeByExtension(path.Ext(p))}
		if f.ctype == "" {
			f.ctype = "application/octet-stream"
		}
		if len(b) > 1024 && compressible(f.ctype) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(b)
			zw.Close()
			f.gzipped = buf.Bytes()
		}
		h.files[p] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.index = h.files["index.html"]
	if h.index == nil {
		return nil, fs.ErrNotExist
	}
	return h, nil
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") || strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	f, ok := h.files[name]
	switch {
	case ok && strings.HasPrefix(name, "assets/"):
		// Content-hashed: a new build has new names.
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	case strings.HasPrefix(name, "assets/"):
		// An asset of another build (a stale page): no page in its place.
		http.NotFound(w, r)
		return
	default:
		// Every other path is the client's: it reads its place from it.
		if !ok || name != "index.html" && path.Ext(name) == ".html" {
			f = h.index
		}
		hd.Set("Cache-Control", "no-cache")
		if f == h.index {
			hd.Set("Content-Security-Policy", ContentSecurityPolicy)
			hd.Set("Referrer-Policy", "no-referrer")
			hd.Set("X-Frame-Options", "DENY")
		}
	}
	hd.Set("Content-Type", f.ctype)
	body, etag := f.body, f.etag
	if f.gzipped != nil {
		hd.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			hd.Set("Content-Encoding", "gzip")
			body, etag = f.gzipped, strings.TrimSuffix(f.etag, `"`)+`-gz"`
		}
	}
	hd.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether a request accepts a gzipped answer.
func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
