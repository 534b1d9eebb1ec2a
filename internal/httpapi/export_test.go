package httpapi

import (
	"slices"
	"strings"
)

// ServedRoutes returns the method and path of every route that register
// installs with a method (observe.go's endpoints), for the tests that check
// that the OpenAPI document lists each.
func ServedRoutes() [][2]string {
	var out [][2]string
	for pattern := range endpoints() {
		if method, path, ok := strings.Cut(pattern, " "); ok {
			out = append(out, [2]string{method, path})
		}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[1]+a[0], b[1]+b[0]) })
	return out
}
