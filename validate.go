package plaza

import (
	"maps"
	"unicode/utf8"
)

// checkChars validates free text: valid UTF-8 of at most max characters.
func checkChars(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return invalidf(field, "%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return invalidf(field, "%s has %d characters; the limit is %d", field, n, max)
	}
	return nil
}

// checkAttributeKey validates one attribute key.
func checkAttributeKey(field, k string, spec Spec) error {
	if k == "" {
		return invalidf(field, "attribute keys must not be empty")
	}
	if !utf8.ValidString(k) {
		return invalidf(field, "attribute key is not valid UTF-8")
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
		if !utf8.ValidString(v) {
			return nil, invalidf(field, "value of attribute %q is not valid UTF-8", k)
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
