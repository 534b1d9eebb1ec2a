package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// live is the condition that the community of a member (or member mute)
// row, under alias, is not dismissed: a dismissed community's rows stay
// until PurgeCommunity has removed them, and nothing of it may show
// meanwhile. The dismissed communities are few: the planner hashes them
// once per statement, from the partial index communities_dismissed.
func live(alias string) string {
	return alias + `.community_pk NOT IN (SELECT id FROM communities WHERE dismissed_at > 0)`
}

// DismissedCommunities returns the keys of the dismissed communities whose
// rows are not all removed yet.
func (q queries) DismissedCommunities(ctx context.Context) ([]int64, error) {
	rows, err := q.db.Query(ctx, `SELECT id FROM communities WHERE dismissed_at > 0 ORDER BY id`)
	if err != nil {
		return nil, translate(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if ids == nil {
		ids = []int64{}
	}
	return ids, translate(err)
}

// purgeStep deletes up to $2 rows of table whose column is $1, by their
// physical addresses: one form for every table, each row found by the
// index that leads with column.
func purgeStep(table, column string) string {
	return `DELETE FROM ` + table + ` WHERE ctid = ANY(ARRAY(SELECT ctid FROM ` + table + ` WHERE ` + column + ` = $1 LIMIT $2))`
}

// purgeChannelSteps delete a channel's rows, children before the channel:
// nothing references messages, so every row that names the channel goes
// before its messages, and the channel's own row last, when none is left
// (its foreign keys' cascades then find nothing, by index).
var purgeChannelSteps = []string{
	purgeStep("reactions", "channel_pk"),
	purgeStep("mentions", "channel_pk"),
	purgeStep("mention_alls", "channel_pk"),
	purgeStep("hidden_messages", "channel_pk"),
	purgeStep("channel_states", "channel_pk"),
	purgeStep("channel_members", "channel_pk"),
	purgeStep("messages", "channel_pk"),
}

// purgeCommunitySteps delete a community's own rows, once its channels are
// gone.
var purgeCommunitySteps = []string{
	purgeStep("member_mutes", "community_pk"),
	purgeStep("applications", "community_pk"),
	purgeStep("dismissed_channels", "community_pk"),
	purgeStep("members", "community_pk"),
}

// PurgeCommunity removes up to about limit rows of a dismissed community,
// a channel at a time, then the community's own rows, then the community.
// It locks the community's row first, skipping it when another node's
// purge holds it (more is then true, with nothing removed): nodes purge
// different communities, or take turns on one.
func (t *tx) PurgeCommunity(ctx context.Context, communityPK int64, limit int) (bool, error) {
	var dismissed int64
	err := t.db.QueryRow(ctx, `SELECT dismissed_at FROM communities WHERE id = $1 FOR UPDATE SKIP LOCKED`, communityPK).Scan(&dismissed)
	if errors.Is(err, pgx.ErrNoRows) {
		var exists bool
		err := t.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM communities WHERE id = $1)`, communityPK).Scan(&exists)
		return exists, translate(err)
	}
	if err != nil {
		return false, translate(err)
	}
	if dismissed == 0 {
		return false, fmt.Errorf("postgres: purge of community %d, which is not dismissed", communityPK)
	}
	// A batch lost to a crash is removed again by the next purge: its commit
	// need not wait for the disk, nor hold up the commits of others behind
	// its own flush.
	if _, err := t.db.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
		return false, translate(err)
	}
	left := int64(max(limit, 1))
	// take runs one step and counts what it removed against the budget;
	// emptied reports whether it removed every row the step's table had
	// left, with budget to spare.
	take := func(query string, key int64) (emptied bool, err error) {
		tag, err := t.db.Exec(ctx, query, key, left)
		if err != nil {
			return false, translate(err)
		}
		left -= tag.RowsAffected()
		return left > 0, nil
	}
	for left > 0 {
		var ch int64
		err := t.db.QueryRow(ctx, `SELECT id FROM channels WHERE community_pk = $1 LIMIT 1`, communityPK).Scan(&ch)
		if errors.Is(err, pgx.ErrNoRows) {
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
		if _, err := t.db.Exec(ctx, `DELETE FROM channels WHERE id = $1`, ch); err != nil {
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
	_, err = t.db.Exec(ctx, `DELETE FROM communities WHERE id = $1`, communityPK)
	return false, translate(err)
}
