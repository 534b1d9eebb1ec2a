package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/plazahq/plaza"
)

// decodeRequest fills v, a pointer to a request struct, from the request's
// JSON body, its query parameters and the route's path wildcards, in that
// order. The body must be one JSON object of known fields, in valid UTF-8,
// no larger than the configured limit. The query parameter reserved (if not
// "") belongs to the transport, not to the request, and is skipped.
func (s *Server) decodeRequest(w http.ResponseWriter, r *http.Request, params []string, reserved string, v any) error {
	if err := s.decodeBody(w, r, v); err != nil {
		return err
	}
	fields := fieldsOf(reflect.TypeOf(v).Elem())
	rv := reflect.ValueOf(v).Elem()
	for name, values := range r.URL.Query() {
		if reserved != "" && name == reserved {
			continue
		}
		f, ok := fields[name]
		if !ok || slicesContain(params, name) || r.Method != http.MethodGet {
			return plaza.FieldErrorf(plaza.EInvalidArgument, name, "unknown query parameter %q", name)
		}
		if err := setField(rv.FieldByIndex(f.Index), name, values); err != nil {
			return err
		}
	}
	for _, name := range params {
		f, ok := fields[name]
		if !ok {
			panic(fmt.Sprintf("httpapi: path wildcard %s is not a field of %s", name, rv.Type()))
		}
		fv := rv.FieldByIndex(f.Index)
		inBody := !fv.IsZero()
		before := fv.Interface()
		if err := setField(fv, name, []string{r.PathValue(name)}); err != nil {
			return err
		}
		if inBody && before != fv.Interface() {
			return plaza.FieldErrorf(plaza.EInvalidArgument, name, "%s in the body (%v) differs from the path (%q)", name, before, r.PathValue(name))
		}
	}
	return nil
}

func slicesContain(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// decodeBody strictly decodes the JSON body into v. An empty body is an
// empty object. The Content-Type header is not consulted: bodies are always
// JSON, and clients such as curl -d or fetch() send other types by default.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return plaza.DecodeJSON(body, v)
}

// readBody reads the whole request body, refusing one larger than the
// configured limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, plaza.Errorf(plaza.EPayloadTooLarge, "request body is larger than the limit of %d bytes", s.maxBody)
	}
	if err != nil {
		return nil, plaza.Errorf(plaza.EInvalidArgument, "reading request body: %v", err)
	}
	return body, nil
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.StructField

// fieldsOf maps the JSON names of a struct's fields, promoted ones included,
// to the fields.
func fieldsOf(t reflect.Type) map[string]reflect.StructField {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.StructField)
	}
	m := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f
	}
	fieldCache.Store(t, m)
	return m
}

// setField sets a field from query parameter values. A list takes repeated
// parameters, comma-separated values, or both.
func setField(v reflect.Value, name string, values []string) error {
	if v.Kind() == reflect.Slice {
		list := reflect.MakeSlice(v.Type(), 0, len(values))
		for _, s := range values {
			for part := range strings.SplitSeq(s, ",") {
				if part == "" {
					continue
				}
				e := reflect.New(v.Type().Elem()).Elem()
				if err := setField(e, name, []string{part}); err != nil {
					return err
				}
				list = reflect.Append(list, e)
			}
		}
		v.Set(list)
		return nil
	}
	if len(values) != 1 {
		return plaza.FieldErrorf(plaza.EInvalidArgument, name, "query parameter %s must be given once", name)
	}
	s := values[0]
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v.OverflowInt(n) {
			return plaza.FieldErrorf(plaza.EInvalidArgument, name, "%s must be an integer, got %q", name, s)
		}
		v.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return plaza.FieldErrorf(plaza.EInvalidArgument, name, "%s must be true or false, got %q", name, s)
		}
		v.SetBool(b)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := setField(p.Elem(), name, values); err != nil {
			return err
		}
		v.Set(p)
	default:
		return plaza.FieldErrorf(plaza.EInvalidArgument, name, "%s cannot be given as a query parameter", name)
	}
	return nil
}
