// Package apitest checks real HTTP responses against Plaza's OpenAPI
// document (api/openapi.yaml), so that any test that talks to the HTTP API
// also proves that the document tells the truth.
//
// Wrap a client's transport with Transport, or check one response with
// Check; check a gateway event's payload with CheckEvent. A response is matched to its operation by method and path (the
// document's path templates, a wildcard matching one segment), and its JSON
// body is validated against the schema the document gives for its status,
// or for "default" when the status is not listed. A server API path that the
// document does not list is a mirror of a client path (/v1/server/X mirrors
// /v1/X, as the document's server tag says) and is checked against that
// client operation. Every mismatch is reported with tb.Errorf; nothing stops
// the test.
package apitest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/plazahq/plaza/internal/httpapi"
)

// docURL names the OpenAPI document inside the schema compiler. It is never
// fetched.
const docURL = "https://plaza.invalid/v1/openapi.json"

// undocumented are paths the server serves on purpose without an operation in
// the document: the WebSocket gateway (docs/gateway.md) and the YAML copy of
// the document.
var undocumented = map[string]bool{
	"/v1/gateway":      true,
	"/v1/openapi.yaml": true,
}

// Transport returns a RoundTripper that forwards each request to base
// (http.DefaultTransport when nil), then checks the response with Check. The
// response body is read in full and restored, so the caller reads it as
// usual. Requests to /v1/gateway pass through unchecked and unread.
func Transport(tb testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{tb: tb, base: base}
}

type transport struct {
	tb   testing.TB
	base http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || undocumented[req.URL.EscapedPath()] || resp.StatusCode == http.StatusSwitchingProtocols {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		t.tb.Errorf("apitest: %s %s: reading the response body: %v", req.Method, req.URL.Path, err)
		return resp, nil
	}
	Check(t.tb, req.Method, req.URL.EscapedPath(), resp.StatusCode, body)
	return resp, nil
}

// Check reports with tb.Errorf when body, answered with status to method and
// path, does not match the OpenAPI document: no operation for the method and
// path, a status the operation does not document (and no "default"), a body
// that is not JSON, or a body that violates the response schema. path is the
// request's escaped path; a query string, if any, is ignored.
func Check(tb testing.TB, method, path string, status int, body []byte) {
	tb.Helper()
	path, _, _ = strings.Cut(path, "?")
	if undocumented[path] {
		return
	}
	d, err := load()
	if err != nil {
		tb.Errorf("apitest: %v", err)
		return
	}
	op := d.find(method, path)
	if op == nil {
		tb.Errorf("apitest: %s %s: no operation in api/openapi.yaml matches this method and path", method, path)
		return
	}
	if err := d.check(op, status, body); err != nil {
		tb.Errorf("apitest: %s (%s %s) answered %d: %v\nbody: %s", op.id, method, path, status, err, abbreviate(body))
	}
}

// EventSchemas maps each gateway event name to the schema of its payload
// under components/schemas (SPEC §8; see docs/gateway.md).
var EventSchemas = map[string]string{
	"communityListChanged":                       "CommunityListChangedEvent",
	"communityInfoUpdated":                       "CommunityInfoUpdatedEvent",
	"communityMemberStateChanged":                "CommunityMemberStateChangedEvent",
	"communityMemberInfoUpdated":                 "CommunityMemberInfoUpdatedEvent",
	"communityApplicationListChanged":            "CommunityApplicationListChangedEvent",
	"communityChannelListChanged":                "CommunityChannelListChangedEvent",
	"communityChannelInfoUpdated":                "CommunityChannelInfoUpdatedEvent",
	"messageReceived":                            "MessageListEvent",
	"messageRevokeReceived":                      "MessageListEvent",
	"messageEdited":                              "MessageListEvent",
	"messageReactionsChanged":                    "MessageReactionsChangedEvent",
	"conversationChanged":                        "ConversationChangedEvent",
	"conversationTotalUnreadMessageCountUpdated": "ConversationTotalUnreadMessageCountUpdatedEvent",
	"channelHeadsUpdated":                        "ChannelHeadsUpdatedEvent",
	"tokenWillExpire":                            "TokenWillExpireEvent",
	"kickedOut":                                  "KickedOutEvent",
}

