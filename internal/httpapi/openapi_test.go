package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/httpapi"
)

// These tests pin api/openapi.yaml to the code: the route table, the request
// and result types, the error codes and their statuses. A change on either
// side that the other does not follow fails here.

const (
	// oasSchemaID is the $id of testdata/openapi-3.1-schema.json, the OpenAPI
	// Initiative's JSON Schema for OpenAPI 3.1 documents.
	oasSchemaID = "https://spec.openapis.org/oas/3.1/schema/2022-10-07"
	// docURL names the document inside the schema compiler; never fetched.
	docURL = "https://plaza.invalid/v1/openapi.json"
)

// infraOperations are the documented operations outside the route table.
var infraOperations = [][3]string{
	{"GET", "/healthz", "healthz"},
	{"GET", "/readyz", "readyz"},
	{"GET", "/v1/openapi.json", "getOpenAPI"},
}

// serverExamples are the server API mirrors of client routes that the
// document lists, as examples of the mirroring rule, by their own operation
// IDs. The other mirrors are documented by the rule alone.
var serverExamples = [][3]string{
	{"POST", httpapi.ServerPath("/v1/communities/{communityID}/channels/{channelID}/messages"), "sendSystemMessage"},
}

// operatorOperationIDs and serverOperationIDs are the operations of the
// operator API and the server API's own, each of which needs a route.
var (
	operatorOperationIDs = operationIDs(plaza.OperatorOperations())
	serverOperationIDs   = operationIDs(plaza.ServerOperations())
)

func operationIDs(ops []plaza.Operation) []string {
	ids := make([]string, len(ops))
	for i, o := range ops {
		ids[i] = o.ID
	}
	return ids
}

// apiRoute is one documented route and the operation that serves it.
type apiRoute struct {
	method, path, id string
	op               plaza.Operation
	api              string // "client", "operator" or "server"
	// mirror marks a server API mirror of a client route, which takes
	// fromUserID from the query on every method.
	mirror bool
}

// apiRoutes returns every documented route of the three APIs: the client
// routes, the operator routes, the server API's own and its listed mirrors.
func apiRoutes(t testing.TB) []apiRoute {
	t.Helper()
	var out []apiRoute
	add := func(api string, routes [][3]string, table func(string) (plaza.Operation, bool)) {
		for _, r := range routes {
			op, ok := table(r[2])
			if !ok {
				t.Fatalf("%s route %s %s names unknown operation %q", api, r[0], r[1], r[2])
			}
			out = append(out, apiRoute{method: r[0], path: r[1], id: r[2], op: op, api: api})
		}
	}
	add("client", httpapi.Routes(), plaza.LookupOperation)
	add("operator", httpapi.OperatorRoutes(), plaza.LookupOperatorOperation)
	add("server", httpapi.ServerRoutes(), plaza.LookupServerOperation)
	for _, ex := range serverExamples {
		var client [3]string
		for _, r := range httpapi.Routes() {
			if r[0] == ex[0] && httpapi.ServerPath(r[1]) == ex[1] {
				client = r
			}
		}
		op, ok := plaza.LookupOperation(client[2])
		if !ok {
			t.Fatalf("server API example %s %s mirrors no client route", ex[0], ex[1])
		}
		out = append(out, apiRoute{method: ex[0], path: ex[1], id: ex[2], op: op, api: "server", mirror: true})
	}
	return out
}

