-- Dismissal, as in the SQLite store's migration 0006: a dismissed
-- community's rows are removed in the background, a bounded batch per
-- transaction (Tx.PurgeCommunity). Until they are gone the community is
-- marked: dismissed_at is the time of its dismissal (0 while it lives), and
-- its community_id leaves its app's namespace ('/' and its key: no ID holds
-- a '/'), so that no read by ID finds it. Reads that start from a user's
-- memberships leave out the rows of a community with dismissed_at > 0.
ALTER TABLE communities ADD COLUMN dismissed_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX communities_dismissed ON communities (id) WHERE dismissed_at > 0;

-- A channel's conversation states and hidden messages by channel: the purge
-- takes them a batch at a time, and deleting a channel (whose foreign keys
-- cascade to both tables) no longer reads either table whole.
CREATE INDEX channel_states_by_channel ON channel_states (channel_pk);
CREATE INDEX hidden_messages_by_channel ON hidden_messages (channel_pk);
