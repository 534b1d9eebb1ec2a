package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/postgres"
	"github.com/plazahq/plaza/internal/sqlite"
)

// plaza admin seed: a large community straight into the store, for
// benchmarks and load tests: its members in bulk, a transaction per batch
// of thousands (Tx.EnsureUsers, Tx.InsertMembers), where the API would take
// a million calls.

const seedUsage = `Usage: plaza admin seed --app APPID --community ID --members N [--data DIR | --postgres URL] [flags]

Fills a community with members, straight into the store: a million in about
a minute, where the API would take a million calls. The community is
created (with its GENERAL channel and --owner as its owner) if it does not
exist; members are added, users named --prefix and a 7-digit number (created
if they do not exist), until the community has N members. Running it again
tops the community up to N; members it holds already are kept. Each new
member starts with nothing unread, as a member who joins does.

The app's member limit (membersPerCommunity) must allow N, or give
--unlimited to set it to 0 (unlimited) first. On SQLite (--data, the
server's data directory) the server may run meanwhile: its writes wait for
each batch. Nothing is published: sessions online learn of the new members
by re-reading their community.
`

// seedOptions is what plaza admin seed does.
type seedOptions struct {
	appID       string
	communityID string
	members     int    // the member count to reach
	owner       string // the owner's user ID, when the community is created
	prefix      string // of the seeded users' IDs
	channels    int    // public channels besides GENERAL, created if missing
	muted       int    // seeded members muted community-wide, spread over the list
	unlimited   bool   // set the app's member limit to unlimited first
	batch       int    // members per transaction
}

// seedResult is what plaza admin seed prints.
type seedResult struct {
	Store       string  `json:"store"`
	AppID       string  `json:"appID"`
	CommunityID string  `json:"communityID"`
	CommunityPK int64   `json:"communityPK"`
	Members     int64   `json:"members"`
	Added       int     `json:"added"`
	Muted       int     `json:"muted,omitempty"`
	Channels    int     `json:"channels"`
	Seconds     float64 `json:"seconds"`
}

// seedBatch is how many members one transaction of the seed adds.
const seedBatch = 10_000

func runSeed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plaza admin seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, seedUsage); fs.PrintDefaults() }
	var o seedOptions
	data := fs.String("data", "", "data directory of an embedded deployment (its SQLite database)")
	pgURL := fs.String("postgres", "", "PostgreSQL URL of a cluster's database (also PLAZA_POSTGRES)")
	fs.StringVar(&o.appID, "app", "", "the app's ID (required)")
	fs.StringVar(&o.communityID, "community", "", "the community's ID (required)")
	fs.IntVar(&o.members, "members", 0, "the member count to reach, its owner included (required)")
	fs.StringVar(&o.owner, "owner", "seed-owner", "user ID of the owner, when the community is created")
	fs.StringVar(&o.prefix, "prefix", "", "prefix of the seeded users' IDs (default: the community's ID and '-')")
	fs.IntVar(&o.channels, "channels", 0, "public channels besides GENERAL (seed-1, seed-2, …), created if missing")
	fs.IntVar(&o.muted, "muted", 0, "seeded members to mute community-wide, spread evenly over the list")
	fs.BoolVar(&o.unlimited, "unlimited", false, "set the app's membersPerCommunity to 0 (unlimited) first")
	fs.IntVar(&o.batch, "batch", seedBatch, "members per transaction")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pgURL == "" && *data == "" {
		*pgURL = getenv("PLAZA_POSTGRES")
	}
	switch {
	case fs.NArg() > 0:
		fs.Usage()
		return fmt.Errorf("admin seed: unexpected arguments %q", fs.Args())
	case o.appID == "" || o.communityID == "" || o.members < 1:
		fs.Usage()
		return errors.New("admin seed: --app, --community and --members are required")
	case (*data == "") == (*pgURL == ""):
		fs.Usage()
		return errors.New("admin seed: give either --data or --postgres")
	}
	st, name, err := openSeedStore(ctx, *data, *pgURL)
	if err != nil {
		return fmt.Errorf("admin seed: %w", err)
	}
	defer st.Close()
	res, err := seedCommunity(ctx, st, o, stderr)
	if err != nil {
		return fmt.Errorf("admin seed: %w", err)
	}
	res.Store = name
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}

// openSeedStore opens the SQLite database of a data directory, or a
// PostgreSQL database, and names it.
func openSeedStore(ctx context.Context, data, pgURL string) (plaza.Store, string, error) {
	if pgURL != "" {
		st, err := postgres.Open(ctx, pgURL, postgres.Options{MaxConns: 2})
		return st, "postgres", err
	}
	path := filepath.Join(data, "plaza.db")
	if _, err := os.Stat(path); err != nil {
		return nil, "", fmt.Errorf("no Plaza database in %s (plaza serve creates it): %w", data, err)
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{Readers: 2})
	return st, "sqlite", err
}

