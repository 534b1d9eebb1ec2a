package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/plazahq/plaza/api"
)

// The served OpenAPI document is api/openapi.yaml plus what the route table
// says and the YAML does not repeat: the server API's mirror of every client
// route (routes.go serves each one at ServerPath of its path, acting for the
// user named by fromUserID). Each mirror is the client operation with
//
//   - the path ServerPath(path) and the operation ID MirrorOperationID(id)
//     ("server" + the client ID with its first letter capitalised:
//     createCommunity → serverCreateCommunity);
//   - the tag server and the serverSignature requirement instead of the user
//     token;
//   - the query parameter fromUserID, required (optional where the client
//     operation says so in x-server-mirror: sendMessage, which without it
//     sends as the app);
//   - the signature's errors instead of the token's, app_not_found, and
//     x-mirror-of naming the client operation.
//
// A client operation may carry x-server-mirror, read here and removed from
// the served document: optionalFromUserID (bool) and description (a
// paragraph added to the mirror's).

// MirrorOperationID returns the operation ID of the server API's mirror of a
// client operation: "server" followed by the client operation's ID with its
// first letter in upper case.
func MirrorOperationID(clientOperationID string) string {
	if clientOperationID == "" {
		return "server"
	}
	return "server" + strings.ToUpper(clientOperationID[:1]) + clientOperationID[1:]
}

// mirrorExtension is the key of a client operation's hints for its mirror.
const mirrorExtension = "x-server-mirror"

// mirrorOfExtension names, on a mirror, the client operation it mirrors.
const mirrorOfExtension = "x-mirror-of"

// fromUserIDParameters are the components the mirrors refer to: the user a
// mirrored call acts for. They live here, not in api/openapi.yaml, because
// only the generated mirrors use them.
const fromUserIDParameters = `
fromUserID:
  name: fromUserID
  in: query
  required: true
  description: >-
    The user of the app that this server API call acts for, created on first use (a
    caller-chosen ID: not starting with ` + "`#`" + `). Required on every method, beside the
    operation's own query parameters; it is not a request field.
  schema:
    $ref: '#/components/schemas/ID'
fromUserIDOptional:
  name: fromUserID
  in: query
  required: false
  description: >-
    The user of the app that this server API call acts for, created on first use (a
    caller-chosen ID: not starting with ` + "`#`" + `). Absent: the app itself acts (see the
    operation).
  schema:
    $ref: '#/components/schemas/ID'
`

// signatureRequirement is the security requirement of every mirror: the
// four headers of a signed request together.
const signatureRequirement = `
- serverAppID: []
  serverNonce: []
  serverTimestamp: []
  serverSignature: []
`

// OpenAPIJSON returns the OpenAPI document as the server serves it at
// /v1/openapi.json.
func OpenAPIJSON() ([]byte, error) {
	b, _, err := openAPIDocuments()
	return bytes.Clone(b), err
}

// OpenAPIYAML returns the same document as YAML, as served at
// /v1/openapi.yaml.
func OpenAPIYAML() ([]byte, error) {
	_, b, err := openAPIDocuments()
	return bytes.Clone(b), err
}

// openAPIDocuments returns the served document as JSON and as YAML. It is
// built once per process (it depends on nothing but the binary): building it
// takes tens of milliseconds, which every New would pay again.
func openAPIDocuments() (jsonDoc, yamlDoc []byte, err error) {
	d := builtDocuments()
	return d.json, d.yaml, d.err
}

// builtDocuments builds the served documents once; callers never modify
// them.
var builtDocuments = sync.OnceValue(func() (d struct {
	json, yaml []byte
	err        error
}) {
	d.json, d.yaml, d.err = buildOpenAPIDocuments()
	return d
})

// buildOpenAPIDocuments builds the served document and encodes it as JSON
// and as YAML.
func buildOpenAPIDocuments() (jsonDoc, yamlDoc []byte, err error) {
	doc, err := servedDocument(api.OpenAPI, routes)
	if err != nil {
		return nil, nil, err
	}
	var j bytes.Buffer
	if err := encodeNodeJSON(&j, doc); err != nil {
		return nil, nil, fmt.Errorf("httpapi: openapi.yaml is not JSON-compatible: %w", err)
	}
	var y bytes.Buffer
	enc := yaml.NewEncoder(&y)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, nil, fmt.Errorf("httpapi: encode openapi.yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, nil, fmt.Errorf("httpapi: encode openapi.yaml: %w", err)
	}
	return j.Bytes(), y.Bytes(), nil
}

