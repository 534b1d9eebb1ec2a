-- Apps (tenants), their server secrets and limits.
CREATE TABLE apps (
    app_id            TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    community_enabled INTEGER NOT NULL,
    spec              TEXT NOT NULL, -- JSON of plaza.Spec
    created_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE app_secrets (
    app_id     TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL DEFAULT 0, -- 0: never
    PRIMARY KEY (app_id, secret)
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    app_id          TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    user_name       TEXT NOT NULL DEFAULT '',
    user_avatar_url TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    UNIQUE (app_id, user_id)
) STRICT;

CREATE TABLE communities (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id          TEXT NOT NULL,
    community_id    TEXT NOT NULL,
    name            TEXT NOT NULL,
    avatar_url      TEXT NOT NULL,
    notice          TEXT NOT NULL,
    attributes      TEXT NOT NULL, -- JSON object
    join_mode       INTEGER NOT NULL,
    invite_mode     INTEGER NOT NULL,
    creator_user_id TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    member_count    INTEGER NOT NULL,
    channel_count   INTEGER NOT NULL,
    UNIQUE (app_id, community_id)
) STRICT;

-- IDs of dismissed communities, never to be reused.
CREATE TABLE dismissed_communities (
    app_id       TEXT NOT NULL,
    community_id TEXT NOT NULL,
    dismissed_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, community_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE channels (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    community_pk    INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    channel_id      TEXT NOT NULL,
    channel_type    INTEGER NOT NULL,
    name            TEXT NOT NULL,
    avatar_url      TEXT NOT NULL,
    notice          TEXT NOT NULL,
    attributes      TEXT NOT NULL, -- JSON object
    creator_user_id TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (community_pk, channel_id)
) STRICT;

CREATE TABLE members (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    community_pk        INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    user_pk             INTEGER NOT NULL REFERENCES users (id),
    role                INTEGER NOT NULL,
    enter_time          INTEGER NOT NULL,
    enter_type          INTEGER NOT NULL,
    operated_user_id    TEXT NOT NULL DEFAULT '',
    notification_status INTEGER NOT NULL,
    UNIQUE (community_pk, user_pk)
) STRICT;
CREATE INDEX members_by_user ON members (user_pk);
CREATE INDEX members_by_role ON members (community_pk, role, id);

-- Join applications; one per user and community, replaced when the user applies again.
CREATE TABLE applications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    community_pk     INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    user_pk          INTEGER NOT NULL REFERENCES users (id),
    wording          TEXT NOT NULL,
    state            INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    operated_user_id TEXT NOT NULL DEFAULT '',
    UNIQUE (community_pk, user_pk)
) STRICT;
CREATE INDEX applications_by_community ON applications (community_pk, id);
CREATE INDEX applications_by_user ON applications (user_pk, id);
