package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// memberColumns are the columns rowcodec.ScanMember reads, from members m
// and users u, ending with the member's mutes as a JSON array of [channel
// key, channel ID, expiry]. The list stays here: its JSON functions are
// SQLite's.
const memberColumns = `m.id, m.community_pk, m.user_pk, m.role, m.enter_time, m.enter_type, m.operated_user_id,
	m.notification_status, u.user_id, u.user_name, u.user_avatar_url,
	(SELECT json_group_array(json_array(mm.channel_pk, coalesce(mch.channel_id, ''), mm.expire))
	   FROM member_mutes mm LEFT JOIN channels mch ON mch.id = mm.channel_pk
	  WHERE mm.community_pk = m.community_pk AND mm.user_pk = m.user_pk)`

func (q queries) members(ctx context.Context, query string, args ...any) ([]plaza.Member, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.Member{}, rows, rowcodec.ScanMember))
}

// Member reads one membership by user ID.
func (q queries) Member(ctx context.Context, communityPK int64, userID string) (plaza.Member, error) {
	return scanned(rowcodec.ScanMember(q.db.QueryRowContext(ctx, `
		SELECT `+memberColumns+`
		FROM users u JOIN members m ON m.user_pk = u.id AND m.community_pk = ?1
		WHERE u.app_id = (SELECT app_id FROM communities WHERE id = ?1) AND u.user_id = ?2`, communityPK, userID)))
}

// Members reads the memberships of the given users.
func (q queries) Members(ctx context.Context, communityPK int64, userIDs []string) ([]plaza.Member, error) {
	if len(userIDs) == 0 {
		return []plaza.Member{}, nil
	}
	return q.members(ctx, `
		SELECT `+memberColumns+`
		FROM users u JOIN members m ON m.user_pk = u.id AND m.community_pk = ?
		WHERE u.app_id = (SELECT app_id FROM communities WHERE id = ?) AND u.user_id IN (`+placeholders(len(userIDs))+`)`,
		stringArgs([]any{communityPK, communityPK}, userIDs)...)
}

// pageKeys reads a page of members in MemberList's order, by role then
// key, after the cursor (?2 role, ?3 key), of those of community ?1 that
// cond (on members m) accepts, at most ?6 of them. The cursor's row value
// is split into two ranges of members_by_role, the rest of the cursor's
// role and the roles after it: SQLite bounds an index range by the first
// column of a row value only, which made a page deep in a million members
// read every member before it.
func pageKeys(cond string) string {
	return `
	SELECT * FROM (SELECT m.id, m.role FROM members m INDEXED BY members_by_role
	               WHERE m.community_pk = ?1 AND m.role = ?2 AND m.id > ?3 AND ` + cond + ` ORDER BY m.id LIMIT ?6)
	UNION ALL
	SELECT * FROM (SELECT m.id, m.role FROM members m INDEXED BY members_by_role
	               WHERE m.community_pk = ?1 AND m.role > ?2 AND ` + cond + ` ORDER BY m.role, m.id LIMIT ?6)`
}

// pageOf reads in full the members whose keys a query of (id, role) rows
// selects (in k), in order.
const pageOf = `
	SELECT ` + memberColumns + ` FROM k CROSS JOIN members m ON m.id = k.id JOIN users u ON u.id = m.user_pk
	ORDER BY k.role, k.id LIMIT ?6`

// MemberList lists members by role, then by entry: the page's keys first,
// then the page's rows.
func (q queries) MemberList(ctx context.Context, communityPK int64, after plaza.Cursor, limit int) ([]plaza.Member, error) {
	return q.members(ctx, `WITH k AS MATERIALIZED (`+pageKeys("1")+`)`+pageOf,
		communityPK, after.K1, after.K2, 0, 0, limit)
}