// seedCommunity brings a community to o.members members, creating it and
// its channels if needed, and reports what it did on progress. The
// community and channels are made by the Service's own use cases (nothing
// is published: it has no bus); the members in bulk, o.batch per
// transaction, each batch's users created and the community's count kept
// in the same transaction.
func seedCommunity(ctx context.Context, st plaza.Store, o seedOptions, progress io.Writer) (seedResult, error) {
	start := time.Now()
	res := seedResult{AppID: o.appID, CommunityID: o.communityID}
	if o.prefix == "" {
		o.prefix = o.communityID + "-"
	}
	if o.batch < 1 {
		o.batch = seedBatch
	}
	svc := plaza.NewService(plaza.Options{Store: st})
	app, err := st.App(ctx, o.appID)
	if err != nil {
		return res, fmt.Errorf("app %s: %w", o.appID, err)
	}
	if limit := app.Spec.MembersPerCommunity; limit > 0 && o.members > limit {
		if !o.unlimited {
			return res, fmt.Errorf("app %s allows %d members per community: give --unlimited to set membersPerCommunity to 0 first", o.appID, limit)
		}
		if _, err := svc.SetAppSpec(ctx, plaza.SetAppSpecRequest{AppID: o.appID, Spec: json.RawMessage(`{"membersPerCommunity":0}`)}); err != nil {
			return res, fmt.Errorf("set membersPerCommunity: %w", err)
		}
		fmt.Fprintf(progress, "seed: app %s: membersPerCommunity set to 0 (unlimited)\n", o.appID)
	}
	owner := plaza.Actor{AppID: o.appID, UserID: o.owner}
	c, err := st.Community(ctx, o.appID, o.communityID)
	if errors.Is(err, plaza.ErrNotFound) {
		if _, err := svc.CreateCommunity(ctx, owner, plaza.CreateCommunityRequest{CommunityID: o.communityID, CommunityName: o.communityID}); err != nil {
			return res, fmt.Errorf("create community: %w", err)
		}
		c, err = st.Community(ctx, o.appID, o.communityID)
	}
	if err != nil {
		return res, fmt.Errorf("community %s: %w", o.communityID, err)
	}
	res.CommunityPK = c.PK
	for i := 1; i <= o.channels; i++ {
		id := fmt.Sprintf("seed-%d", i)
		_, err := st.Channel(ctx, c.PK, id)
		if errors.Is(err, plaza.ErrNotFound) {
			_, err = svc.CreateCommunityChannel(ctx, plaza.Actor{AppID: o.appID, UserID: c.CreatorUserID},
				plaza.CreateCommunityChannelRequest{CommunityID: o.communityID, ChannelID: id})
		}
		if err != nil {
			return res, fmt.Errorf("channel %s: %w", id, err)
		}
	}
	res.Channels = o.channels

	// Members, a batch per transaction, until the community has enough:
	// the users of the next batch of IDs who are not members yet.
	last := time.Now()
	for next := 0; ; next += o.batch {
		var count int64
		err := st.Update(ctx, func(tx plaza.Tx) error {
			c, err := tx.CommunityForUpdate(ctx, o.appID, o.communityID)
			if err != nil {
				return err
			}
			want := int64(o.members) - c.CurrentMemberCount
			if count = c.CurrentMemberCount; want <= 0 {
				return nil
			}
			ids := make([]string, min(int64(o.batch), want))
			for i := range ids {
				ids[i] = fmt.Sprintf("%s%07d", o.prefix, next+i)
			}
			now := time.Now().UnixMilli()
			users, err := tx.EnsureUsers(ctx, o.appID, ids, now)
			if err != nil {
				return fmt.Errorf("ensure users: %w", err)
			}
			already, err := tx.Members(ctx, c.PK, ids)
			if err != nil {
				return fmt.Errorf("read members: %w", err)
			}
			in := make(map[int64]bool, len(already))
			for _, m := range already {
				in[m.UserPK] = true
			}
			ms := make([]plaza.Member, 0, len(users))
			for _, u := range users {
				if !in[u.PK] {
					ms = append(ms, plaza.Member{CommunityPK: c.PK, UserPK: u.PK, MemberRole: plaza.RoleMember,
						EnterTime: now, EnterType: plaza.EnterInvited, OperatedUserID: c.CreatorUserID, NotificationStatus: plaza.Notify})
				}
			}
			if len(ms) == 0 {
				return nil
			}
			if err := tx.InsertMembers(ctx, ms); err != nil {
				return fmt.Errorf("insert members: %w", err)
			}
			c.CurrentMemberCount += int64(len(ms))
			count = c.CurrentMemberCount
			res.Added += len(ms)
			return tx.UpdateCommunity(ctx, c)
		})
		if err != nil {
			return res, err
		}
		res.Members = count
		if count >= int64(o.members) {
			break
		}
		if time.Since(last) >= 5*time.Second {
			fmt.Fprintf(progress, "seed: %d members (%.0f s)\n", count, time.Since(start).Seconds())
			last = time.Now()
		}
	}

	// Mutes, spread evenly over the seeded members.
	if o.muted > 0 {
		seeded := o.members - 1
		step := max(1, seeded/o.muted)
		for from := 0; from < o.muted; from += o.batch {
			err := st.Update(ctx, func(tx plaza.Tx) error {
				ids := make([]string, 0, o.batch)
				for k := from; k < min(from+o.batch, o.muted); k++ {
					ids = append(ids, fmt.Sprintf("%s%07d", o.prefix, (k*step+step/2)%seeded))
				}
				ms, err := tx.Members(ctx, c.PK, ids)
				if err != nil {
					return err
				}
				for _, m := range ms {
					if err := tx.SetMemberMute(ctx, c.PK, m.UserPK, 0, plaza.PermanentMute); err != nil {
						return err
					}
				}
				res.Muted += len(ms)
				return nil
			})
			if err != nil {
				return res, fmt.Errorf("mute members: %w", err)
			}
		}
	}
	res.Seconds = math.Round(time.Since(start).Seconds()*10) / 10
	return res, nil
}