// componentTypes maps shared schemas and gateway event payloads to their Go
// types.
var componentTypes = map[string]reflect.Type{
	"UserInfo":            reflect.TypeFor[plaza.UserInfo](),
	"ErrorUser":           reflect.TypeFor[plaza.ErrorUser](),
	"Community":           reflect.TypeFor[plaza.Community](),
	"CommunityInfo":       reflect.TypeFor[plaza.CommunityInfo](),
	"Member":              reflect.TypeFor[plaza.Member](),
	"Application":         reflect.TypeFor[plaza.Application](),
	"Channel":             reflect.TypeFor[plaza.Channel](),
	"ChannelBrief":        reflect.TypeFor[plaza.ChannelBrief](),
	"ChannelConversation": reflect.TypeFor[plaza.ChannelConversation](),
	"MessageContent":      reflect.TypeFor[plaza.MessageContent](),
	"Message":             reflect.TypeFor[plaza.Message](),
	"RepliedInfo":         reflect.TypeFor[plaza.RepliedInfo](),
	"RevokeInfo":          reflect.TypeFor[plaza.RevokeInfo](),
	"TipsInfo":            reflect.TypeFor[plaza.TipsInfo](),
	"Reaction":            reflect.TypeFor[plaza.Reaction](),
	"MuteInfo":            reflect.TypeFor[plaza.MuteInfo](),
	"MemberMute":          reflect.TypeFor[plaza.MemberMute](),
	"MentionedInfo":       reflect.TypeFor[plaza.MentionedInfo](),
	"App":                 reflect.TypeFor[plaza.App](),
	"Secret":              reflect.TypeFor[plaza.Secret](),
	"WebhookConfig":       reflect.TypeFor[plaza.WebhookConfig](),
	"Spec":                reflect.TypeFor[plaza.Spec](),
	"Usage":               reflect.TypeFor[plaza.Usage](),

	"CommunityListChangedEvent":                       reflect.TypeFor[plaza.CommunityListChangedEvent](),
	"CommunityInfoUpdatedEvent":                       reflect.TypeFor[plaza.CommunityInfoUpdatedEvent](),
	"CommunityMemberStateChangedEvent":                reflect.TypeFor[plaza.CommunityMemberStateChangedEvent](),
	"CommunityMemberInfoUpdatedEvent":                 reflect.TypeFor[plaza.CommunityMemberInfoUpdatedEvent](),
	"CommunityApplicationListChangedEvent":            reflect.TypeFor[plaza.CommunityApplicationListChangedEvent](),
	"CommunityChannelListChangedEvent":                reflect.TypeFor[plaza.CommunityChannelListChangedEvent](),
	"CommunityChannelInfoUpdatedEvent":                reflect.TypeFor[plaza.CommunityChannelInfoUpdatedEvent](),
	"MessageListEvent":                                reflect.TypeFor[plaza.MessageListEvent](),
	"MessageReactionsChangedEvent":                    reflect.TypeFor[plaza.MessageReactionsChangedEvent](),
	"ConversationChangedEvent":                        reflect.TypeFor[plaza.ConversationChangedEvent](),
	"ConversationTotalUnreadMessageCountUpdatedEvent": reflect.TypeFor[plaza.TotalUnreadResult](),
}

// document is the OpenAPI document as the server serves it.
type document struct {
	root map[string]any
}

func loadDocument(t testing.TB) *document {
	t.Helper()
	b, err := httpapi.OpenAPIJSON()
	if err != nil {
		t.Fatalf("OpenAPIJSON: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("openapi.json is a %T, not an object", v)
	}
	return &document{root: root}
}

// pointer returns the value at a JSON pointer ("/a/b", tokens escaped).
func (d *document) pointer(ptr string) (any, bool) {
	var v any = d.root
	if ptr == "" {
		return v, true
	}
	for _, tok := range strings.Split(ptr, "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return v, true
}

// ref resolves a local reference ("#/components/…").
func (d *document) ref(ref string) (any, error) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("%q is not a reference into this document", ref)
	}
	frag, err := url.PathUnescape(frag)
	if err != nil {
		return nil, fmt.Errorf("%q: %v", ref, err)
	}
	v, ok := d.pointer(frag)
	if !ok {
		return nil, fmt.Errorf("%q does not resolve", ref)
	}
	return v, nil
}

// deref follows $ref (v may be a reference string) until it reaches an
// object without one.
func (d *document) deref(t testing.TB, v any) map[string]any {
	t.Helper()
	if ref, ok := v.(string); ok {
		v = map[string]any{"$ref": ref}
	}
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("expected an object, got %T", v)
		}
		r, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		if v, _ = d.ref(r); v == nil {
			t.Fatalf("reference %q does not resolve", r)
		}
	}
	t.Fatal("too many chained references")
	return nil
}

// operation is one documented operation.
type operation struct {
	method, path, id string
	item, op         map[string]any // the path item and the operation object
}

