package rowcodec

import (
	"reflect"
	"slices"
	"testing"

	"github.com/plazahq/plaza"
)

// fakeRows serves rows of values as the drivers do: a nil value sets a
// pointer destination to nil, and any other value is stored through as many
// pointers as the destination has.
type fakeRows struct {
	rows [][]any
	next int
}

func (f *fakeRows) Next() bool { f.next++; return f.next <= len(f.rows) }

func (f *fakeRows) Err() error { return nil }

func (f *fakeRows) Scan(dest ...any) error {
	row := f.rows[f.next-1]
	for i, d := range dest {
		dv := reflect.ValueOf(d).Elem()
		if row[i] == nil {
			dv.SetZero()
			continue
		}
		for dv.Kind() == reflect.Pointer {
			dv.Set(reflect.New(dv.Type().Elem()))
			dv = dv.Elem()
		}
		dv.Set(reflect.ValueOf(row[i]).Convert(dv.Type()))
	}
	return nil
}

func TestNullMessage(t *testing.T) {
	t.Parallel()
	var n NullMessage
	nulls := &fakeRows{rows: [][]any{make([]any, len(n.Dest()))}}
	nulls.Next()
	if err := nulls.Scan(n.Dest()...); err != nil {
		t.Fatal(err)
	}
	if m, err := n.Message(); m != nil || err != nil {
		t.Fatalf("all-NULL columns: got %v, %v; want no message", m, err)
	}

	row := &fakeRows{rows: [][]any{{int64(7), int64(3), int64(42), int64(9), "alice", int64(1), `{"type":1,"message":"hi"}`,
		"c1", int64(1000), int64(0), int64(2)}}}
	row.Next()
	if err := row.Scan(n.Dest()...); err != nil {
		t.Fatal(err)
	}
	m, err := n.Message()
	if err != nil {
		t.Fatal(err)
	}
	if m.ChannelPK != 7 || m.MessageSeq != 3 || m.MessageID != "42" || m.SenderUserID != "alice" ||
		m.ClientMessageID != "c1" || m.Timestamp != 1000 || m.RootRepliedCount != 2 || m.Type != 1 || m.Message != "hi" {
		t.Fatalf("message: %+v", m)
	}
}

func TestAppendRowsKeepsDst(t *testing.T) {
	t.Parallel()
	got, err := AppendRows(nil, &fakeRows{}, ScanUser)
	if err != nil || got != nil {
		t.Fatalf("nil dst, no rows: got %#v, %v; want nil", got, err)
	}
	got, err = AppendRows([]plaza.User{}, &fakeRows{}, ScanUser)
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty dst, no rows: got %#v, %v; want empty", got, err)
	}
}

func TestScanApps(t *testing.T) {
	t.Parallel()
	rows := &fakeRows{rows: [][]any{
		{"a1", "one", true, "{}", "{}", int64(1), "s2", int64(20), int64(0)},
		{"a1", "one", true, "{}", "{}", int64(1), "s1", int64(10), int64(30)},
		{"a2", "two", false, "{}", "{}", int64(2), nil, nil, nil},
	}}
	apps, err := ScanApps(rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 2 || len(apps[0].Secrets) != 2 || apps[1].Secrets == nil || len(apps[1].Secrets) != 0 {
		t.Fatalf("apps: %+v", apps)
	}
	if s := apps[0].Secrets[1]; s.Secret != "s1" || s.CreatedAt != 10 || s.ExpiresAt != 30 {
		t.Fatalf("second secret: %+v", s)
	}
}

func TestScanMessagesThreadInfo(t *testing.T) {
	t.Parallel()
	msg := []any{int64(7), int64(3), int64(42), int64(9), "alice", int64(1), `{"type":1,"message":"hi"}`, "", int64(1000), int64(0), int64(0)}
	rows := &fakeRows{rows: [][]any{
		append(slices.Clone(msg), nil, nil, nil, nil, nil),
		append(slices.Clone(msg), "th", "Thread", int64(5), int64(2000), int64(3000)),
	}}
	ms, err := ScanMessages(rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].ThreadInfo != nil {
		t.Fatalf("a message that opened no thread: %+v", ms)
	}
	want := plaza.ThreadInfo{ThreadID: "th", ThreadName: "Thread", MessageCount: 5, LastMessageTime: 2000, ArchiveAt: 3000}
	if got := ms[1].ThreadInfo; got == nil || *got != want {
		t.Fatalf("ThreadInfo = %+v, want %+v", got, want)
	}
}
