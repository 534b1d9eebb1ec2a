package plaza

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Cursor is a position in a list: the sort key of the last row of the
// previous page. Clients see it only as an opaque nextFlag string.
type Cursor struct {
	Valid  bool // false: start from the beginning
	K1, K2 int64
}

const cursorPrefix = "p1."

// String encodes c as a nextFlag; the zero Cursor encodes as "".
func (c Cursor) String() string {
	if !c.Valid {
		return ""
	}
	raw := cursorPrefix + strconv.FormatInt(c.K1, 36) + "." + strconv.FormatInt(c.K2, 36)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// parseCursor decodes a nextFlag.
func parseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	bad := invalidf("nextFlag", "nextFlag is not a cursor returned by this list")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, bad
	}
	rest, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return Cursor{}, bad
	}
	a, b, ok := strings.Cut(rest, ".")
	if !ok {
		return Cursor{}, bad
	}
	k1, err1 := strconv.ParseInt(a, 36, 64)
	k2, err2 := strconv.ParseInt(b, 36, 64)
	if err1 != nil || err2 != nil {
		return Cursor{}, bad
	}
	return Cursor{Valid: true, K1: k1, K2: k2}, nil
}

// page validates a PageRequest against the app's page size and returns the
// number of rows wanted and the starting position.
func (p PageRequest) page(spec Spec) (int, Cursor, error) {
	n := p.Count
	switch {
	case n == 0:
		n = spec.PageMax
	case n < 0 || n > spec.PageMax:
		return 0, Cursor{}, invalidf("count", "count must be between 1 and %d, got %d", spec.PageMax, p.Count)
	}
	c, err := parseCursor(p.NextFlag)
	return n, c, err
}

// trimPage cuts rows fetched with limit+1 down to limit and returns the
// cursor of the next page, or "" when rows was the last page.
func trimPage[T any](rows []T, limit int, key func(T) Cursor) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	c := key(rows[limit-1])
	c.Valid = true
	return rows, c.String()
}

// PageOf validates a page request against spec, as every list does; it
// returns the number of rows wanted and the starting position.
func PageOf(p PageRequest, spec Spec) (int, Cursor, error) { return p.page(spec) }
