-- Threads (SPEC §6a), as in the SQLite store's migration 0005: a thread is
-- a row of channels with channel_type 3, in its community's channel
-- namespace, whose parent is a channel of the same community. Its members
-- are channel_members rows and their conversations channel_states rows:
-- nobody else carries a row for it. Channels keep the zero values.
ALTER TABLE channels
    ADD COLUMN parent_pk      BIGINT NOT NULL DEFAULT 0,      -- the parent channel's key
    ADD COLUMN parent_private BOOLEAN NOT NULL DEFAULT false, -- the parent is private (fixed)
    ADD COLUMN root_seq       BIGINT NOT NULL DEFAULT 0,      -- the parent's message it opened from; 0 standalone
    ADD COLUMN is_private     BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN is_locked      BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN invitable      BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN auto_archive   INTEGER NOT NULL DEFAULT 0,     -- minutes
    ADD COLUMN archive_at     BIGINT NOT NULL DEFAULT 0;      -- Unix ms; archived once not after now

-- The conversation list ranks a user's channels by activity without
-- stepping over the threads of its communities: those come from the user's
-- thread memberships (channel_members_by_user).
DROP INDEX channels_by_activity;
CREATE INDEX channels_by_activity ON channels (community_pk, last_at, id, channel_type) WHERE channel_type < 3;

-- One channel's threads: active ones by activity, archived ones by archive
-- time, and the thread of a message (one at most).
CREATE INDEX threads_by_activity ON channels (parent_pk, last_at, id) WHERE channel_type = 3;
CREATE INDEX threads_by_archive ON channels (parent_pk, archive_at, id) WHERE channel_type = 3;
CREATE UNIQUE INDEX threads_by_root ON channels (parent_pk, root_seq) WHERE channel_type = 3 AND root_seq > 0;

-- A thread's members in the order they joined.
CREATE INDEX channel_members_by_time ON channel_members (channel_pk, added_at, user_pk);