func (d *document) operations(t testing.TB) []operation {
	t.Helper()
	paths, ok := d.root["paths"].(map[string]any)
	if !ok {
		t.Fatal("the document has no paths")
	}
	var ops []operation
	for path, item := range paths {
		item := item.(map[string]any)
		for method, op := range item {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
			default:
				continue
			}
			op := op.(map[string]any)
			id, _ := op["operationId"].(string)
			ops = append(ops, operation{method: strings.ToUpper(method), path: path, id: id, item: item, op: op})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

func (d *document) operation(t testing.TB, method, path string) operation {
	t.Helper()
	for _, op := range d.operations(t) {
		if op.method == method && op.path == path {
			return op
		}
	}
	t.Fatalf("the document has no %s %s", method, path)
	return operation{}
}

// TestOpenAPIIsValid validates the document against the OpenAPI Initiative's
// JSON Schema for OpenAPI 3.1, and each of its Schema Objects against the
// JSON Schema 2020-12 meta-schema (which the OpenAPI schema does not check).
func TestOpenAPIIsValid(t *testing.T) {
	t.Parallel()
	d := loadDocument(t)

	raw, err := os.ReadFile("testdata/openapi-3.1-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("testdata/openapi-3.1-schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(oasSchemaID, schemaDoc); err != nil {
		t.Fatal(err)
	}
	oas, err := c.Compile(oasSchemaID)
	if err != nil {
		t.Fatalf("compiling the OpenAPI 3.1 schema: %v", err)
	}

	t.Run("document", func(t *testing.T) {
		t.Parallel()
		if err := oas.Validate(d.root); err != nil {
			t.Errorf("api/openapi.yaml is not a valid OpenAPI 3.1 document: %v", err)
		}
		if v, _ := d.root["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
			t.Errorf("openapi is %q, want 3.1.x", v)
		}
	})

	// The validator must refuse what is broken, or the test above proves
	// nothing.
	t.Run("validator refuses a broken document", func(t *testing.T) {
		t.Parallel()
		broken := loadDocument(t).root
		delete(broken, "info")
		broken["paths"].(map[string]any)["/healthz"].(map[string]any)["get"].(map[string]any)["responses"] = map[string]any{}
		if err := oas.Validate(broken); err == nil {
			t.Error("a document without info and with an empty responses object passed validation")
		}
	})

	t.Run("schema objects", func(t *testing.T) {
		t.Parallel()
		mc := jsonschema.NewCompiler()
		meta, err := mc.Compile("https://json-schema.org/draft/2020-12/schema")
		if err != nil {
			t.Fatal(err)
		}
		for where, s := range d.schemaObjects() {
			if err := meta.Validate(s); err != nil {
				t.Errorf("%s is not a valid JSON Schema 2020-12 schema: %v", where, err)
			}
		}
	})

	// Every schema compiles with the document as its base, so that every
	// $ref, pattern and keyword is usable by a validator (internal/apitest
	// relies on it).
	t.Run("schemas compile", func(t *testing.T) {
		t.Parallel()
		dc := jsonschema.NewCompiler()
		dc.DefaultDraft(jsonschema.Draft2020)
		if err := dc.AddResource(docURL, loadDocument(t).root); err != nil {
			t.Fatal(err)
		}
		for where := range d.schemaObjects() {
			var frag strings.Builder
			for _, tok := range strings.Split(where, "/")[1:] {
				frag.WriteString("/" + url.PathEscape(tok))
			}
			if _, err := dc.Compile(docURL + "#" + frag.String()); err != nil {
				t.Errorf("%s does not compile: %v", where, err)
			}
		}
	})
}

// schemaObjects returns every Schema Object of the document that is not
// inside another, by JSON pointer: components' schemas, parameters' schemas
// and media types' schemas.
func (d *document) schemaObjects() map[string]any {
	out := map[string]any{}
	var walk func(v any, ptr string, parentKey string)
	walk = func(v any, ptr string, parentKey string) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				p := ptr + "/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
				switch {
				case parentKey == "schemas" && strings.HasSuffix(ptr, "/components/schemas"):
					out[p] = c
				case k == "schema":
					out[p] = c
				default:
					walk(c, p, k)
				}
			}
		case []any:
			for i, c := range v {
				walk(c, ptr+"/"+strconv.Itoa(i), "")
			}
		}
	}
	walk(d.root, "", "")
	return out
}

