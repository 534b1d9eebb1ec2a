package postgres

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// memberColumns are the columns rowcodec.ScanMember reads, from members m
// and users u. The last is the member's mutes as a JSON array of [channel
// key, channel ID, expiry], by channel key, as rowcodec.DecodeMutes reads
// it. The list stays here: its JSON functions are PostgreSQL's.
const memberColumns = `m.id, m.community_pk, m.user_pk, m.role, m.enter_time, m.enter_type, m.operated_user_id,
	m.notification_status, u.user_id, u.user_name, u.user_avatar_url,
	(SELECT coalesce(json_agg(json_build_array(mm.channel_pk, coalesce(mch.channel_id, ''), mm.expire)
	                          ORDER BY mm.channel_pk)::text, '[]')
	   FROM member_mutes mm LEFT JOIN channels mch ON mch.id = mm.channel_pk
	  WHERE mm.community_pk = m.community_pk AND mm.user_pk = m.user_pk)`

func (q queries) members(ctx context.Context, query string, args ...any) ([]plaza.Member, error) {
	rows, err := q.db.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.Member{}, rows, rowcodec.ScanMember))
}

// Member reads one membership by user ID.
func (q queries) Member(ctx context.Context, communityPK int64, userID string) (plaza.Member, error) {
	return scanned(rowcodec.ScanMember(q.db.QueryRow(ctx, `
		SELECT `+memberColumns+`
		FROM users u JOIN members m ON m.user_pk = u.id AND m.community_pk = $1
		WHERE u.app_id = (SELECT app_id FROM communities WHERE id = $1) AND u.user_id = $2`, communityPK, userID)))
}

// Members reads the memberships of the given users.
func (q queries) Members(ctx context.Context, communityPK int64, userIDs []string) ([]plaza.Member, error) {
	if len(userIDs) == 0 {
		return []plaza.Member{}, nil
	}
	return q.members(ctx, `
		SELECT `+memberColumns+`
		FROM users u JOIN members m ON m.user_pk = u.id AND m.community_pk = $1
		WHERE u.app_id = (SELECT app_id FROM communities WHERE id = $1) AND u.user_id = ANY($2)`,
		communityPK, userIDs)
}

// MemberList lists members by role, then by entry.
func (q queries) MemberList(ctx context.Context, communityPK int64, after plaza.Cursor, limit int) ([]plaza.Member, error) {
	return q.members(ctx, `
		SELECT `+memberColumns+`
		FROM members m JOIN users u ON u.id = m.user_pk
		WHERE m.community_pk = $1 AND (m.role, m.id) > ($2, $3)
		ORDER BY m.role, m.id LIMIT $4`, communityPK, after.K1, after.K2, limitOrAll(limit))
}

// MutedMemberList lists the members with a mute in force at now, in
// MemberList's order, from the mutes alone (member_mutes_by_role, which
// holds each mute's place in the list): a page reads the page's mutes and
// those it steps over (lapsed ones, and mutes in other channels), however
// few of the community's members are muted. A mute of a user who is not a
// member has role 0, out of the list.
func (q queries) MutedMemberList(ctx context.Context, communityPK, channelPK, now int64, after plaza.Cursor, limit int) ([]plaza.Member, error) {
	return q.members(ctx, `
		WITH k AS MATERIALIZED (
			SELECT DISTINCT mm.role, mm.member_pk FROM member_mutes mm
			WHERE mm.community_pk = $1 AND (mm.role, mm.member_pk) > ($2, $3) AND mm.role > 0
			  AND mm.channel_pk IN (0, $4) AND (mm.expire = -1 OR mm.expire > $5)
			  AND (NOT EXISTS (SELECT 1 FROM channels WHERE id = $4 AND channel_type = $7)
			       OR mm.role IN ($8, $9)
			       OR EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_pk = $4 AND cm.user_pk = mm.user_pk))
			ORDER BY mm.role, mm.member_pk LIMIT $6)
		SELECT `+memberColumns+`
		FROM k JOIN members m ON m.id = k.member_pk JOIN users u ON u.id = m.user_pk
		ORDER BY k.role, k.member_pk`,
		communityPK, after.K1, after.K2, channelPK, now, limitOrAll(limit),
		plaza.ChannelPrivate, plaza.RoleOwner, plaza.RoleAdmin)
}

// Managers returns the user IDs of the owner and admins.
func (q queries) Managers(ctx context.Context, communityPK int64) ([]string, error) {
	rows, err := q.db.Query(ctx, `
		SELECT u.user_id FROM members m JOIN users u ON u.id = m.user_pk
		WHERE m.community_pk = $1 AND m.role IN ($2, $3) ORDER BY m.role, m.id`,
		communityPK, plaza.RoleOwner, plaza.RoleAdmin)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows(nil, rows, rowcodec.ScanString))
}

// InsertMember stores a new membership; ErrConflict if the user is already
// a member. The user's mutes in the community, from an earlier membership,
// take its place in the list, in the same statement.
func (t *tx) InsertMember(ctx context.Context, m *plaza.Member) error {
	err := t.db.QueryRow(ctx, `
		WITH m AS (
			INSERT INTO members (community_pk, user_pk, role, enter_time, enter_type, operated_user_id, notification_status)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, community_pk, user_pk, role
		), mutes AS (
			UPDATE member_mutes mm SET role = m.role, member_pk = m.id
			FROM m WHERE mm.community_pk = m.community_pk AND mm.user_pk = m.user_pk
		)
		SELECT id FROM m`,
		m.CommunityPK, m.UserPK, m.MemberRole, m.EnterTime, m.EnterType, m.OperatedUserID, m.NotificationStatus,
	).Scan(&m.PK)
	return translate(err)
}

