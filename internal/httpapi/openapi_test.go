package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/api"
	"github.com/plazahq/plaza/internal/gateway"
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
	{"GET", "/metrics", "metrics"},
	{"GET", "/v1/openapi.json", "getOpenAPI"},
	{"GET", "/v1/openapi.yaml", "getOpenAPIYAML"},
	{"GET", "/v1/gateway", "connectGateway"},
}

// optionalFromUserID lists the client operations whose server API mirror
// runs without fromUserID too (as the app itself).
var optionalFromUserID = map[string]bool{"sendMessage": true}

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
// routes, the operator routes, the server API's own and its mirrors of the
// client routes (which the served document generates).
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
	for _, r := range httpapi.Routes() {
		op, _ := plaza.LookupOperation(r[2])
		out = append(out, apiRoute{method: r[0], path: httpapi.ServerPath(r[1]), id: httpapi.MirrorOperationID(r[2]), op: op, api: "server", mirror: true})
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
	"CommunityThreadListChangedEvent":                 reflect.TypeFor[plaza.CommunityThreadListChangedEvent](),
	"CommunityThreadMemberStateChangedEvent":          reflect.TypeFor[plaza.CommunityThreadMemberStateChangedEvent](),
	"ChannelHeadsUpdatedEvent":                        reflect.TypeFor[gateway.ChannelHeadsUpdated](),
	"TokenWillExpireEvent":                            reflect.TypeFor[gateway.TokenWillExpire](),
	"KickedOutEvent":                                  reflect.TypeFor[gateway.KickedOut](),

	"Thread":       reflect.TypeFor[plaza.Thread](),
	"JoinedThread": reflect.TypeFor[plaza.JoinedThread](),
	"ThreadInfo":   reflect.TypeFor[plaza.ThreadInfo](),
	"ThreadMember": reflect.TypeFor[plaza.ThreadMember](),

	"HookCall":    reflect.TypeFor[plaza.HookCall](),
	"HookVerdict": reflect.TypeFor[plaza.HookVerdict](),

	"GatewayHello":                reflect.TypeFor[gateway.Hello](),
	"GatewayReady":                reflect.TypeFor[gateway.Ready](),
	"GatewayResumed":              reflect.TypeFor[gateway.Resumed](),
	"GatewayResync":               reflect.TypeFor[gateway.Resync](),
	"GatewayIdentify":             reflect.TypeFor[gateway.Identify](),
	"GatewayResume":               reflect.TypeFor[gateway.Resume](),
	"GatewayHeartbeat":            reflect.TypeFor[gateway.Heartbeat](),
	"GatewayRenewToken":           reflect.TypeFor[gateway.RenewToken](),
	"GatewayRenewTokenResult":     reflect.TypeFor[gateway.RenewTokenResult](),
	"GatewaySetActiveCommunities": reflect.TypeFor[gateway.SetActiveCommunities](),
}

// marshalerSchemas maps the types with their own JSON encoding to the
// schema of that encoding.
var marshalerSchemas = map[reflect.Type]string{
	reflect.TypeFor[plaza.Error](): "#/components/schemas/Error",
}

