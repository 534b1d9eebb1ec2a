package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
)

// unreadPart is a user's unread count in one community, with what it was
// computed from: the member row (its key and role) and the stamps of the
// member's side and of the community's (migration 0008). While the four
// are the same the count is too; the key changes when the user leaves and
// joins again, and the stamps only grow, so a part is never mistaken for
// another.
type unreadPart struct {
	communityPK, memberPK, role, memberStamp, communityStamp int64
	unread                                                   int64
}

// unreadParts keeps the parts of recent users' totals, so that a total
// computes again only the communities where something moved since it was
// last asked: a message, a read, a setting, a listing. Two generations of
// at most maxUnreadParts parts each bound it; a user's parts move back to
// the current generation when its total is read again (set), and the older
// one is dropped.
// Parts are read and written only from committed snapshots (the reader
// pool), whose stamps never come back, so any stored part is right for its
// key whichever reader stored it last.
type unreadParts struct {
	mu        sync.Mutex
	cur, prev map[int64][]unreadPart // by user key
	curParts  int
}

// maxUnreadParts bounds a generation: about 3 MB of parts each.
const maxUnreadParts = 1 << 16

// get returns the user's parts, if kept, from either generation.
func (u *unreadParts) get(userPK int64) []unreadPart {
	u.mu.Lock()
	defer u.mu.Unlock()
	if ps, ok := u.cur[userPK]; ok {
		return ps
	}
	return u.prev[userPK]
}

// set replaces the user's parts, in the current generation, first starting
// a new one if it is full. Every read of a total sets its parts, which
// moves them out of the older generation.
func (u *unreadParts) set(userPK int64, ps []unreadPart) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.prev, userPK)
	old := len(u.cur[userPK])
	if u.cur == nil || u.curParts-old+len(ps) > maxUnreadParts {
		u.prev, u.cur, u.curParts, old = u.cur, make(map[int64][]unreadPart), 0, 0
	}
	u.cur[userPK] = ps
	u.curParts += len(ps) - old
}

// unreadByParts reads a user's (?1) communities in notify with their
// member rows' keys, roles and stamps, and computes the unread count of
// those not among the kept parts (?2, a JSON array of [community, member,
// role, member stamp, community stamp]); a kept one's count is NULL.
var unreadByParts = `
	WITH kept(community_pk, member_pk, role, member_stamp, community_stamp) AS MATERIALIZED (
		SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?2))
	SELECT mb.community_pk, mb.id, mb.role, mb.unread_stamp, c.unread_stamp,
	       CASE WHEN k.community_pk IS NULL THEN (` + unreadIn + `) END
	FROM members mb CROSS JOIN communities c ON c.id = mb.community_pk
	LEFT JOIN kept k ON k.community_pk = mb.community_pk AND k.member_pk = mb.id AND k.role = mb.role
	     AND k.member_stamp = mb.unread_stamp AND k.community_stamp = c.unread_stamp
	WHERE mb.user_pk = ?1 AND mb.notification_status = 1 AND c.dismissed_at = 0`

// TotalUnread sums a user's unread counts in notify, channels and followed
// threads, in communities in notify, as queries.TotalUnread does (a write
// transaction's reads still use that), reading O(communities) rows plus
// the conversations of the communities whose parts moved since the user's
// total was last read. One statement reads the stamps and the counts, so
// both come from one snapshot.
func (s *Store) TotalUnread(ctx context.Context, userPK int64) (int64, error) {
	kept := s.unread.get(userPK)
	rows, err := s.queries.db.QueryContext(ctx, unreadByParts, userPK, partKeys(kept))
	if err != nil {
		return 0, translate(err)
	}
	defer rows.Close()
	byCommunity := make(map[int64]unreadPart, len(kept))
	for _, k := range kept {
		byCommunity[k.communityPK] = k
	}
	parts := make([]unreadPart, 0, len(kept))
	var total int64
	for rows.Next() {
		var p unreadPart
		var unread sql.NullInt64
		if err := rows.Scan(&p.communityPK, &p.memberPK, &p.role, &p.memberStamp, &p.communityStamp, &unread); err != nil {
			return 0, translate(err)
		}
		switch k, ok := byCommunity[p.communityPK]; {
		case unread.Valid:
			p.unread = unread.Int64
		case ok && k.sameKey(p):
			p.unread = k.unread
		default:
			return 0, fmt.Errorf("sqlite: the unread count of community %d is neither computed nor kept", p.communityPK)
		}
		total += p.unread
		parts = append(parts, p)
	}
	if err := rows.Err(); err != nil {
		return 0, translate(err)
	}
	s.unread.set(userPK, parts)
	return total, nil
}

// sameKey reports whether p and q were computed from the same rows.
func (p unreadPart) sameKey(q unreadPart) bool {
	return p.communityPK == q.communityPK && p.memberPK == q.memberPK && p.role == q.role &&
		p.memberStamp == q.memberStamp && p.communityStamp == q.communityStamp
}

// partKeys is the keys of parts as the JSON array unreadByParts takes.
func partKeys(ps []unreadPart) string {
	b := make([]byte, 0, 2+len(ps)*48)
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, v := range []int64{p.communityPK, p.memberPK, p.role, p.memberStamp, p.communityStamp} {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, v, 10)
		}
		b = append(b, ']')
	}
	return string(append(b, ']'))
}