// TestOpenAPIReferencesResolve checks every $ref of the document.
func TestOpenAPIReferencesResolve(t *testing.T) {
	t.Parallel()
	d := loadDocument(t)
	n := 0
	var walk func(v any, where string)
	walk = func(v any, where string) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				n++
				if _, err := d.ref(r); err != nil {
					t.Errorf("%s: %v", where, err)
				}
			}
			for k, c := range v {
				walk(c, where+"/"+k)
			}
		case []any:
			for i, c := range v {
				walk(c, where+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(d.root, "")
	if n == 0 {
		t.Error("the document has no $ref at all")
	}
}

// TestOpenAPIMatchesRoutes checks that the document has exactly one operation
// for each route of the client, operator and server APIs (the server API's
// mirrors of client routes only as its listed examples), with the same
// method, path and operation ID, and no other operation but the
// infrastructure endpoints.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	d := loadDocument(t)
	want := map[[3]string]bool{}
	all := slices.Clone(infraOperations)
	for _, r := range apiRoutes(t) {
		all = append(all, [3]string{r.method, r.path, r.id})
	}
	for _, r := range all {
		if want[r] {
			t.Errorf("route %v is listed twice", r)
		}
		want[r] = true
	}
	got := map[[3]string]bool{}
	ids := map[string]int{}
	for _, op := range d.operations(t) {
		got[[3]string{op.method, op.path, op.id}] = true
		ids[op.id]++
	}
	for r := range want {
		if !got[r] {
			t.Errorf("route %s %s (%s) has no operation in api/openapi.yaml", r[0], r[1], r[2])
		}
	}
	for r := range got {
		if !want[r] {
			t.Errorf("api/openapi.yaml documents %s %s (operationId %q), which is not a route", r[0], r[1], r[2])
		}
	}
	for id, n := range ids {
		if id == "" || n > 1 {
			t.Errorf("operationId %q is used by %d operations; each operation needs its own", id, n)
		}
	}
}

// TestEveryOperationIsRouted guards operation.go's promise that an operation
// exists everywhere or nowhere: each route names a known operation, and each
// operation has a route (and so an entry in api/openapi.yaml).
func TestEveryOperationIsRouted(t *testing.T) {
	t.Parallel()
	routed := map[string]bool{}
	for _, r := range httpapi.Routes() {
		routed[r[2]] = true
		if _, ok := plaza.LookupOperation(r[2]); !ok {
			t.Errorf("route %s %s names unknown operation %q", r[0], r[1], r[2])
		}
	}
	for _, op := range plaza.Operations() {
		if !routed[op.ID] {
			t.Errorf("operation %q has no HTTP route, so it is not in api/openapi.yaml", op.ID)
		}
	}

	// The operator API and the server API's own operations.
	for _, api := range []struct {
		name   string
		routes [][3]string
		ids    []string
		table  func(string) (plaza.Operation, bool)
	}{
		{"operator", httpapi.OperatorRoutes(), operatorOperationIDs, plaza.LookupOperatorOperation},
		{"server", httpapi.ServerRoutes(), serverOperationIDs, plaza.LookupServerOperation},
	} {
		routed := map[string]bool{}
		for _, r := range api.routes {
			routed[r[2]] = true
			if _, ok := api.table(r[2]); !ok {
				t.Errorf("%s route %s %s names unknown operation %q", api.name, r[0], r[1], r[2])
			}
		}
		for _, id := range api.ids {
			if _, ok := api.table(id); !ok {
				t.Errorf("%s operation %q does not exist", api.name, id)
			}
			// A server operation that is also a client one (sendMessage)
			// is served by the mirror of the client route.
			if _, client := plaza.LookupOperation(id); !routed[id] && !(api.name == "server" && client) {
				t.Errorf("%s operation %q has no HTTP route", api.name, id)
			}
		}
	}
}

// TestOpenAPISecurity checks that every /v1 route needs the bearer token and
// that only the infrastructure endpoints do not.
func TestOpenAPISecurity(t *testing.T) {
	t.Parallel()
	d := loadDocument(t)
	global, _ := d.root["security"].([]any)
	if len(global) != 1 || !reflect.DeepEqual(global[0], map[string]any{"bearerAuth": []any{}}) {
		t.Errorf("global security is %v, want [{bearerAuth: []}]", global)
	}
	scheme := d.deref(t, d.root["components"].(map[string]any)["securitySchemes"].(map[string]any)["bearerAuth"])
	if scheme["type"] != "http" || scheme["scheme"] != "bearer" || scheme["bearerFormat"] != "JWT" {
		t.Errorf("bearerAuth is %v, want an HTTP bearer JWT scheme", scheme)
	}
	schemes := d.root["components"].(map[string]any)["securitySchemes"].(map[string]any)
	op := d.deref(t, schemes["operatorKey"])
	if op["type"] != "http" || op["scheme"] != "bearer" {
		t.Errorf("operatorKey is %v, want an HTTP bearer scheme", op)
	}
	signature := map[string]any{}
	for name, header := range map[string]string{
		"serverAppID": httpapi.HeaderAppID, "serverNonce": httpapi.HeaderNonce,
		"serverTimestamp": httpapi.HeaderTimestamp, "serverSignature": httpapi.HeaderSignature,
	} {
		s := d.deref(t, schemes[name])
		if s["type"] != "apiKey" || s["in"] != "header" || s["name"] != header {
			t.Errorf("%s is %v, want an apiKey scheme in header %s", name, s, header)
		}
		signature[name] = []any{}
	}

	// What each operation must declare: nothing for the global bearerAuth,
	// or its own requirement.
	want := map[string]any{}
	for _, r := range infraOperations {
		want[r[2]] = []any{}
	}
	for _, r := range apiRoutes(t) {
		switch r.api {
		case "operator":
			want[r.id] = []any{map[string]any{"operatorKey": []any{}}}
		case "server":
			want[r.id] = []any{signature} // all four headers together
		}
	}
	for _, op := range d.operations(t) {
		sec, overridden := op.op["security"]
		w, special := want[op.id]
		switch {
		case special && !reflect.DeepEqual(sec, w):
			t.Errorf("%s declares security %v; want %v", op.id, sec, w)
		case !special && overridden:
			t.Errorf("%s overrides the global bearerAuth requirement", op.id)
		}
	}
}