// UpdateMember stores a membership's role and notification status; its
// mutes follow the role to its place in the list, in the same statement.
func (t *tx) UpdateMember(ctx context.Context, m plaza.Member) error {
	_, err := t.db.Exec(ctx, `
		WITH m AS (
			UPDATE members SET role = $1, notification_status = $2 WHERE id = $3 RETURNING community_pk, user_pk
		)
		UPDATE member_mutes mm SET role = $1 FROM m
		WHERE mm.community_pk = m.community_pk AND mm.user_pk = m.user_pk AND mm.role <> $1`,
		m.MemberRole, m.NotificationStatus, m.PK)
	return translate(err)
}

// DeleteMembers deletes memberships of one community, with the users'
// listings in its private channels and threads and their conversation
// states there, for every user at once. One statement locks, in key
// order, the channels the users are listed in, as ChannelForUpdate would: a
// concurrent RemoveChannelMember (which locks the channel, then the
// listing) then either finishes first, and its listing is no longer there
// to delete, or waits, so that only the listings deleted here lower a
// count and no count drops twice. A second statement deletes the
// memberships, the listings and the conversation states, takes the mutes
// out of the member list and lowers each channel's count by the listings
// deleted there.
func (t *tx) DeleteMembers(ctx context.Context, communityPK int64, userPKs []int64) error {
	if len(userPKs) == 0 {
		return nil
	}
	if _, err := t.db.Exec(ctx, `
		SELECT ch.id FROM channels ch
		WHERE ch.community_pk = $1 AND ch.id IN (SELECT cm.channel_pk FROM channel_members cm WHERE cm.user_pk = ANY($2))
		ORDER BY ch.id FOR NO KEY UPDATE`, communityPK, userPKs); err != nil {
		return translate(err)
	}
	_, err := t.db.Exec(ctx, `
		WITH m AS (DELETE FROM members WHERE community_pk = $1 AND user_pk = ANY($2) RETURNING user_pk),
		     mutes AS (
		       UPDATE member_mutes mm SET role = 0, member_pk = 0 FROM m
		       WHERE mm.community_pk = $1 AND mm.user_pk = m.user_pk),
		     gone AS (
		       DELETE FROM channel_members cm USING channels ch
		       WHERE cm.user_pk = ANY($2) AND ch.id = cm.channel_pk AND ch.community_pk = $1
		       RETURNING cm.channel_pk),
		     states AS (DELETE FROM channel_states WHERE user_pk = ANY($2) AND community_pk = $1)
		UPDATE channels ch SET member_count = ch.member_count - g.n
		FROM (SELECT channel_pk, count(*) AS n FROM gone GROUP BY channel_pk) g
		WHERE ch.id = g.channel_pk`, communityPK, userPKs)
	return translate(err)
}

// InsertMembers stores new memberships of one community, bulkRows to a
// statement, with read positions at the last seq of every channel (not
// thread) of the community, moving back one that is past it: each statement
// inserts the memberships, moves the users' mutes in the community, from
// earlier memberships, to their places in the list (as InsertMember), and
// sets their read positions.
func (t *tx) InsertMembers(ctx context.Context, ms []plaza.Member) error {
	for start := 0; start < len(ms); start += bulkRows {
		batch := ms[start:min(start+bulkRows, len(ms))]
		communityPK := batch[0].CommunityPK
		users := make([]int64, len(batch))
		roles := make([]int32, len(batch))
		times := make([]int64, len(batch))
		types := make([]int32, len(batch))
		operators := make([]string, len(batch))
		statuses := make([]int32, len(batch))
		for i, m := range batch {
			if m.CommunityPK != communityPK {
				return fmt.Errorf("postgres: InsertMembers takes the members of one community, got %d and %d", communityPK, m.CommunityPK)
			}
			users[i], roles[i], times[i] = m.UserPK, int32(m.MemberRole), m.EnterTime
			types[i], operators[i], statuses[i] = int32(m.EnterType), m.OperatedUserID, int32(m.NotificationStatus)
		}
		rows, err := t.db.Query(ctx, `
			WITH m AS (
				INSERT INTO members (community_pk, user_pk, role, enter_time, enter_type, operated_user_id, notification_status)
				SELECT $1, * FROM unnest($2::bigint[], $3::integer[], $4::bigint[], $5::integer[], $6::text[], $7::integer[])
				RETURNING id, community_pk, user_pk, role
			), mutes AS (
				UPDATE member_mutes mm SET role = m.role, member_pk = m.id
				FROM m WHERE mm.community_pk = m.community_pk AND mm.user_pk = m.user_pk
			), reads AS (
				INSERT INTO channel_states (user_pk, channel_pk, community_pk, read_seq)
				SELECT m.user_pk, ch.id, ch.community_pk, ch.last_seq
				FROM m CROSS JOIN channels ch
				WHERE ch.community_pk = $1 AND ch.channel_type < 3
				ON CONFLICT (user_pk, channel_pk) DO UPDATE SET read_seq = excluded.read_seq
			)
			SELECT user_pk, id FROM m`, communityPK, users, roles, times, types, operators, statuses)
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
	}
	return nil
}
