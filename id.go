package plaza

import (
	"strconv"
	"sync"
	"time"
)

// MaxIDBytes is the longest caller-chosen community, channel or user ID.
const MaxIDBytes = 32

// GeneralChannelID is the ID of the GENERAL channel every community gets. It
// starts with '#', so it can never collide with a caller-chosen ID.
const GeneralChannelID = "#general"

// idChars holds the bytes allowed in a caller-chosen ID besides letters and
// digits.
const idChars = "!#$%&()+-:;<=.>?@[]^_{}|~"

var idAllowed = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for i := 0; i < len(idChars); i++ {
		t[idChars[i]] = true
	}
	return t
}()

// checkID validates a caller-chosen ID: 1–32 bytes of letters, digits and
// idChars, not starting with '#'.
func checkID(field, id string) error {
	if id == "" {
		return invalidf(field, "%s must not be empty", field)
	}
	if len(id) > MaxIDBytes {
		return invalidf(field, "%s is longer than %d bytes", field, MaxIDBytes)
	}
	if id[0] == '#' {
		return invalidf(field, "%s must not start with '#' (reserved for generated IDs)", field)
	}
	for i := 0; i < len(id); i++ {
		if !idAllowed[id[i]] {
			return invalidf(field, "%s contains %q; allowed are letters, digits and %s", field, id[i], idChars)
		}
	}
	return nil
}

// checkRef validates an ID that refers to something existing. Generated IDs
// start with '#', so only length and characters are checked.
func checkRef(field, id string) error {
	if id == "" {
		return invalidf(field, "%s must not be empty", field)
	}
	if len(id) > MaxIDBytes {
		return invalidf(field, "%s is longer than %d bytes", field, MaxIDBytes)
	}
	for i := 0; i < len(id); i++ {
		if !idAllowed[id[i]] {
			return invalidf(field, "%s contains %q; allowed are letters, digits and %s", field, id[i], idChars)
		}
	}
	return nil
}

// checkUserIDs validates a list of user IDs: 1..max entries, each valid.
// Duplicates are removed; the order of first appearance is kept.
func checkUserIDs(field string, ids []string, max int) ([]string, error) {
	if len(ids) == 0 {
		return nil, invalidf(field, "%s must not be empty", field)
	}
	if len(ids) > max {
		return nil, invalidf(field, "%s has %d entries; at most %d are allowed per call", field, len(ids), max)
	}
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if err := checkRef(field, id); err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// Epoch is the start of Plaza's snowflake time: 2026-01-01T00:00:00Z.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Snowflake generates 64-bit, time-ordered IDs: 41 bits of milliseconds since
// Epoch, 10 bits of node, 12 bits of sequence. Two nodes of one deployment must
// have different node numbers.
type Snowflake struct {
	mu   sync.Mutex
	now  func() time.Time
	node int64
	last int64
	seq  int64
}

// NewSnowflake returns a generator for node (0–1023) reading time from now.
func NewSnowflake(node int, now func() time.Time) *Snowflake {
	return &Snowflake{node: int64(node) & 0x3ff, now: now}
}

// Next returns a new ID, greater than every ID this generator returned before.
func (g *Snowflake) Next() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := g.now().Sub(Epoch).Milliseconds()
	if ms < g.last {
		ms = g.last // the clock went back: keep order by borrowing time
	}
	if ms == g.last {
		g.seq = (g.seq + 1) & 0xfff
		if g.seq == 0 {
			ms++ // sequence exhausted within this millisecond
		}
	} else {
		g.seq = 0
	}
	g.last = ms
	return ms<<22 | g.node<<12 | g.seq
}

// generatedID returns a server-made ID: '#', a kind letter and a base-36
// snowflake, which sorts by creation time within a kind.
func (g *Snowflake) generatedID(kind byte) string {
	return "#" + string(kind) + strconv.FormatInt(g.Next(), 36)
}