// jsonFields returns the JSON fields of a struct type as encoding/json sees
// them: exported, promoted through embedded structs, without json:"-".
func jsonFields(typ reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(typ) {
		if f.Anonymous || !f.IsExported() || underHidden(typ, f.Index) {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

// underHidden reports whether the field at index is promoted through an
// embedded struct tagged json:"-", which encoding/json skips whole.
func underHidden(typ reflect.Type, index []int) bool {
	for _, i := range index[:len(index)-1] {
		f := typ.Field(i)
		if f.Tag.Get("json") == "-" {
			return true
		}
		typ = f.Type
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
	}
	return false
}

func omitempty(f reflect.StructField) bool {
	_, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
	return slices.Contains(strings.Split(opts, ","), "omitempty")
}

// jsonType is the JSON Schema type of a Go type.
func jsonType(typ reflect.Type) string {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ == reflect.TypeFor[json.RawMessage]() {
		return "object" // raw JSON in requests is an object of named fields (a spec)
	}
	switch typ.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return typ.String()
}

// TestOpenAPIRequestFields checks, for each route, that the path, query and
// body fields of the document are exactly the JSON fields of the operation's
// Go request type, each with a matching type, placed where the decoder
// (decode.go) reads it.
func TestOpenAPIRequestFields(t *testing.T) {
	t.Parallel()
	d := loadDocument(t)
	for _, r := range apiRoutes(t) {
		method, path, id, op := r.method, r.path, r.id, r.op
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			fields := jsonFields(op.Request)
			doc := d.operation(t, method, path)

			wildcards := map[string]bool{}
			for _, seg := range strings.Split(path, "/") {
				if name, ok := strings.CutPrefix(seg, "{"); ok {
					wildcards[strings.TrimSuffix(name, "}")] = true
				}
			}

			seen := map[string]string{} // field → where the document puts it
			place := func(name, where string, schema any) {
				if prev, dup := seen[name]; dup {
					t.Errorf("%s is documented twice: in %s and in %s", name, prev, where)
				}
				seen[name] = where
				f, ok := fields[name]
				if !ok {
					t.Errorf("%s %s is documented but is not a field of %v", where, name, op.Request)
					return
				}
				s := d.deref(t, schema)
				if got, want := s["type"], jsonType(f.Type); got != want {
					t.Errorf("%s %s has type %v; the Go field %s is %s (%s)", where, name, got, f.Name, f.Type, want)
				}
			}

			var params []any
			if ps, ok := doc.item["parameters"].([]any); ok {
				params = append(params, ps...)
			}
			if ps, ok := doc.op["parameters"].([]any); ok {
				params = append(params, ps...)
			}
			for _, p := range params {
				p := d.deref(t, p)
				name, _ := p["name"].(string)
				switch in := p["in"]; in {
				case "path":
					if !wildcards[name] {
						t.Errorf("path parameter %s is not a wildcard of %s", name, path)
					}
					if p["required"] != true {
						t.Errorf("path parameter %s must be required", name)
					}
					place(name, "path parameter", p["schema"])
				case "query":
					if r.mirror && name == httpapi.FromUserIDParam {
						if _, ok := fields[name]; ok {
							t.Errorf("%s is a field of %v, so it cannot name the acting user", name, op.Request)
						}
						seen[name] = "query parameter"
						continue
					}
					if method != "GET" {
						t.Errorf("query parameter %s on %s: only GET reads fields from the query", name, method)
					}
					place(name, "query parameter", p["schema"])
					if s := d.deref(t, p["schema"]); s["type"] == "array" && (p["style"] != "form" || p["explode"] != true) {
						t.Errorf("list query parameter %s must be style: form, explode: true", name)
					}
				default:
					t.Errorf("parameter %s is in %v; requests take fields from the path, the query or the body only", name, in)
				}
			}
			for w := range wildcards {
				if seen[w] != "path parameter" {
					t.Errorf("path wildcard {%s} has no path parameter", w)
				}
			}

			if rb, ok := doc.op["requestBody"]; ok {
				if method == "GET" {
					t.Error("a GET operation has a request body; GET takes its fields from the query")
				}
				rb := d.deref(t, rb)
				content, _ := rb["content"].(map[string]any)
				if len(content) != 1 || content["application/json"] == nil {
					t.Fatalf("request body content is %v; want application/json only", slices.Collect(maps.Keys(content)))
				}
				s := d.deref(t, content["application/json"].(map[string]any)["schema"])
				if s["type"] != "object" || s["additionalProperties"] != false {
					t.Error("the request body must be an object with additionalProperties: false (the decoder refuses unknown fields)")
				}
				props, _ := s["properties"].(map[string]any)
				for name, ps := range props {
					if wildcards[name] {
						t.Errorf("body property %s repeats the path parameter", name)
					}
					place(name, "body property", ps)
				}
				required, _ := s["required"].([]any)
				for _, name := range required {
					if _, ok := props[name.(string)]; !ok {
						t.Errorf("required body property %v is not a property", name)
					}
				}
				if want := len(required) > 0; rb["required"] != want {
					t.Errorf("requestBody.required is %v; want %v (true exactly when some body field is required)", rb["required"], want)
				}
			}

			for name := range fields {
				if _, ok := seen[name]; !ok {
					t.Errorf("field %s of %v is not documented (path, query or body)", name, op.Request)
				}
			}
			if _, ok := seen[httpapi.FromUserIDParam]; r.mirror && !ok {
				t.Errorf("server API mirror %s does not document the query parameter %s", id, httpapi.FromUserIDParam)
			}
		})
	}
}

// TestOpenAPIResultSchemas compares each operation's 200 response schema
// with the operation's Go result type (plaza.Operation.Result), and the shared
// and event schemas with theirs, recursively: property names, JSON types,
// required (the fields without omitempty), nullability (pointers without
// omitempty) and additionalProperties: false.
func TestOpenAPIResultSchemas(t *testing.T) {
	t.Parallel()
	d := loadDocument(t)
	for _, r := range apiRoutes(t) {
		method, path, id, op := r.method, r.path, r.id, r.op
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			if op.Result == nil {
				t.Fatalf("operation %s has no Result type", id)
			}
			doc := d.operation(t, method, path)
			responses := doc.op["responses"].(map[string]any)
			ok200, ok := responses["200"]
			if !ok {
				t.Fatal("no 200 response")
			}
			media := d.deref(t, ok200)["content"].(map[string]any)["application/json"].(map[string]any)
			compareSchema(t, d, id, media["schema"], op.Result)

			// Failures: the shared error response, always for 401 (every
			// route is authenticated) and as the default.
			for _, code := range []string{"401", "default"} {
				if _, ok := responses[code]; !ok {
					t.Errorf("no %s response", code)
				}
			}
			for code, resp := range responses {
				if code == "200" {
					continue
				}
				if ref, _ := resp.(map[string]any)["$ref"].(string); ref != "#/components/responses/ErrorResponse" {
					t.Errorf("response %s is not the shared ErrorResponse", code)
				}
			}
		})
	}
	for name, typ := range componentTypes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			compareSchema(t, d, name, "#/components/schemas/"+name, typ)
		})
	}
}

