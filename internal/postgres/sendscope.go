package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// sendScopeSQL reads a send's scope in one statement: the app (a row per
// secret, the rest repeated), its community, user, the user's membership
// and the community's channel, each outer-joined, with whether the user is
// listed in the channel and, for a thread, in its parent, and its message
// with the client ID (by messages_by_client_id, whose condition the query
// repeats). Each part's columns are those its single read scans.
const sendScopeSQL = `
	SELECT ` + rowcodec.AppColumns + `, ` + rowcodec.CommunityColumns + `, ` + rowcodec.UserColumns + `,
	       ` + memberColumns + `, ` + rowcodec.ChannelColumns + `,
	       EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_pk = ch.id AND cm.user_pk = u.id),
	       ch.channel_type = 3 AND EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_pk = ch.parent_pk AND cm.user_pk = u.id),
	       coalesce((SELECT sent.seq FROM messages sent
	                 WHERE sent.channel_pk = ch.id AND sent.sender_pk = u.id
	                   AND sent.client_message_id = $5 AND sent.client_message_id <> ''), 0)
	FROM apps a
	LEFT JOIN app_secrets s ON s.app_id = a.app_id
	LEFT JOIN communities c ON c.app_id = a.app_id AND c.community_id = $2
	LEFT JOIN users u ON u.app_id = a.app_id AND u.user_id = $3
	LEFT JOIN members m ON m.community_pk = c.id AND m.user_pk = u.id
	LEFT JOIN channels ch ON ch.community_pk = c.id AND ch.channel_id = $4
	LEFT JOIN channels par ON par.id = ch.parent_pk
	WHERE a.app_id = $1
	ORDER BY s.created_at DESC, s.secret`

// Where each part's columns start in a row of sendScopeSQL.
var (
	scopeCommunityAt = columnCount(rowcodec.AppColumns)
	scopeUserAt      = scopeCommunityAt + columnCount(rowcodec.CommunityColumns)
	scopeMemberAt    = scopeUserAt + columnCount(rowcodec.UserColumns)
	scopeChannelAt   = scopeMemberAt + columnCount(memberColumns)
	scopeFlagsAt     = scopeChannelAt + columnCount(rowcodec.ChannelColumns)
)

// SendScope reads what a send checks in one statement, so one round trip
// (with BEGIN and the previous statements' queued writes, inside a
// transaction). Apps, communities and users hold their app's rows only, so
// that no app leaves nothing to find.
func (q queries) SendScope(ctx context.Context, k plaza.SendKey) (plaza.SendScope, error) {
	var r plaza.SendScope
	rows, err := q.db.Query(ctx, sendScopeSQL, k.AppID, k.CommunityID, k.UserID, k.ChannelID, k.ClientMessageID)
	if err != nil {
		return r, translate(err)
	}
	defer rows.Close()
	first := true
	apps, err := rowcodec.ScanApps(&eachRow{Rows: rows, each: func() error {
		if !first {
			return nil
		}
		first = false
		return scanScope(rows, &r)
	}})
	if err != nil {
		return r, translate(err)
	}
	if len(apps) > 0 {
		r.App = &apps[0]
	}
	return r, nil
}

// scanScope reads the parts after the app of a row of sendScopeSQL.
func scanScope(rows pgx.Rows, r *plaza.SendScope) error {
	var err error
	if r.Community, err = part(rows, scopeCommunityAt, rowcodec.ScanCommunity); err != nil {
		return err
	}
	if r.User, err = part(rows, scopeUserAt, rowcodec.ScanUser); err != nil {
		return err
	}
	if r.Member, err = part(rows, scopeMemberAt, rowcodec.ScanMember); err != nil {
		return err
	}
	if r.Channel, err = part(rows, scopeChannelAt, rowcodec.ScanChannel); err != nil {
		return err
	}
	return columns{rows, scopeFlagsAt}.Scan(&r.Listed, &r.ParentListed, &r.SentSeq)
}

// part scans the columns of rows' current row from at with scan; nil when
// the part's first column (its key) is NULL: its outer join found nothing.
func part[T any](rows pgx.Rows, at int, scan func(rowcodec.Scanner) (T, error)) (*T, error) {
	if rows.RawValues()[at] == nil {
		return nil, nil
	}
	v, err := scan(columns{rows, at})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// columns is the current row of rows from column at on, scanned as pgx
// scans a whole row.
type columns struct {
	rows pgx.Rows
	at   int
}

func (c columns) Scan(dest ...any) error {
	fds, raw := c.rows.FieldDescriptions(), c.rows.RawValues()
	if c.at+len(dest) > len(raw) {
		return fmt.Errorf("scan %d columns from column %d of %d", len(dest), c.at, len(raw))
	}
	m := c.rows.Conn().TypeMap()
	for i, d := range dest {
		fd := fds[c.at+i]
		if err := m.Scan(fd.DataTypeOID, fd.Format, raw[c.at+i], d); err != nil {
			return fmt.Errorf("column %d (%s): %w", c.at+i, fd.Name, err)
		}
	}
	return nil
}

// eachRow is rows whose Scan calls each, then scans the leading columns.
type eachRow struct {
	pgx.Rows
	each func() error
}

func (e *eachRow) Scan(dest ...any) error {
	if err := e.each(); err != nil {
		return err
	}
	return columns{e.Rows, 0}.Scan(dest...)
}

// columnCount counts the columns of a select list: its commas outside
// parentheses and quotes, plus one.
func columnCount(list string) int {
	n, depth, quoted := 1, 0, false
	for _, r := range list {
		switch {
		case r == '\'':
			quoted = !quoted
		case quoted:
		case r == '(':
			depth++
		case r == ')':
			depth--
		case r == ',' && depth == 0:
			n++
		}
	}
	return n
}
