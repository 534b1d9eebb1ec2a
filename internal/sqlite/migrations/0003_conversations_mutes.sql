-- What a user sets on a channel conversation. Channels start in do-not-disturb (SPEC §6).
ALTER TABLE channel_states ADD COLUMN notification_status INTEGER NOT NULL DEFAULT 2;
ALTER TABLE channel_states ADD COLUMN draft TEXT NOT NULL DEFAULT '';
ALTER TABLE channel_states ADD COLUMN pinned_at INTEGER NOT NULL DEFAULT 0;
-- The channel's community, fixed for the channel's life: unread totals read a
-- user's conversations in notify community by community from this index.
ALTER TABLE channel_states ADD COLUMN community_pk INTEGER NOT NULL DEFAULT 0;
UPDATE channel_states SET community_pk = (SELECT community_pk FROM channels WHERE id = channel_pk);
CREATE INDEX channel_states_by_status ON channel_states (user_pk, notification_status, community_pk, channel_pk, read_seq);
CREATE INDEX channel_states_pinned ON channel_states (user_pk) WHERE pinned_at > 0;

-- Time of the channel's newest message (or of its creation): the conversation list's order.
ALTER TABLE channels ADD COLUMN last_at INTEGER NOT NULL DEFAULT 0;
UPDATE channels SET last_at = created_at;

-- Channel and community mutes: mode, expiry (Unix ms, -1 never, 0 none), roles of a custom mute.
ALTER TABLE channels ADD COLUMN mute_mode INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN mute_expire INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN mute_roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE communities ADD COLUMN mute_mode INTEGER NOT NULL DEFAULT 0;
ALTER TABLE communities ADD COLUMN mute_expire INTEGER NOT NULL DEFAULT 0;
ALTER TABLE communities ADD COLUMN mute_roles TEXT NOT NULL DEFAULT '[]';

-- Member mutes, community-wide (channel_pk 0) or in one channel.
CREATE TABLE member_mutes (
    community_pk INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    user_pk      INTEGER NOT NULL,
    channel_pk   INTEGER NOT NULL, -- 0: community-wide
    expire       INTEGER NOT NULL, -- Unix ms; -1 never
    PRIMARY KEY (community_pk, user_pk, channel_pk)
) STRICT, WITHOUT ROWID;
CREATE INDEX member_mutes_by_user ON member_mutes (user_pk);

-- Mentions: one row per mentioned member of a message, one per mention of everyone.
CREATE TABLE mentions (
    user_pk    INTEGER NOT NULL,
    channel_pk INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (user_pk, channel_pk, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX mentions_by_message ON mentions (channel_pk, seq);
CREATE TABLE mention_alls (
    channel_pk INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (channel_pk, seq)
) STRICT, WITHOUT ROWID;

-- The conversation list ranks a user's channels by activity from this index alone.
CREATE INDEX channels_by_activity ON channels (community_pk, last_at, id, channel_type);