// compareSchema checks that schema (a schema object or a reference string)
// describes the JSON encoding of typ.
func compareSchema(t *testing.T, d *document, where string, schema any, typ reflect.Type) {
	t.Helper()
	(&schemaComparison{t: t, d: d, done: map[schemaPair]bool{}}).compare(where, schema, typ, false)
}

// schemaPair is a schema reference compared with a Go type.
type schemaPair struct {
	ref string
	typ reflect.Type
}

// schemaComparison walks a schema and a Go type side by side. done holds
// the (reference, type) pairs already compared or being compared, so that a
// recursive type (MessageContent.Items) and its recursive schema end the
// walk, and shared schemas are checked once per comparison.
type schemaComparison struct {
	t    *testing.T
	d    *document
	done map[schemaPair]bool
}

// nullBranch reports whether s is a JSON Schema that allows only null.
func nullBranch(s any) bool {
	m, ok := s.(map[string]any)
	return ok && m["type"] == "null" && len(m) <= 2 && (len(m) == 1 || m["description"] != nil)
}

// splitNullable returns the schema that a nullable schema allows besides
// null ({anyOf|oneOf: [S, {type: null}]}, in either order) and true, or s
// and false when s is not of that form.
func splitNullable(s map[string]any) (any, bool) {
	for _, key := range []string{"anyOf", "oneOf"} {
		branches, ok := s[key].([]any)
		if !ok || len(branches) != 2 {
			continue
		}
		switch {
		case nullBranch(branches[1]) && !nullBranch(branches[0]):
			return branches[0], true
		case nullBranch(branches[0]) && !nullBranch(branches[1]):
			return branches[1], true
		}
	}
	return s, false
}

