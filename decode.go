package plaza

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// DecodeJSON decodes one JSON object into v, refusing invalid UTF-8, unknown
// fields, wrong types and trailing data, with an error that names the field
// at fault. Every transport decodes requests with it.
func DecodeJSON(body []byte, v any) error {
	if !utf8.Valid(body) {
		return Errorf(EInvalidArgument, "request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return Errorf(EInvalidArgument, "request body must hold one JSON object and nothing after it")
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(EInvalidArgument, "request body must hold one JSON object and nothing after it")
	}
	return nil
}

func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return Errorf(EInvalidArgument, "request body is not valid JSON: %v (at byte %d)", err, syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return Errorf(EInvalidArgument, "request body must be a JSON object, got %s", typ.Value)
		}
		return FieldErrorf(EInvalidArgument, typ.Field, "%s must be %s, got %s", typ.Field, describe(typ.Type), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return Errorf(EInvalidArgument, "request body is truncated JSON")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return FieldErrorf(EInvalidArgument, name, "unknown field %q", name)
	}
	return Errorf(EInvalidArgument, "request body: %v", err)
}

// describe names a Go type in JSON terms.
func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return describe(t.Elem())
	}
	return t.String()
}
