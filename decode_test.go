package plaza_test

import (
	"testing"

	"github.com/plazahq/plaza"
)

// TestDecodeJSONRefusesLenientBodies: a request body is one JSON object
// (null is not one), each key once in every object, and no NUL in any
// string, each refusal naming where.
func TestDecodeJSONRefusesLenientBodies(t *testing.T) {
	t.Parallel()
	type item struct {
		A string `json:"a"`
	}
	type request struct {
		CommunityID string            `json:"communityID"`
		Attributes  map[string]string `json:"communityAttributes"`
		Items       []item            `json:"items"`
		Nested      *item             `json:"nested"`
		Count       int               `json:"count"`
	}
	for _, tt := range []struct {
		name, body string
		field      string // "" for accepted, "-" for refused without a field
	}{
		{"an object", `{"communityID":"a","communityAttributes":{"k":"v","l":"w"},"items":[{"a":"x"},{"a":"y"}]}`, ""},
		{"an empty object", `{}`, ""},
		{"null", `null`, "-"},
		{"null among spaces", "\t null \n", "-"},
		{"an array", `[]`, "-"},
		{"a repeated field", `{"communityID":"a","count":1,"communityID":"b"}`, "communityID"},
		{"a repeated field, once escaped", `{"communityID":"a","community\u0049D":"b"}`, "communityID"},
		{"a repeated map key", `{"communityAttributes":{"k":"1","k":"2"}}`, "communityAttributes.k"},
		{"a repeated key in an array's object", `{"items":[{"a":"x"},{"a":"y","a":"z"}]}`, "items[1].a"},
		{"a repeated key in a nested object", `{"nested":{"a":"x","a":"y"}}`, "nested.a"},
		{"the same key in sibling objects", `{"items":[{"a":"x"},{"a":"y"}],"nested":{"a":"z"}}`, ""},
		{"NUL in a field", `{"communityID":"a\u0000"}`, "communityID"},
		{"NUL in a map value", `{"communityAttributes":{"k":"\u0000"}}`, "communityAttributes.k"},
		{"NUL in a map key", `{"communityAttributes":{"\u0000":"v"}}`, "communityAttributes"},
		{"NUL in an array's object", `{"items":[{"a":"x"},{"a":"\u0000"}]}`, "items[1].a"},
		{"an escaped backslash before u0000", `{"communityID":"\\u0000"}`, ""},
		{"a line feed", `{"communityID":"a\nb"}`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var req request
			err := plaza.DecodeJSON([]byte(tt.body), &req)
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("%s: %v, want it accepted", tt.body, err)
			case tt.field == "":
			case err == nil:
				t.Fatalf("%s: accepted, want invalid_argument", tt.body)
			case plaza.ErrorCode(err) != plaza.EInvalidArgument:
				t.Fatalf("%s: %v, want invalid_argument", tt.body, err)
			case tt.field != "-" && plaza.AsError(err).Field != tt.field:
				t.Fatalf("%s: %v names field %q, want %q", tt.body, err, plaza.AsError(err).Field, tt.field)
			}
		})
	}
}
