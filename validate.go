package plaza

import (
	"fmt"
	"maps"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Every text field of a request follows one of four rules (listed with
// their fields in docs/architecture.md, "Text fields"). All of them refuse
// invalid UTF-8 and NUL, which PostgreSQL cannot store, and answer
// invalid_argument naming the field.
//
//   - free text (checkText): message text and payloads, extendedData,
//     attribute values, drafts, application wording. Keeps tab, line feed and
//     carriage return; refuses every other control character.
//   - a line (checkLine): notices, attribute keys, client message IDs,
//     reaction types, file names, MIME types, media URLs, searchedContent,
//     app names, webhook secrets. No control character at all.
//   - a name (checkName): community, channel and user names. A line that
//     holds at least one visible character: neither white space nor an
//     invisible format character such as U+200B.
//   - an avatar URL (checkAvatarURL): empty (none), or an absolute http or
//     https URL with a host and without white space.
//
// IDs have their own, narrower alphabet (checkID).

// textFault returns what breaks a text rule in v, or "": invalid UTF-8, or
// the first control character that the rule refuses (multiline allows tab,
// line feed and carriage return).
func textFault(v string, multiline bool) string {
	if !utf8.ValidString(v) {
		return "is not valid UTF-8"
	}
	for i, r := range v {
		if !unicode.IsControl(r) || multiline && (r == '\t' || r == '\n' || r == '\r') {
			continue
		}
		what := "a control character"
		if r == 0 {
			what = "a NUL character"
		}
		return fmt.Sprintf("contains %s (U+%04X) at byte %d", what, r, i)
	}
	return ""
}

// checkText validates free text of at most max characters (max < 0: the
// caller bounds its size): tab, line feed and carriage return are the only
// control characters it may hold.
func checkText(field, v string, max int) error {
	if f := textFault(v, true); f != "" {
		return invalidf(field, "%s %s; text may hold tab, line feed and carriage return but no other control character", field, f)
	}
	return checkLength(field, v, max)
}

// checkLine validates one line of at most max characters (max < 0: the
// caller bounds its size): no control character at all.
func checkLine(field, v string, max int) error {
	if f := textFault(v, false); f != "" {
		return invalidf(field, "%s %s; it takes no control character (no line break or tab either)", field, f)
	}
	return checkLength(field, v, max)
}

func checkLength(field, v string, max int) error {
	if max < 0 {
		return nil
	}
	if n := utf8.RuneCountInString(v); n > max {
		return invalidf(field, "%s has %d characters; the limit is %d", field, n, max)
	}
	return nil
}

// checkName validates a name: a line of at most max characters with at
// least one visible character.
func checkName(field, v string, max int) error {
	if err := checkLine(field, v, max); err != nil {
		return err
	}
	if v == "" {
		return invalidf(field, "%s must not be empty", field)
	}
	if strings.IndexFunc(v, visible) < 0 {
		return invalidf(field, "%s must hold a visible character, not only white space or invisible ones", field)
	}
	return nil
}

// checkOptionalName is checkName for a name that may be left out: empty is
// no name.
func checkOptionalName(field, v string, max int) error {
	if v == "" {
		return nil
	}
	return checkName(field, v, max)
}

// visible reports whether r shows: neither white space nor a format
// character (zero-width spaces and joiners, direction marks).
func visible(r rune) bool {
	return !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r)
}

// checkAvatarURL validates an avatar URL of at most max characters: empty
// (no avatar), or an absolute http or https URL with a host. Clients show
// it as an image, so that no other scheme (javascript:, data:, file:) may
// reach them.
func checkAvatarURL(field, v string, max int) error {
	if err := checkLine(field, v, max); err != nil || v == "" {
		return err
	}
	if strings.IndexFunc(v, unicode.IsSpace) >= 0 {
		return invalidf(field, "%s must not contain white space; escape it (%%20)", field)
	}
	u, err := url.Parse(v)
	if err != nil || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) || u.Host == "" || u.Opaque != "" {
		return invalidf(field, "%s must be empty or an absolute http:// or https:// URL, got %q", field, v)
	}
	return nil
}

// checkAttributeKey validates one attribute key: a line of 1 to the spec's
// number of characters.
func checkAttributeKey(field, k string, spec Spec) error {
	if k == "" {
		return invalidf(field, "attribute keys must not be empty")
	}
	if f := textFault(k, false); f != "" {
		return invalidf(field, "attribute key %q %s; keys take no control character", k, f)
	}
	if n := utf8.RuneCountInString(k); n > spec.AttributeKeyMaxChars {
		return FieldErrorf(EAttributeKey, field, "attribute key %q has %d characters; the limit is %d", k, n, spec.AttributeKeyMaxChars)
	}
	return nil
}

// mergeAttributes returns cur with set applied, checking every key and value
// and the resulting count against the app's spec. cur is not modified.
func mergeAttributes(field string, cur, set map[string]string, spec Spec) (map[string]string, error) {
	if len(set) == 0 {
		return nil, invalidf(field, "%s must hold at least one pair", field)
	}
	for k, v := range set {
		if err := checkAttributeKey(field, k, spec); err != nil {
			return nil, err
		}
		if f := textFault(v, true); f != "" {
			return nil, invalidf(field, "value of attribute %q %s; values may hold tab, line feed and carriage return but no other control character", k, f)
		}
		if n := utf8.RuneCountInString(v); n > spec.AttributeValueMaxChars {
			return nil, FieldErrorf(EAttributeValue, field, "value of attribute %q has %d characters; the limit is %d", k, n, spec.AttributeValueMaxChars)
		}
	}
	out := maps.Clone(cur)
	if out == nil {
		out = make(map[string]string, len(set))
	}
	maps.Copy(out, set)
	if len(out) > spec.AttributesMax {
		return nil, FieldErrorf(EAttributeCount, field, "a community or channel holds at most %d attributes; this would make %d", spec.AttributesMax, len(out))
	}
	return out, nil
}

// deleteAttributes returns cur without keys, and the keys that were not there.
func deleteAttributes(field string, cur map[string]string, keys []string, spec Spec) (map[string]string, []string, error) {
	if len(keys) == 0 {
		return nil, nil, invalidf(field, "%s must not be empty", field)
	}
	if len(keys) > spec.AttributesMax {
		return nil, nil, invalidf(field, "%s has %d entries; at most %d are allowed", field, len(keys), spec.AttributesMax)
	}
	out := maps.Clone(cur)
	if out == nil {
		out = map[string]string{}
	}
	missing := []string{}
	for _, k := range keys {
		if err := checkAttributeKey(field, k, spec); err != nil {
			return nil, nil, err
		}
		if _, ok := out[k]; !ok {
			missing = append(missing, k)
			continue
		}
		delete(out, k)
	}
	return out, missing, nil
}