// compare checks one schema against typ. nullable says whether the JSON
// encoding may be null (a pointer field without omitempty): then the schema
// must be {anyOf: [S, {type: null}]} (or oneOf) and S describes the pointed-to
// type; otherwise the schema must not allow null.
func (c *schemaComparison) compare(where string, schema any, typ reflect.Type, nullable bool) {
	t, d := c.t, c.d
	t.Helper()
	if ref, ok := schema.(string); ok {
		schema = map[string]any{"$ref": ref}
	}
	// Follow the references, remembering the last one for the cycle check.
	var ref string
	for range 10 {
		m, ok := schema.(map[string]any)
		if !ok {
			t.Errorf("%s: the schema is a %T, not an object", where, schema)
			return
		}
		r, ok := m["$ref"].(string)
		if !ok {
			break
		}
		ref = r
		v, err := d.ref(r)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		schema = v
	}
	s, ok := schema.(map[string]any)
	if !ok {
		t.Errorf("%s: the schema is a %T, not an object", where, schema)
		return
	}
	inner, isNullable := splitNullable(s)
	switch {
	case nullable && !isNullable:
		t.Errorf("%s: the Go field is a pointer without omitempty and encodes nil as null; the schema must be anyOf [S, {type: 'null'}]", where)
	case !nullable && isNullable:
		t.Errorf("%s: the schema allows null, but the Go type %s never encodes as null", where, typ)
	}
	if isNullable {
		c.compare(where, inner, typ, false)
		return
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if ref != "" {
		p := schemaPair{ref, typ}
		if c.done[p] {
			return
		}
		c.done[p] = true
	}
	if got, want := s["type"], jsonType(typ); got != want {
		t.Errorf("%s: type %v; the Go type %s encodes as %s", where, got, typ, want)
		return
	}
	switch typ.Kind() {
	case reflect.Struct:
		if s["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties must be false: every field of %s is listed", where, typ)
		}
		props, _ := s["properties"].(map[string]any)
		fields := jsonFields(typ)
		var wantRequired []string
		for name, f := range fields {
			p, ok := props[name]
			if !ok {
				t.Errorf("%s: field %s (%s.%s) is not documented", where, name, typ, f.Name)
				continue
			}
			c.compare(where+"."+name, p, f.Type, f.Type.Kind() == reflect.Pointer && !omitempty(f))
			if !omitempty(f) {
				wantRequired = append(wantRequired, name)
			}
		}
		for name := range props {
			if _, ok := fields[name]; !ok {
				t.Errorf("%s: property %s is not a field of %s", where, name, typ)
			}
		}
		var gotRequired []string
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				gotRequired = append(gotRequired, r.(string))
			}
		}
		sort.Strings(wantRequired)
		sort.Strings(gotRequired)
		if !slices.Equal(gotRequired, wantRequired) {
			t.Errorf("%s: required is %v; want %v (the fields of %s without omitempty)", where, gotRequired, wantRequired, typ)
		}
	case reflect.Slice, reflect.Array:
		c.compare(where+"[]", s["items"], typ.Elem(), false)
	case reflect.Map:
		if typ.Key().Kind() != reflect.String {
			t.Errorf("%s: map key %s does not encode as a JSON object key", where, typ.Key())
		}
		c.compare(where+"{}", s["additionalProperties"], typ.Elem(), false)
	}
}