// alwaysSet lists the pointer fields without omitempty that the code never
// leaves nil, so that their schemas do not allow null (by the schema's name
// and property).
var alwaysSet = map[string]bool{
	"KickedOutEvent.reason": true, // gateway.KickedOut.Reason: the error that ends the session
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

// TestOpenAPIMatchesRoutes checks that the served document has exactly one
// operation for each route of the client, operator and server APIs (the
// server API's mirrors of the client routes included), with the same method,
// path and operation ID, and no other operation but the infrastructure
// endpoints.
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
						if want := !optionalFromUserID[op.ID]; p["required"] != want {
							t.Errorf("the mirror's %s has required: %v; want %v", name, p["required"], want)
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
	if want, ok := marshalerSchemas[typ]; ok {
		// Its own encoding, which TestOpenAPIErrors checks against the
		// schema.
		if ref != want {
			t.Errorf("%s: %s encodes as %s; the schema is %q", where, typ, want, ref)
		}
		return
	}
	if reflect.PointerTo(typ).Implements(reflect.TypeFor[json.Marshaler]()) {
		t.Errorf("%s: %s has its own JSON encoding; add it to marshalerSchemas with the schema that a test checks it against", where, typ)
		return
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
			c.compare(where+"."+name, p, f.Type, f.Type.Kind() == reflect.Pointer && !omitempty(f) && !alwaysSet[where+"."+name])
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

// TestOpenAPIListsEveryServedRoute checks that the served document has an
// operation for every route the server answers: the client, server (mirrors
// included) and operator APIs, the gateway, metrics, health and the document
// itself.
func TestOpenAPIListsEveryServedRoute(t *testing.T) {
	t.Parallel()
	d := loadDocument(t)
	documented := map[[2]string]bool{}
	for _, op := range d.operations(t) {
		documented[[2]string{op.method, op.path}] = true
	}
	routes := httpapi.ServedRoutes()
	if len(routes) < len(httpapi.Routes())*2 {
		t.Fatalf("ServedRoutes lists %d routes; the client routes and their mirrors alone are %d", len(routes), len(httpapi.Routes())*2)
	}
	for _, r := range routes {
		if !documented[r] {
			t.Errorf("the server answers %s %s, which the served document does not list", r[0], r[1])
		}
	}
}

// TestOpenAPIMirrorsAreGenerated checks that api/openapi.yaml writes no
// server API mirror of a client route, and that the served document is the
// committed one plus the generated mirrors (each marked x-mirror-of) and the
// fromUserID parameters they share, less the x-server-mirror hints.
func TestOpenAPIMirrorsAreGenerated(t *testing.T) {
	t.Parallel()
	var y any
	if err := yaml.Unmarshal(api.OpenAPI, &y); err != nil {
		t.Fatal(err)
	}
	committed := normalizeJSON(t, y)
	served := normalizeJSON(t, loadDocument(t).root)

	client := map[string]string{} // mirror path + method → client operation
	for _, r := range httpapi.Routes() {
		client[httpapi.ServerPath(r[1])+" "+strings.ToLower(r[0])] = r[2]
	}
	for path := range committed["paths"].(map[string]any) {
		for key := range client {
			if strings.HasPrefix(key, path+" ") {
				t.Errorf("api/openapi.yaml writes the mirror %s, which the served document generates from %s", path, client[key])
			}
		}
	}

	mirrors := 0
	paths := served["paths"].(map[string]any)
	for path, item := range paths {
		item := item.(map[string]any)
		for method, op := range item {
			op, ok := op.(map[string]any)
			if !ok || method == "parameters" {
				continue
			}
			of, ok := op["x-mirror-of"]
			if !ok {
				continue
			}
			if want := client[path+" "+method]; of != want {
				t.Errorf("%s %s: x-mirror-of is %v; the route mirrors %q", method, path, of, want)
			}
			mirrors++
			delete(item, method)
		}
		if _, ok := item["parameters"]; len(item) == 0 || ok && len(item) == 1 {
			delete(paths, path)
		}
	}
	if mirrors != len(client) {
		t.Errorf("the served document has %d mirrors; the client API has %d routes", mirrors, len(client))
	}
	params := served["components"].(map[string]any)["parameters"].(map[string]any)
	for _, p := range []string{"fromUserID", "fromUserIDOptional"} {
		if _, ok := params[p]; !ok {
			t.Errorf("the served document has no parameter %s", p)
		}
		delete(params, p)
	}
	for _, item := range committed["paths"].(map[string]any) {
		for _, op := range item.(map[string]any) {
			if op, ok := op.(map[string]any); ok {
				delete(op, "x-server-mirror")
			}
		}
	}
	if diff := cmp.Diff(committed, served); diff != "" {
		t.Errorf("the served document, less its mirrors, differs from api/openapi.yaml (-committed +served):\n%s", diff)
	}
}

// normalizeJSON returns v as encoding/json decodes its JSON encoding.
func normalizeJSON(t testing.TB, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOpenAPIYAMLIsTheSameDocument checks that /v1/openapi.yaml serves the
// document of /v1/openapi.json.
func TestOpenAPIYAMLIsTheSameDocument(t *testing.T) {
	t.Parallel()
	s := newAPIServer(t, 0)
	get := func(path string) []byte {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	var j, y any
	if err := json.Unmarshal(get("/v1/openapi.json"), &j); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(get("/v1/openapi.yaml"), &y); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(normalizeJSON(t, j), normalizeJSON(t, y)); diff != "" {
		t.Errorf("/v1/openapi.yaml differs from /v1/openapi.json (-json +yaml):\n%s", diff)
	}
}

// webhookBody is the envelope of a callback (service.go's webhookEnvelope)
// with the data of one event.
type webhookBody[T any] struct {
	Event     string `json:"event"`
	AppID     string `json:"appID"`
	CreatedAt int64  `json:"createdAt"`
	Data      T      `json:"data"`
}

// webhookBodies maps each callback event to the Go type of its body.
var webhookBodies = map[string]reflect.Type{
	plaza.WebhookCommunityCreated:   reflect.TypeFor[webhookBody[plaza.CommunityCallback]](),
	plaza.WebhookCommunityDismissed: reflect.TypeFor[webhookBody[plaza.CommunityCallback]](),
	plaza.WebhookMemberJoined:       reflect.TypeFor[webhookBody[plaza.MemberCallback]](),
	plaza.WebhookMemberLeft:         reflect.TypeFor[webhookBody[plaza.MemberCallback]](),
	plaza.WebhookMemberKicked:       reflect.TypeFor[webhookBody[plaza.MemberCallback]](),
	plaza.WebhookChannelCreated:     reflect.TypeFor[webhookBody[plaza.ChannelCallback]](),
	plaza.WebhookChannelDismissed:   reflect.TypeFor[webhookBody[plaza.ChannelCallback]](),
	plaza.WebhookMessageSent:        reflect.TypeFor[webhookBody[plaza.MessageCallback]](),
	plaza.WebhookThreadCreated:      reflect.TypeFor[webhookBody[plaza.ThreadCallback]](),
	plaza.WebhookThreadArchived:     reflect.TypeFor[webhookBody[plaza.ThreadCallback]](),
	plaza.WebhookThreadDismissed:    reflect.TypeFor[webhookBody[plaza.ThreadCallback]](),
	plaza.WebhookThreadMemberJoined: reflect.TypeFor[webhookBody[plaza.ThreadMemberCallback]](),
	plaza.WebhookThreadMemberLeft:   reflect.TypeFor[webhookBody[plaza.ThreadMemberCallback]](),
}

// TestOpenAPIWebhooks checks the document's webhooks: one entry for each
// callback event of plaza.WebhookEvents, whose body matches the envelope
// and the event's data, and one for the beforeSendMessage hook, whose call
// and verdict match plaza.HookCall and plaza.HookVerdict; and the
// WebhookEvent enumeration that an app's configuration takes.
func TestOpenAPIWebhooks(t *testing.T) {
	t.Parallel()
	d := loadDocument(t)
	webhooks, _ := d.root["webhooks"].(map[string]any)
	if len(webhooks) == 0 {
		t.Fatal("the document has no webhooks")
	}
	post := func(t *testing.T, name string) map[string]any {
		t.Helper()
		item, ok := webhooks[name].(map[string]any)
		if !ok {
			t.Fatalf("webhooks has no %s", name)
		}
		op, ok := item["post"].(map[string]any)
		if !ok {
			t.Fatalf("webhooks.%s has no post operation", name)
		}
		if sec, ok := op["security"].([]any); !ok || len(sec) != 0 {
			t.Errorf("webhooks.%s must declare security: [] (Plaza signs the body; it sends no token)", name)
		}
		return op
	}
	body := func(t *testing.T, op map[string]any) any {
		t.Helper()
		rb := d.deref(t, op["requestBody"])
		return rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
	}
	for _, event := range plaza.WebhookEvents {
		t.Run(event, func(t *testing.T) {
			t.Parallel()
			typ, ok := webhookBodies[event]
			if !ok {
				t.Fatalf("the test knows no Go type for the body of %s: add it to webhookBodies", event)
			}
			schema := body(t, post(t, event))
			compareSchema(t, d, "webhooks."+event, schema, typ)
			s := d.deref(t, schema)
			enum, _ := d.deref(t, s["properties"].(map[string]any)["event"])["enum"].([]any)
			if !slices.Contains(enum, any(event)) {
				t.Errorf("the body of webhooks.%s does not allow event %q (enum %v)", event, event, enum)
			}
		})
	}
	t.Run("beforeSendMessage", func(t *testing.T) {
		t.Parallel()
		op := post(t, "beforeSendMessage")
		compareSchema(t, d, "webhooks.beforeSendMessage", body(t, op), reflect.TypeFor[plaza.HookCall]())
		ok := d.deref(t, op["responses"].(map[string]any)["200"])
		verdict := ok["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
		compareSchema(t, d, "webhooks.beforeSendMessage 200", verdict, reflect.TypeFor[plaza.HookVerdict]())
	})
	for name := range webhooks {
		if name != "beforeSendMessage" && !slices.Contains(plaza.WebhookEvents, name) {
			t.Errorf("webhooks.%s is not a callback event (plaza.WebhookEvents)", name)
		}
	}
	var enum []string
	for _, e := range d.deref(t, "#/components/schemas/WebhookEvent")["enum"].([]any) {
		enum = append(enum, e.(string))
	}
	if want := slices.Sorted(slices.Values(plaza.WebhookEvents)); !slices.Equal(slices.Sorted(slices.Values(enum)), want) {
		t.Errorf("the WebhookEvent enum is %v; plaza.WebhookEvents is %v", enum, want)
	}
}

// sharedEventPayloads are the events whose payload schema is not named
// after them.
var sharedEventPayloads = map[string]string{
	plaza.EventMessageReceived:       "MessageListEvent",
	plaza.EventMessageRevokeReceived: "MessageListEvent",
	plaza.EventMessageEdited:         "MessageListEvent",
}

// gatewayEvents returns the event names of docs/gateway.md's table of
// events.
func gatewayEvents(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("../../docs/gateway.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Events\n")
	if !ok {
		t.Fatal("docs/gateway.md has no Events section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var events []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-zA-Z]+)` \\|").FindAllStringSubmatch(section, -1) {
		events = append(events, m[1])
	}
	if len(events) < 10 {
		t.Fatalf("docs/gateway.md's table of events lists %d events", len(events))
	}
	return events
}

// TestOpenAPIGatewayEvents checks that every event of docs/gateway.md has
// its payload schema (<Name>Event, or a shared one), and that GatewayDispatch
// (reached from the connectGateway operation, so that code generators keep
// it) has exactly one dispatch frame per event, named by its t and carrying
// that payload.
func TestOpenAPIGatewayEvents(t *testing.T) {
	t.Parallel()
	d := loadDocument(t)
	schemas := d.root["components"].(map[string]any)["schemas"].(map[string]any)
	dispatch := d.deref(t, "#/components/schemas/GatewayDispatch")
	mapping, _ := dispatch["discriminator"].(map[string]any)["mapping"].(map[string]any)
	var oneOf []string
	for _, s := range dispatch["oneOf"].([]any) {
		oneOf = append(oneOf, s.(map[string]any)["$ref"].(string))
	}
	events := gatewayEvents(t)
	for _, event := range events {
		payload, ok := sharedEventPayloads[event]
		if !ok {
			payload = strings.ToUpper(event[:1]) + event[1:] + "Event"
		}
		if _, ok := schemas[payload]; !ok {
			t.Errorf("event %s has no payload schema %s", event, payload)
			continue
		}
		ref, _ := mapping[event].(string)
		if ref == "" {
			t.Errorf("GatewayDispatch's discriminator does not map %s", event)
			continue
		}
		if !slices.Contains(oneOf, ref) {
			t.Errorf("GatewayDispatch maps %s to %s, which is not one of its oneOf", event, ref)
		}
		frame := d.deref(t, ref)
		props := frame["properties"].(map[string]any)
		if c := d.deref(t, props["t"])["const"]; c != event {
			t.Errorf("%s: t is %v; want the constant %q", ref, c, event)
		}
		if got := props["d"].(map[string]any)["$ref"]; got != "#/components/schemas/"+payload {
			t.Errorf("%s: d is %v; want %s", ref, got, payload)
		}
	}
	if len(mapping) != len(events) || len(oneOf) != len(events) {
		t.Errorf("GatewayDispatch has %d mappings and %d frames; docs/gateway.md lists %d events", len(mapping), len(oneOf), len(events))
	}
	for name := range mapping {
		if !slices.Contains(events, name) {
			t.Errorf("GatewayDispatch maps %s, which docs/gateway.md's table does not list", name)
		}
	}

	// connectGateway's 101 answer reaches every frame.
	op := d.operation(t, "GET", "/v1/gateway").op
	switching := d.deref(t, op["responses"].(map[string]any)["101"])
	reached := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok && !reached[r] {
				reached[r] = true
				target, _ := d.ref(r)
				walk(target)
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(switching)
	for name := range schemas {
		if strings.HasPrefix(name, "Gateway") || strings.HasSuffix(name, "Dispatch") || strings.HasSuffix(name, "Event") && name != "WebhookEvent" {
			if !reached[("#/components/schemas/" + name)] {
				t.Errorf("schema %s is not reached from connectGateway's 101 answer", name)
			}
		}
	}

	// Every frame has only the fields of gateway.Frame.
	frameFields := jsonFields(reflect.TypeFor[gateway.Frame]())
	for name, s := range schemas {
		if !strings.HasPrefix(name, "Gateway") && !strings.HasSuffix(name, "Dispatch") {
			continue
		}
		props, ok := s.(map[string]any)["properties"].(map[string]any)
		if !ok || props["op"] == nil {
			continue // a payload
		}
		for p := range props {
			if _, ok := frameFields[p]; !ok {
				t.Errorf("frame %s has %s, which is not a field of gateway.Frame", name, p)
			}
		}
	}
}
