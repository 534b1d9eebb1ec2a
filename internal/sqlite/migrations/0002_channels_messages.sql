-- Listed members of private channels (public channels list nobody: every member is in them).
ALTER TABLE channels ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE channel_members (
    channel_pk INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_pk    INTEGER NOT NULL REFERENCES users (id),
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (channel_pk, user_pk)
) STRICT, WITHOUT ROWID;
CREATE INDEX channel_members_by_user ON channel_members (user_pk, channel_pk);

-- IDs of dismissed channels, never to be reused in their community.
CREATE TABLE dismissed_channels (
    community_pk INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    channel_id   TEXT NOT NULL,
    dismissed_at INTEGER NOT NULL,
    PRIMARY KEY (community_pk, channel_id)
) STRICT, WITHOUT ROWID;

-- A user's state in one channel conversation. Unread is derived: the
-- channel's last_seq minus read_seq; nothing here changes when others send.
CREATE TABLE channel_states (
    user_pk    INTEGER NOT NULL REFERENCES users (id),
    channel_pk INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    read_seq   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_pk, channel_pk)
) STRICT, WITHOUT ROWID;

-- Messages, keyed by (channel, seq): seq is 1, 2, 3… per channel, assigned
-- from channels.last_seq in the storing transaction.
CREATE TABLE messages (
    channel_pk        INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    seq               INTEGER NOT NULL,
    message_id        INTEGER NOT NULL, -- snowflake
    sender_pk         INTEGER NOT NULL,
    sender_user_id    TEXT NOT NULL,
    type              INTEGER NOT NULL,
    content           TEXT NOT NULL, -- JSON: the sender's content, tips and revoke info
    client_message_id TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    edited_at         INTEGER NOT NULL DEFAULT 0,
    reply_root_seq    INTEGER NOT NULL DEFAULT 0, -- root of the reply tree this message is in
    reply_count       INTEGER NOT NULL DEFAULT 0, -- replies in the tree this message roots
    PRIMARY KEY (channel_pk, seq)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX messages_by_client_id ON messages (channel_pk, sender_pk, client_message_id)
    WHERE client_message_id != '';
CREATE INDEX messages_by_reply_root ON messages (channel_pk, reply_root_seq, seq) WHERE reply_root_seq != 0;

-- Messages a user deleted for itself.
CREATE TABLE hidden_messages (
    user_pk    INTEGER NOT NULL,
    channel_pk INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (user_pk, channel_pk, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE reactions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_pk    INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    reaction_type TEXT NOT NULL,
    user_pk       INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    UNIQUE (channel_pk, seq, reaction_type, user_pk)
) STRICT;
CREATE INDEX reactions_by_type ON reactions (channel_pk, seq, reaction_type, id);
