package sqlite

import "testing"

// TestUnreadPartsBounded checks that the kept parts stay within two
// generations, that a user read again moves to the current one, and that
// the users not read for a generation are dropped.
func TestUnreadPartsBounded(t *testing.T) {
	t.Parallel()
	var u unreadParts
	parts := make([]unreadPart, 100)
	users := int64(3 * maxUnreadParts / len(parts))
	for user := range users {
		u.set(user, parts)
		// User 0's total is read after each other user's, as TotalUnread
		// reads one: get, then set.
		if user > 0 {
			if u.get(0) == nil {
				t.Fatalf("user 0, read after each other user, dropped after %d users", user)
			}
			u.set(0, parts)
		}
		if n := u.curParts + 100*len(u.prev); n > 2*maxUnreadParts+len(parts) {
			t.Fatalf("%d parts kept after %d users, want at most %d", n, user+1, 2*maxUnreadParts+len(parts))
		}
	}
	if u.get(1) != nil {
		t.Error("user 1, not read since the first generation, is still kept")
	}
	if u.get(users-1) == nil {
		t.Error("the last user is not kept")
	}
}