// CheckEvent reports with tb.Errorf when data, the payload of the gateway
// event name, does not match the document: an event without a payload
// schema, a payload that is not JSON, or one that violates its schema.
func CheckEvent(tb testing.TB, name string, data []byte) {
	tb.Helper()
	schema, ok := EventSchemas[name]
	if !ok {
		tb.Errorf("apitest: event %s has no payload schema in api/openapi.yaml", name)
		return
	}
	d, err := load()
	if err != nil {
		tb.Errorf("apitest: %v", err)
		return
	}
	sch, err := d.schema("/components/schemas/" + escape(schema))
	if err != nil {
		tb.Errorf("apitest: event %s: compiling %s: %v", name, schema, err)
		return
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		tb.Errorf("apitest: event %s: the payload is not JSON: %v\npayload: %s", name, err, abbreviate(data))
		return
	}
	if err := sch.Validate(v); err != nil {
		tb.Errorf("apitest: event %s: the payload does not match %s: %v\npayload: %s", name, schema, err, abbreviate(data))
	}
}

// doc is the OpenAPI document, parsed once, with the schemas compiled so far.
type doc struct {
	root map[string]any
	ops  []*operation

	mu       sync.Mutex // guards compiler and compiled; the compiler is not safe for concurrent use
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

// operation is one operation of the document.
type operation struct {
	id     string
	method string
	path   string   // the template, as in the document
	segs   []string // path split at "/"; "{…}" is a wildcard
	ptr    string   // JSON pointer to the operation object
}

var (
	loadOnce sync.Once
	loaded   *doc
	loadErr  error
)

// load parses the document that the server embeds and serves.
func load() (*doc, error) {
	loadOnce.Do(func() { loaded, loadErr = parse() })
	return loaded, loadErr
}

func parse() (*doc, error) {
	b, err := httpapi.OpenAPIJSON()
	if err != nil {
		return nil, err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("openapi.json is not an object")
	}
	paths, ok := root["paths"].(map[string]any)
	if !ok {
		return nil, errors.New("openapi.json has no paths")
	}
	d := &doc{root: root, compiler: jsonschema.NewCompiler(), compiled: map[string]*jsonschema.Schema{}}
	d.compiler.DefaultDraft(jsonschema.Draft2020)
	if err := d.compiler.AddResource(docURL, root); err != nil {
		return nil, fmt.Errorf("openapi.json as a schema resource: %w", err)
	}
	for path, item := range paths {
		item, _ := item.(map[string]any)
		for method, o := range item {
			o, ok := o.(map[string]any)
			if !ok || !isMethod(method) {
				continue
			}
			id, _ := o["operationId"].(string)
			d.ops = append(d.ops, &operation{
				id:     id,
				method: strings.ToUpper(method),
				path:   path,
				segs:   strings.Split(path, "/"),
				ptr:    "/paths/" + escape(path) + "/" + method,
			})
		}
	}
	sort.Slice(d.ops, func(i, j int) bool { return d.ops[i].path < d.ops[j].path })
	return d, nil
}

func isMethod(s string) bool {
	switch s {
	case "get", "put", "post", "delete", "options", "head", "patch", "trace":
		return true
	}
	return false
}

// serverPrefix starts every server API path; the mirror of a client path
// is that path with "/v1" replaced by serverPrefix.
const serverPrefix = "/v1/server/"

// find returns the operation for method and the escaped path, preferring the
// template with the most literal segments when several match. A server API
// path without an operation of its own is looked up as the client path it
// mirrors.
func (d *doc) find(method, path string) *operation {
	if op := d.match(method, path); op != nil {
		return op
	}
	if rest, ok := strings.CutPrefix(path, serverPrefix); ok {
		return d.match(method, "/v1/"+rest)
	}
	return nil
}

func (d *doc) match(method, path string) *operation {
	segs := strings.Split(path, "/")
	var best *operation
	bestLiterals := -1
	for _, op := range d.ops {
		if op.method != method || len(op.segs) != len(segs) {
			continue
		}
		literals, ok := 0, true
		for i, s := range op.segs {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				if segs[i] == "" {
					ok = false
					break
				}
				continue
			}
			if s != segs[i] {
				ok = false
				break
			}
			literals++
		}
		if ok && literals > bestLiterals {
			best, bestLiterals = op, literals
		}
	}
	return best
}