// mutedArm reads, from member_mutes_by_role in the member list's order,
// the keys of the members of community ?1 in range (of mm) with a mute in
// force at ?5, community-wide or in channel ?4, who see the channel; at
// most ?6 of them. A mute of a user who is not a member has role 0, out of
// every range.
func mutedArm(rangeCond, order string) string {
	return `SELECT * FROM (
		SELECT mm.member_pk AS id, mm.role AS role FROM member_mutes mm INDEXED BY member_mutes_by_role
		WHERE mm.community_pk = ?1 AND ` + rangeCond + ` AND mm.role > 0
		  AND mm.channel_pk IN (0, ?4) AND (mm.expire = -1 OR mm.expire > ?5)
		  AND (NOT EXISTS (SELECT 1 FROM channels WHERE id = ?4 AND channel_type = 2)
		       OR mm.role IN (1, 2)
		       OR EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_pk = ?4 AND cm.user_pk = mm.user_pk))
		GROUP BY ` + order + ` ORDER BY ` + order + ` LIMIT ?6)`
}

// MutedMemberList lists the members with a mute in force at now, in
// MemberList's order, from the mutes alone (member_mutes_by_role, which
// holds each mute's place in the list): a page reads the page's mutes and
// those it steps over (lapsed ones, and mutes in other channels), however
// few of the community's members are muted. The cursor is split into two
// ranges as in pageKeys.
func (q queries) MutedMemberList(ctx context.Context, communityPK, channelPK, now int64, after plaza.Cursor, limit int) ([]plaza.Member, error) {
	keys := mutedArm("mm.role = ?2 AND mm.member_pk > ?3", "mm.member_pk") + `
		UNION ALL ` + mutedArm("mm.role > ?2", "mm.role, mm.member_pk")
	return q.members(ctx, `WITH k AS MATERIALIZED (`+keys+`)`+pageOf,
		communityPK, after.K1, after.K2, channelPK, now, limit)
}

// Managers returns the user IDs of the owner and admins.
func (q queries) Managers(ctx context.Context, communityPK int64) ([]string, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT u.user_id FROM members m JOIN users u ON u.id = m.user_pk
		WHERE m.community_pk = ? AND m.role IN (?, ?) ORDER BY m.role, m.id`,
		communityPK, plaza.RoleOwner, plaza.RoleAdmin)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows(nil, rows, rowcodec.ScanString))
}

// InsertMember stores a new membership; the user's mutes in the
// community, from an earlier membership, take its place in the list.
func (t *tx) InsertMember(ctx context.Context, m *plaza.Member) error {
	err := t.db.QueryRowContext(ctx, `
		INSERT INTO members (community_pk, user_pk, role, enter_time, enter_type, operated_user_id, notification_status)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.CommunityPK, m.UserPK, m.MemberRole, m.EnterTime, m.EnterType, m.OperatedUserID, m.NotificationStatus,
	).Scan(&m.PK)
	if err != nil {
		return translate(err)
	}
	_, err = t.db.ExecContext(ctx, `UPDATE member_mutes SET role = ?, member_pk = ? WHERE community_pk = ? AND user_pk = ?`,
		m.MemberRole, m.PK, m.CommunityPK, m.UserPK)
	return translate(err)
}

// UpdateMember stores a membership's role and notification status; its
// mutes follow the role to its place in the list.
func (t *tx) UpdateMember(ctx context.Context, m plaza.Member) error {
	_, err := t.db.ExecContext(ctx, `UPDATE members SET role = ?, notification_status = ? WHERE id = ?`,
		m.MemberRole, m.NotificationStatus, m.PK)
	if err != nil {
		return translate(err)
	}
	_, err = t.db.ExecContext(ctx, `UPDATE member_mutes SET role = ?1 WHERE community_pk = ?2 AND user_pk = ?3 AND role != ?1`,
		m.MemberRole, m.CommunityPK, m.UserPK)
	return translate(err)
}