// servedDocument returns the document src (YAML) with a mirror of each of
// the client routes rs.
func servedDocument(src []byte, rs []route) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("httpapi: openapi.yaml: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("httpapi: openapi.yaml is not a mapping")
	}
	root := doc.Content[0]
	paths := mappingValue(root, "paths")
	components := mappingValue(root, "components")
	if paths == nil || components == nil {
		return nil, fmt.Errorf("httpapi: openapi.yaml has no paths or no components")
	}
	params := mappingValue(components, "parameters")
	if params == nil {
		params = &yaml.Node{Kind: yaml.MappingNode}
		setMappingValue(components, "parameters", params)
	}
	for _, name := range []string{"fromUserID", "fromUserIDOptional"} {
		if mappingValue(params, name) != nil {
			return nil, fmt.Errorf("httpapi: openapi.yaml defines the parameter %s, which the served document adds", name)
		}
	}
	var extra yaml.Node
	if err := yaml.Unmarshal([]byte(fromUserIDParameters), &extra); err != nil {
		return nil, fmt.Errorf("httpapi: fromUserID parameters: %w", err)
	}
	params.Content = append(params.Content, extra.Content[0].Content...)

	// The mirrors, grouped in path items in the order of their first route.
	var order []string
	items := map[string]*yaml.Node{}
	for _, r := range rs {
		item := mappingValue(paths, r.path)
		if item == nil {
			return nil, fmt.Errorf("httpapi: openapi.yaml has no path %s (route %s)", r.path, r.operation)
		}
		op := mappingValue(item, strings.ToLower(r.method))
		if op == nil {
			return nil, fmt.Errorf("httpapi: openapi.yaml has no %s %s (route %s)", r.method, r.path, r.operation)
		}
		mpath := ServerPath(r.path)
		if mappingValue(paths, mpath) != nil {
			return nil, fmt.Errorf("httpapi: openapi.yaml writes the path %s, which the served document generates: the server API mirrors are not written by hand", mpath)
		}
		mitem, ok := items[mpath]
		if !ok {
			mitem = &yaml.Node{Kind: yaml.MappingNode}
			if ps := mappingValue(item, "parameters"); ps != nil {
				setMappingValue(mitem, "parameters", deepCopy(ps))
			}
			items[mpath] = mitem
			order = append(order, mpath)
		}
		m, err := mirror(op, r.operation)
		if err != nil {
			return nil, err
		}
		setMappingValue(mitem, strings.ToLower(r.method), m)
		deleteMappingValue(op, mirrorExtension)
	}

	// They go after the server API's own paths.
	at := len(paths.Content)
	for i := 0; i < len(paths.Content); i += 2 {
		if strings.HasPrefix(paths.Content[i].Value, "/v1/server/") {
			at = i + 2
		}
	}
	var generated []*yaml.Node
	for _, p := range order {
		generated = append(generated, scalar(p), items[p])
	}
	paths.Content = append(paths.Content[:at], append(generated, paths.Content[at:]...)...)
	return &doc, nil
}

