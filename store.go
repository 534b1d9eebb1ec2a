package plaza

import "context"

// Store is where Plaza keeps its state. Every use case's logic lives in
// Service; a Store only reads and writes rows, with the SQL of one engine.
//
// Reads through the Store itself run on a pool of readers, each call its own
// statement. Update runs fn in one write transaction: reads made through its
// Tx see the transaction's writes, and rows read with a ForUpdate method stay
// locked until it ends, so that a limit checked inside fn cannot be passed by
// a concurrent transaction.
//
// Methods return ErrNotFound for a missing row and ErrConflict for a unique
// key that already exists; other errors are the engine's, wrapped.
type Store interface {
	Query
	// Update runs fn in a write transaction, committing when fn returns nil
	// and rolling back otherwise. The commit is durable when Update returns.
	Update(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error
	Close() error
}

// Query reads state.
type Query interface {
	App(ctx context.Context, appID string) (App, error)
	AppCount(ctx context.Context) (int, error)

	User(ctx context.Context, appID, userID string) (User, error)
	// VisibleUsers returns those of userIDs that are viewerPK itself or share
	// a community with it.
	VisibleUsers(ctx context.Context, appID string, viewerPK int64, userIDs []string) ([]User, error)
	// UserCommunityIDs returns the IDs of the communities userPK belongs to.
	UserCommunityIDs(ctx context.Context, userPK int64) ([]string, error)

	Community(ctx context.Context, appID, communityID string) (CommunityInfo, error)
	CommunityDismissed(ctx context.Context, appID, communityID string) (bool, error)
	// UserCommunities lists userPK's communities in the order it entered
	// them; the cursor is (membership key, 0).
	UserCommunities(ctx context.Context, userPK int64, after Cursor, limit int) ([]Community, error)

	Member(ctx context.Context, communityPK int64, userID string) (Member, error)
	Members(ctx context.Context, communityPK int64, userIDs []string) ([]Member, error)
	// MemberList lists members by role, then by entry; the cursor is
	// (role, membership key).
	MemberList(ctx context.Context, communityPK int64, after Cursor, limit int) ([]Member, error)
	// Managers returns the user IDs of the owner and admins.
	Managers(ctx context.Context, communityPK int64) ([]string, error)

	Channel(ctx context.Context, communityPK int64, channelID string) (Channel, error)

	Application(ctx context.Context, communityPK, userPK int64) (Application, error)
	// CommunityApplications lists applications newest first; the cursor is
	// (application key, 0).
	CommunityApplications(ctx context.Context, communityPK int64, after Cursor, limit int) ([]Application, error)
	UserApplications(ctx context.Context, userPK int64, after Cursor, limit int) ([]Application, error)
}

// Tx is a write transaction.
type Tx interface {
	Query

	InsertApp(ctx context.Context, app App) error

	// EnsureUser returns the user, creating it first if it does not exist.
	EnsureUser(ctx context.Context, appID, userID string, now int64) (User, error)
	// UserForUpdate reads and locks a user.
	UserForUpdate(ctx context.Context, appID, userID string) (User, error)
	UpdateUser(ctx context.Context, u User) error
	CountUserCommunities(ctx context.Context, userPK int64) (int, error)

	// CommunityForUpdate reads and locks a community.
	CommunityForUpdate(ctx context.Context, appID, communityID string) (CommunityInfo, error)
	// InsertCommunity stores c and sets c.PK.
	InsertCommunity(ctx context.Context, c *CommunityInfo) error
	UpdateCommunity(ctx context.Context, c CommunityInfo) error
	// DeleteCommunity removes a community with everything in it and records
	// its ID as dismissed.
	DeleteCommunity(ctx context.Context, c CommunityInfo, now int64) error

	// InsertChannel stores ch and sets ch.PK.
	InsertChannel(ctx context.Context, ch *Channel) error

	// InsertMember stores m and sets m.PK.
	InsertMember(ctx context.Context, m *Member) error
	UpdateMember(ctx context.Context, m Member) error
	DeleteMember(ctx context.Context, memberPK int64) error

	// InsertApplication stores a, replacing any earlier application of the
	// same user to the same community, and sets a.PK.
	InsertApplication(ctx context.Context, a *Application) error
	UpdateApplication(ctx context.Context, a Application) error
	DeleteApplication(ctx context.Context, pk int64) error
}