// DeleteMembers deletes memberships of one community, for every user at
// once: the mutes stay, out of the member list (role and member_pk 0),
// until the user comes back; the users leave the community's private
// channels and threads, lowering their member counts, and lose their
// conversation states in all of them. Each statement does one step for all
// the users, with their keys as one JSON array, and starts from the users'
// own rows, never from the community's channels, which may be many.
func (t *tx) DeleteMembers(ctx context.Context, communityPK int64, userPKs []int64) error {
	if len(userPKs) == 0 {
		return nil
	}
	for _, q := range []string{
		`UPDATE member_mutes SET role = 0, member_pk = 0
		 WHERE community_pk = ?1 AND user_pk IN
		       (SELECT user_pk FROM members WHERE community_pk = ?1 AND user_pk IN (SELECT value FROM json_each(?2)))`,
		`DELETE FROM members WHERE community_pk = ?1 AND user_pk IN (SELECT value FROM json_each(?2))`,
		`UPDATE channels SET member_count = member_count -
		        (SELECT count(*) FROM channel_members cm
		         WHERE cm.channel_pk = channels.id AND cm.user_pk IN (SELECT value FROM json_each(?2)))
		 WHERE id IN (SELECT channel_pk FROM channel_members WHERE user_pk IN (SELECT value FROM json_each(?2)))
		   AND community_pk = ?1`,
		`DELETE FROM channel_members
		 WHERE user_pk IN (SELECT value FROM json_each(?2)) AND (SELECT community_pk FROM channels WHERE id = channel_pk) = ?1`,
		`DELETE FROM channel_states WHERE user_pk IN (SELECT value FROM json_each(?2)) AND community_pk = ?1`,
	} {
		if _, err := t.db.ExecContext(ctx, q, communityPK, keyList(userPKs)); err != nil {
			return translate(err)
		}
	}
	return nil
}

// InsertMembers stores new memberships of one community, bulkRows to a
// statement, with read positions at the last seq of every channel (not
// thread) of the community, moving back one that is past it.
func (t *tx) InsertMembers(ctx context.Context, ms []plaza.Member) error {
	for start := 0; start < len(ms); start += bulkRows {
		batch := ms[start:min(start+bulkRows, len(ms))]
		communityPK := batch[0].CommunityPK
		values := make([]string, len(batch))
		args := []any{communityPK}
		for i, m := range batch {
			if m.CommunityPK != communityPK {
				return fmt.Errorf("sqlite: InsertMembers takes the members of one community, got %d and %d", communityPK, m.CommunityPK)
			}
			n := len(args)
			values[i] = fmt.Sprintf("(?1, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d)", n+1, n+2, n+3, n+4, n+5, n+6)
			args = append(args, m.UserPK, m.MemberRole, m.EnterTime, m.EnterType, m.OperatedUserID, m.NotificationStatus)
		}
		rows, err := t.db.QueryContext(ctx, `
			INSERT INTO members (community_pk, user_pk, role, enter_time, enter_type, operated_user_id, notification_status)
			VALUES `+strings.Join(values, ", ")+` RETURNING user_pk, id`, args...)
		if err != nil {
			return translate(err)
		}
		pks := make(map[int64]int64, len(batch))
		for rows.Next() {
			var user, id int64
			if err := rows.Scan(&user, &id); err != nil {
				rows.Close()
				return translate(err)
			}
			pks[user] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		for i := range batch {
			batch[i].PK = pks[batch[i].UserPK]
		}
		if _, err := t.db.ExecContext(ctx, `
			UPDATE member_mutes SET role = m.role, member_pk = m.id
			FROM members m WHERE m.community_pk = member_mutes.community_pk AND m.user_pk = member_mutes.user_pk
			  AND member_mutes.community_pk = ?1 AND member_mutes.user_pk IN (SELECT value FROM json_each(?2))`,
			communityPK, userList(batch)); err != nil {
			return translate(err)
		}
		if _, err := t.db.ExecContext(ctx, `
			INSERT INTO channel_states (user_pk, channel_pk, community_pk, read_seq)
			SELECT u.value, ch.id, ch.community_pk, ch.last_seq
			FROM json_each(?2) u CROSS JOIN channels ch
			WHERE ch.community_pk = ?1 AND ch.channel_type < 3
			ON CONFLICT (user_pk, channel_pk) DO UPDATE SET read_seq = excluded.read_seq`,
			communityPK, userList(batch)); err != nil {
			return translate(err)
		}
	}
	return nil
}

// userList is the members' user keys as a JSON array, for json_each.
func userList(ms []plaza.Member) string {
	keys := make([]int64, len(ms))
	for i, m := range ms {
		keys[i] = m.UserPK
	}
	return keyList(keys)
}
