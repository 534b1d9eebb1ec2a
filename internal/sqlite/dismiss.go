package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// live is the condition that the community of a member (or member mute)
// row, under alias, is not dismissed: a dismissed community's rows stay
// until PurgeCommunity has removed them, and nothing of it may show
// meanwhile. The dismissed communities are few and read once per statement
// from the partial index communities_dismissed.
func live(alias string) string {
	return alias + `.community_pk NOT IN (SELECT id FROM communities WHERE dismissed_at > 0)`
}

// DismissedCommunities returns the keys of the dismissed communities whose
// rows are not all removed yet.
func (q queries) DismissedCommunities(ctx context.Context) ([]int64, error) {
	ids, err := q.int64s(ctx, `SELECT id FROM communities WHERE dismissed_at > 0 ORDER BY id`)
	if ids == nil {
		ids = []int64{}
	}
	return ids, err
}

// purgeChannelSteps delete up to ?2 rows of one table of a channel (?1) each,
// children before the channel: nothing references messages, so every row
// that names the channel goes before its messages, and the channel's own
// row last, when none is left (its foreign keys' cascades then find
// nothing, by index).
var purgeChannelSteps = []string{
	`DELETE FROM reactions WHERE id IN (SELECT id FROM reactions WHERE channel_pk = ?1 LIMIT ?2)`,
	`DELETE FROM mentions WHERE channel_pk = ?1 AND (seq, user_pk) IN
	 (SELECT seq, user_pk FROM mentions INDEXED BY mentions_by_message WHERE channel_pk = ?1 LIMIT ?2)`,
	`DELETE FROM mention_alls WHERE channel_pk = ?1 AND seq IN (SELECT seq FROM mention_alls WHERE channel_pk = ?1 LIMIT ?2)`,
	`DELETE FROM hidden_messages WHERE channel_pk = ?1 AND (user_pk, seq) IN
	 (SELECT user_pk, seq FROM hidden_messages INDEXED BY hidden_messages_by_channel WHERE channel_pk = ?1 LIMIT ?2)`,
	`DELETE FROM channel_states WHERE channel_pk = ?1 AND user_pk IN
	 (SELECT user_pk FROM channel_states INDEXED BY channel_states_by_channel WHERE channel_pk = ?1 LIMIT ?2)`,
	`DELETE FROM channel_members WHERE channel_pk = ?1 AND user_pk IN (SELECT user_pk FROM channel_members WHERE channel_pk = ?1 LIMIT ?2)`,
	`DELETE FROM messages WHERE channel_pk = ?1 AND seq IN (SELECT seq FROM messages WHERE channel_pk = ?1 LIMIT ?2)`,
}

// purgeCommunitySteps delete up to ?2 rows of one table of a community
// (?1) each, once its channels are gone.
var purgeCommunitySteps = []string{
	`DELETE FROM member_mutes WHERE community_pk = ?1 AND (user_pk, channel_pk) IN
	 (SELECT user_pk, channel_pk FROM member_mutes WHERE community_pk = ?1 LIMIT ?2)`,
	`DELETE FROM applications WHERE id IN (SELECT id FROM applications WHERE community_pk = ?1 LIMIT ?2)`,
	`DELETE FROM dismissed_channels WHERE community_pk = ?1 AND channel_id IN
	 (SELECT channel_id FROM dismissed_channels WHERE community_pk = ?1 LIMIT ?2)`,
	`DELETE FROM members WHERE id IN (SELECT id FROM members INDEXED BY members_by_role WHERE community_pk = ?1 LIMIT ?2)`,
}

// PurgeCommunity removes up to about limit rows of a dismissed community,
// a channel at a time, then the community's own rows, then the community.
// Each statement takes at most what is left of limit, by index, so that a
// call's cost is bounded whatever the community's size.
func (t *tx) PurgeCommunity(ctx context.Context, communityPK int64, limit int) (bool, error) {
	var dismissed int64
	err := t.db.QueryRowContext(ctx, `SELECT dismissed_at FROM communities WHERE id = ?`, communityPK).Scan(&dismissed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, translate(err)
	}
	if dismissed == 0 {
		return false, fmt.Errorf("sqlite: purge of community %d, which is not dismissed", communityPK)
	}
	left := int64(max(limit, 1))
	// take runs one step and counts what it removed against the budget;
	// emptied reports whether it removed every row the step's table had
	// left, with budget to spare.
	take := func(query string, key int64) (emptied bool, err error) {
		r, err := t.db.ExecContext(ctx, query, key, left)
		if err != nil {
			return false, translate(err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return false, translate(err)
		}
		left -= n
		return left > 0, nil
	}
	for left > 0 {
		var ch int64
		err := t.db.QueryRowContext(ctx, `SELECT id FROM channels WHERE community_pk = ? LIMIT 1`, communityPK).Scan(&ch)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return false, translate(err)
		}
		for _, q := range purgeChannelSteps {
			if emptied, err := take(q, ch); err != nil || !emptied {
				return true, err
			}
		}
		if _, err := t.db.ExecContext(ctx, `DELETE FROM channels WHERE id = ?`, ch); err != nil {
			return false, translate(err)
		}
		left--
	}
	if left <= 0 {
		return true, nil
	}
	for _, q := range purgeCommunitySteps {
		if emptied, err := take(q, communityPK); err != nil || !emptied {
			return true, err
		}
	}
	_, err = t.db.ExecContext(ctx, `DELETE FROM communities WHERE id = ?`, communityPK)
	return false, translate(err)
}
