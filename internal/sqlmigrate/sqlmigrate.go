// Package sqlmigrate reads a store's migrations: SQL files named
// NNNN_name.sql, embedded in the binary, applied in the order of their
// numbers, each once. Applying them is the store's, on its own driver.
package sqlmigrate

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// File is one migration.
type File struct {
	Version int    // NNNN of its name
	Name    string // its file name
	SQL     string
}

// List returns the migrations in dir of fsys, by version.
func List(fsys fs.FS, dir string) ([]File, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	files := make([]File, 0, len(names))
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s is not named NNNN_name.sql", base)
		}
		body, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Version: v, Name: base, SQL: string(body)})
	}
	slices.SortFunc(files, func(a, b File) int { return a.Version - b.Version })
	return files, nil
}