// TestOpenAPIErrors checks the error object and the code tables: the
// ErrorCode enumeration holds exactly plaza.Codes(); the Error schema's
// table gives each code its number and the HTTP status that errors.go
// chooses; info.description lists exactly Plaza's own codes (from 7000000);
// the Error schema matches the wire form of *plaza.Error.
func TestOpenAPIErrors(t *testing.T) {
	t.Parallel()
	d := loadDocument(t)
	codes := plaza.Codes()

	t.Run("enum", func(t *testing.T) {
		t.Parallel()
		errSchema := d.deref(t, "#/components/schemas/Error")
		codeSchema := d.deref(t, errSchema["properties"].(map[string]any)["code"])
		enum := map[plaza.Code]bool{}
		for _, c := range codeSchema["enum"].([]any) {
			enum[plaza.Code(c.(string))] = true
		}
		for c := range codes {
			if !enum[c] {
				t.Errorf("code %s is missing from the Error schema's code enum", c)
			}
		}
		for c := range enum {
			if _, ok := codes[c]; !ok {
				t.Errorf("the code enum lists %s, which plaza.Codes() does not define", c)
			}
		}
	})

	row := regexp.MustCompile("(?m)^\\s*\\| `([a-z_]+)` \\| (\\d+) \\| (\\d{3}) \\|")
	checkTable := func(t *testing.T, where, text string, want func(plaza.Code, int) bool) {
		rows := map[plaza.Code][2]int{}
		for _, m := range row.FindAllStringSubmatch(text, -1) {
			c := plaza.Code(m[1])
			if _, dup := rows[c]; dup {
				t.Errorf("%s lists %s twice", where, c)
			}
			n, _ := strconv.Atoi(m[2])
			status, _ := strconv.Atoi(m[3])
			rows[c] = [2]int{n, status}
		}
		for c, n := range codes {
			r, ok := rows[c]
			switch {
			case !want(c, n):
				if ok {
					t.Errorf("%s lists %s, which does not belong there", where, c)
				}
			case !ok:
				t.Errorf("%s does not list %s (%d)", where, c, n)
			case r[0] != n:
				t.Errorf("%s gives %s the number %d; error.go says %d", where, c, r[0], n)
			case r[1] != httpapi.Status(c):
				t.Errorf("%s gives %s the status %d; errors.go answers %d", where, c, r[1], httpapi.Status(c))
			}
		}
		for c := range rows {
			if _, ok := codes[c]; !ok {
				t.Errorf("%s lists %s, which plaza.Codes() does not define", where, c)
			}
		}
	}
	t.Run("Error table", func(t *testing.T) {
		t.Parallel()
		desc, _ := d.deref(t, "#/components/schemas/Error")["description"].(string)
		checkTable(t, "the Error schema's description", desc, func(plaza.Code, int) bool { return true })
	})
	t.Run("info table", func(t *testing.T) {
		t.Parallel()
		desc, _ := d.root["info"].(map[string]any)["description"].(string)
		checkTable(t, "info.description", desc, func(_ plaza.Code, n int) bool { return n >= 7000000 })
	})

	t.Run("wire form", func(t *testing.T) {
		t.Parallel()
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		if err := c.AddResource(docURL, loadDocument(t).root); err != nil {
			t.Fatal(err)
		}
		body, err := c.Compile(docURL + "#/components/schemas/ErrorBody")
		if err != nil {
			t.Fatal(err)
		}
		props := d.deref(t, "#/components/schemas/Error")["properties"].(map[string]any)
		for _, e := range []*plaza.Error{
			plaza.Errorf(plaza.ECommunityNotFound, "community c1 does not exist"),
			{Code: plaza.EInvalidArgument, Message: "communityName is too long", Field: "communityName", Until: -1},
			{Code: plaza.EPermissionDenied, Message: "muted", Until: 1767225600000},
		} {
			b, err := json.Marshal(map[string]any{"error": e})
			if err != nil {
				t.Fatal(err)
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := body.Validate(v); err != nil {
				t.Errorf("%s does not match ErrorBody: %v", b, err)
			}
			for k := range v.(map[string]any)["error"].(map[string]any) {
				if _, ok := props[k]; !ok {
					t.Errorf("the error object has %q, which the Error schema does not list", k)
				}
			}
		}
		// Every property of the schema appears on the wire when set.
		b, _ := json.Marshal(&plaza.Error{Code: plaza.EInternal, Message: "m", Field: "f", Until: 1})
		var full map[string]any
		json.Unmarshal(b, &full)
		for k := range props {
			if _, ok := full[k]; !ok {
				t.Errorf("the Error schema lists %q, which a fully set *plaza.Error does not encode", k)
			}
		}
	})
}