// mirror returns the server API's mirror of the client operation op, whose
// ID is id.
func mirror(op *yaml.Node, id string) (*yaml.Node, error) {
	m := deepCopy(op)
	optional, addendum := false, ""
	if ext := mappingValue(m, mirrorExtension); ext != nil {
		for i := 0; i+1 < len(ext.Content); i += 2 {
			switch k, v := ext.Content[i].Value, ext.Content[i+1]; k {
			case "optionalFromUserID":
				optional = v.Value == "true"
			case "description":
				addendum = v.Value
			default:
				return nil, fmt.Errorf("httpapi: %s of %s: unknown key %s", mirrorExtension, id, k)
			}
		}
		deleteMappingValue(m, mirrorExtension)
	}
	setMappingValue(m, "operationId", scalar(MirrorOperationID(id)))
	setMappingValue(m, "tags", &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{scalar("server")}})
	if s := mappingValue(m, "summary"); s != nil {
		s.Value = "Server API: " + s.Value
	}
	who := "acting for the user that the query parameter `fromUserID` names (required)"
	if optional {
		who = "acting for the user that the query parameter `fromUserID` names, or as the app without it"
	}
	desc := fmt.Sprintf("The server API's mirror of `%s` (tag `server`): a request signed with the app's server secret instead of a user token, %s, with the same fields, result and errors as `%s`, described below.", id, who, id)
	if d := mappingValue(m, "description"); d != nil {
		desc += "\n\n" + d.Value
	}
	if addendum != "" {
		desc += "\n\n" + addendum
	}
	setMappingValue(m, "description", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: desc})

	var sec yaml.Node
	if err := yaml.Unmarshal([]byte(signatureRequirement), &sec); err != nil {
		return nil, fmt.Errorf("httpapi: signature requirement: %w", err)
	}
	setMappingValue(m, "security", sec.Content[0])

	param := "#/components/parameters/fromUserID"
	if optional {
		param = "#/components/parameters/fromUserIDOptional"
	}
	ref := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("$ref"), scalar(param)}}
	if ps := mappingValue(m, "parameters"); ps != nil {
		ps.Content = append(ps.Content, ref)
	} else {
		setMappingValue(m, "parameters", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{ref}})
	}

	responses := mappingValue(m, "responses")
	if responses == nil {
		return nil, fmt.Errorf("httpapi: %s has no responses", id)
	}
	setResponseDescription(responses, "401", "`signature_invalid`, `signature_expired`, `nonce_reused`: the request's signature (see `serverSignature`).")
	if r := mappingValue(responses, "400"); r != nil {
		if d := mappingValue(r, "description"); d != nil {
			also := " Also `invalid_argument` for a missing or invalid `fromUserID`."
			if optional {
				also = " Also `invalid_argument` for an invalid `fromUserID`."
			}
			setResponseDescription(responses, "400", d.Value+also)
		}
	}
	if r := mappingValue(responses, "404"); r != nil {
		if d := mappingValue(r, "description"); d != nil {
			setResponseDescription(responses, "404", "`app_not_found` (`Plaza-App-ID` names no app); "+d.Value)
		}
	} else {
		setMappingValue(responses, "404", &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			scalar("$ref"), scalar("#/components/responses/ErrorResponse"),
			scalar("description"), scalar("`app_not_found`: `Plaza-App-ID` names no app."),
		}})
		sortResponses(responses)
	}
	setMappingValue(m, mirrorOfExtension, scalar(id))
	return m, nil
}

// setResponseDescription sets the description of the response code, if the
// operation has one.
func setResponseDescription(responses *yaml.Node, code, text string) {
	if r := mappingValue(responses, code); r != nil {
		setMappingValue(r, "description", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: text})
	}
}

// sortResponses orders a responses mapping by status code, default last.
func sortResponses(responses *yaml.Node) {
	type pair struct{ k, v *yaml.Node }
	var ps []pair
	for i := 0; i+1 < len(responses.Content); i += 2 {
		ps = append(ps, pair{responses.Content[i], responses.Content[i+1]})
	}
	key := func(p pair) string {
		if p.k.Value == "default" {
			return "~"
		}
		return p.k.Value
	}
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && key(ps[j]) < key(ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	responses.Content = responses.Content[:0]
	for _, p := range ps {
		responses.Content = append(responses.Content, p.k, p.v)
	}
}

// scalar returns a plain string scalar.
func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// mappingValue returns the value of key in the mapping m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// setMappingValue replaces the value of key in the mapping m, or appends the
// pair.
func setMappingValue(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, scalar(key), v)
}

// deleteMappingValue removes key from the mapping m.
func deleteMappingValue(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// deepCopy copies a node and everything under it.
func deepCopy(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = deepCopy(k)
	}
	return &c
}

// encodeNodeJSON encodes a YAML node as JSON, keeping the order of mapping keys.
func encodeNodeJSON(w *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("a document of %d nodes", len(n.Content))
		}
		return encodeNodeJSON(w, n.Content[0])
	case yaml.AliasNode:
		return encodeNodeJSON(w, n.Alias)
	case yaml.MappingNode:
		w.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				w.WriteByte(',')
			}
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return fmt.Errorf("line %d: a mapping key that is not a string", k.Line)
			}
			b, err := json.Marshal(k.Value)
			if err != nil {
				return err
			}
			w.Write(b)
			w.WriteByte(':')
			if err := encodeNodeJSON(w, n.Content[i+1]); err != nil {
				return err
			}
		}
		w.WriteByte('}')
	case yaml.SequenceNode:
		w.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := encodeNodeJSON(w, c); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	case yaml.ScalarNode:
		var v any
		switch n.ShortTag() {
		case "!!str":
			v = n.Value
		case "!!null":
			v = nil
		case "!!bool", "!!int", "!!float":
			if err := n.Decode(&v); err != nil {
				return fmt.Errorf("line %d: %w", n.Line, err)
			}
		default:
			return fmt.Errorf("line %d: a %s scalar has no JSON form", n.Line, n.ShortTag())
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		w.Write(b)
	default:
		return fmt.Errorf("line %d: an unexpected YAML node", n.Line)
	}
	return nil
}
