package sqlmigrate

import (
	"testing"
	"testing/fstest"
)

func TestList(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"m/0010_later.sql": {Data: []byte("B")},
		"m/0002_first.sql": {Data: []byte("A")},
		"m/README.md":      {Data: []byte("not a migration")},
	}
	files, err := List(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0] != (File{2, "0002_first.sql", "A"}) || files[1] != (File{10, "0010_later.sql", "B"}) {
		t.Errorf("List = %+v, want 0002 then 0010 with their SQL", files)
	}
	if _, err := List(fstest.MapFS{"m/first.sql": {}}, "m"); err == nil {
		t.Error("List accepted a migration not named NNNN_name.sql")
	}
}
