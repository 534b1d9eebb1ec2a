-- Stamps of what a user's unread count in a community is computed from, so
-- that a total unread count can keep each community's part and compute
-- again only the parts whose stamps moved (Store.TotalUnread).
--
-- communities.unread_stamp moves with a message in any of the community's
-- channels and threads (last_seq) and with a change of what decides who
-- sees one. members.unread_stamp moves with the member's own side: its
-- conversation states in notify (read position, status, made or removed,
-- as a deleted channel's are by its cascade) and its listings in private
-- channels and threads. A channel made or deleted moves no count but
-- through those rows. The member's role and notification status are read
-- with the stamps. Both stamps only grow, in the transaction of the change,
-- whichever statement makes it. (A channel's community and a state's user
-- and community never change.)
ALTER TABLE communities ADD COLUMN unread_stamp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN unread_stamp INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER channels_unread_update AFTER UPDATE OF last_seq, channel_type, parent_pk, parent_private ON channels BEGIN
    UPDATE communities SET unread_stamp = unread_stamp + 1 WHERE id = NEW.community_pk;
END;

-- Only rows in notify (1) count: rows made in do-not-disturb, as every
-- join makes them, move no stamp.
CREATE TRIGGER channel_states_unread_insert AFTER INSERT ON channel_states
WHEN NEW.notification_status = 1 BEGIN
    UPDATE members SET unread_stamp = unread_stamp + 1 WHERE community_pk = NEW.community_pk AND user_pk = NEW.user_pk;
END;
CREATE TRIGGER channel_states_unread_update AFTER UPDATE OF read_seq, notification_status ON channel_states
WHEN OLD.notification_status = 1 OR NEW.notification_status = 1 BEGIN
    UPDATE members SET unread_stamp = unread_stamp + 1 WHERE community_pk = NEW.community_pk AND user_pk = NEW.user_pk;
END;
CREATE TRIGGER channel_states_unread_delete AFTER DELETE ON channel_states
WHEN OLD.notification_status = 1 BEGIN
    UPDATE members SET unread_stamp = unread_stamp + 1 WHERE community_pk = OLD.community_pk AND user_pk = OLD.user_pk;
END;

-- A listing in a private channel shows the channel and its threads; one in
-- a thread comes with the member's state row, but is stamped all the same.
CREATE TRIGGER channel_members_unread_insert AFTER INSERT ON channel_members BEGIN
    UPDATE members SET unread_stamp = unread_stamp + 1
    WHERE user_pk = NEW.user_pk AND community_pk = (SELECT community_pk FROM channels WHERE id = NEW.channel_pk);
END;
CREATE TRIGGER channel_members_unread_delete AFTER DELETE ON channel_members BEGIN
    UPDATE members SET unread_stamp = unread_stamp + 1
    WHERE user_pk = OLD.user_pk AND community_pk = (SELECT community_pk FROM channels WHERE id = OLD.channel_pk);
END;
