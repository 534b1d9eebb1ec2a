package plaza

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// DecodeJSON decodes one JSON object into v, refusing invalid UTF-8, null,
// unknown fields, a key repeated in one object, a NUL character in any
// string, wrong types and trailing data, with an error that names the field
// at fault. Every transport decodes requests with it.
func DecodeJSON(body []byte, v any) error {
	if !utf8.Valid(body) {
		return Errorf(EInvalidArgument, "request body is not valid UTF-8")
	}
	if err := checkKeys(body); err != nil {
		return err
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

// checkKeys refuses what encoding/json lets pass: a body that is null, a
// key given twice in one object (the decoder keeps the last, so that two
// readers of one body could disagree), and a NUL in a string or key
// (PostgreSQL cannot store it). It scans the bytes once, without decoding;
// malformed JSON is left to the decoder, which says where it breaks.
func checkKeys(body []byte) error {
	type frame struct {
		object bool
		key    string // the object's current key
		index  int    // the array's current index
		keys   []string
		set    map[string]struct{} // keys, once there are many
	}
	stack := make([]frame, 0, 8)
	// path names the value at the current position; without its last key
	// when the innermost key is what is at fault.
	path := func(keyless bool) string {
		var b strings.Builder
		for n, f := range stack {
			switch {
			case !f.object:
				fmt.Fprintf(&b, "[%d]", f.index)
			case keyless && n == len(stack)-1:
			default:
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			}
		}
		return b.String()
	}
	nul := func(field, what string) error {
		if field == "" {
			return Errorf(EInvalidArgument, "request body %s a NUL character (U+0000), which no text field accepts", what)
		}
		return FieldErrorf(EInvalidArgument, field, "%s %s a NUL character (U+0000), which no text field accepts", field, what)
	}
	start := len(body) - len(bytes.TrimLeft(body, " \t\r\n"))
	if bytes.HasPrefix(body[start:], []byte("null")) {
		return Errorf(EInvalidArgument, "request body must be a JSON object, not null")
	}
	wantKey := false
	for i := start; i < len(body); {
		switch body[i] {
		case '{', '[':
			stack = append(stack, frame{object: body[i] == '{'})
			wantKey = body[i] == '{'
			i++
		case '}', ']':
			if len(stack) == 0 {
				return nil
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return nil // one value read: what follows is the decoder's to judge
			}
			i++
		case ',':
			if len(stack) > 0 {
				top := &stack[len(stack)-1]
				wantKey = top.object
				if !top.object {
					top.index++
				}
			}
			i++
		case ':':
			wantKey = false
			i++
		case '"':
			end, escaped, hasNUL := scanString(body, i)
			if end < 0 {
				return nil
			}
			if len(stack) == 0 || !wantKey {
				if hasNUL {
					return nul(path(false), "contains")
				}
				i = end
				continue
			}
			top := &stack[len(stack)-1]
			if hasNUL {
				return nul(path(true), "has a key with")
			}
			key := string(body[i+1 : end-1])
			if escaped && json.Unmarshal(body[i:end], &key) != nil {
				return nil
			}
			top.key = key
			if dupKey(&top.keys, &top.set, key) {
				return FieldErrorf(EInvalidArgument, path(false), "%s is given twice; a key appears at most once in an object", path(false))
			}
			wantKey = false
			i = end
		default:
			i++
		}
	}
	return nil
}

// dupKey records key among an object's keys and reports whether it was
// there already. A few keys are searched in a slice; many in a map, so that
// a body of many keys costs no more than its length.
func dupKey(keys *[]string, set *map[string]struct{}, key string) bool {
	if *set != nil {
		if _, ok := (*set)[key]; ok {
			return true
		}
		(*set)[key] = struct{}{}
		return false
	}
	for _, k := range *keys {
		if k == key {
			return true
		}
	}
	*keys = append(*keys, key)
	if len(*keys) > 16 {
		*set = make(map[string]struct{}, 2*len(*keys))
		for _, k := range *keys {
			(*set)[k] = struct{}{}
		}
		*keys = nil
	}
	return false
}

// scanString reads the JSON string that starts at body[i] (a quote) and
// returns the index just past its closing quote (-1 if it has none),
// whether it holds escapes, and whether one of them is \u0000.
func scanString(body []byte, i int) (end int, escaped, hasNUL bool) {
	for j := i + 1; j < len(body); {
		switch body[j] {
		case '"':
			return j + 1, escaped, hasNUL
		case '\\':
			escaped = true
			if j+1 < len(body) && body[j+1] == 'u' {
				if j+6 <= len(body) && string(body[j+2:j+6]) == "0000" {
					hasNUL = true
				}
				j += 6
				continue
			}
			j += 2
		default:
			j++
		}
	}
	return -1, escaped, hasNUL
}