// check validates one response of op.
func (d *doc) check(op *operation, status int, body []byte) error {
	resp, ptr, err := d.response(op, status)
	if err != nil {
		return err
	}
	content, _ := resp["content"].(map[string]any)
	if content == nil {
		if len(bytes.TrimSpace(body)) != 0 {
			return errors.New("the document gives this response no body, but it has one")
		}
		return nil
	}
	if _, ok := content["application/json"]; !ok {
		return errors.New("the document gives this response no application/json content")
	}
	sch, err := d.schema(ptr + "/content/" + escape("application/json") + "/schema")
	if err != nil {
		return fmt.Errorf("compiling the response schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("the body is not JSON: %w", err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("the body does not match the document: %w", err)
	}
	return nil
}

// response returns the response object that op documents for status (the
// exact code, then "4XX"-style ranges, then "default"), with $refs followed,
// and its JSON pointer.
func (d *doc) response(op *operation, status int) (map[string]any, string, error) {
	o, err := d.lookup(op.ptr)
	if err != nil {
		return nil, "", err
	}
	responses, _ := o.(map[string]any)["responses"].(map[string]any)
	code := strconv.Itoa(status)
	for _, key := range []string{code, code[:1] + "XX", "default"} {
		r, ok := responses[key]
		if !ok {
			continue
		}
		ptr := op.ptr + "/responses/" + key
		for range 10 {
			m, _ := r.(map[string]any)
			ref, isRef := m["$ref"].(string)
			if !isRef {
				return m, ptr, nil
			}
			frag, ok := strings.CutPrefix(ref, "#")
			if !ok {
				return nil, "", fmt.Errorf("external reference %q is not supported", ref)
			}
			if frag, err = url.PathUnescape(frag); err != nil {
				return nil, "", fmt.Errorf("reference %q: %w", ref, err)
			}
			if r, err = d.lookup(frag); err != nil {
				return nil, "", err
			}
			ptr = frag
		}
		return nil, "", fmt.Errorf("response %s: too many references", key)
	}
	return nil, "", fmt.Errorf("status %d is not documented, and the operation has no default response", status)
}

// lookup returns the value at a JSON pointer of the document.
func (d *doc) lookup(ptr string) (any, error) {
	var v any = d.root
	for _, tok := range strings.Split(ptr, "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("no %s in the document", ptr)
		}
		if v, ok = m[tok]; !ok {
			return nil, fmt.Errorf("no %s in the document", ptr)
		}
	}
	return v, nil
}

// schema compiles, once, the schema at a JSON pointer of the document.
func (d *doc) schema(ptr string) (*jsonschema.Schema, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.compiled[ptr]; ok {
		return s, nil
	}
	var frag strings.Builder
	for _, tok := range strings.Split(ptr, "/")[1:] {
		frag.WriteString("/" + url.PathEscape(tok))
	}
	s, err := d.compiler.Compile(docURL + "#" + frag.String())
	if err != nil {
		return nil, err
	}
	d.compiled[ptr] = s
	return s, nil
}

// escape escapes one JSON pointer token.
func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

func abbreviate(b []byte) string {
	const max = 2000
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
