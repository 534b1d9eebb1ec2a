-- A mute carries its member's place in the member list (role, then member
-- key), as in the SQLite store's migration 0007, so that the list of muted
-- members is read in the list's order from the mutes alone, a page at a
-- time. A mute of a user who is not a member has role and member_pk 0,
-- which the list leaves out; a new membership takes the mute over.
ALTER TABLE member_mutes
    ADD COLUMN role      INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN member_pk BIGINT NOT NULL DEFAULT 0;
UPDATE member_mutes mm SET role = m.role, member_pk = m.id
FROM members m WHERE m.community_pk = mm.community_pk AND m.user_pk = mm.user_pk;
CREATE INDEX member_mutes_by_role ON member_mutes (community_pk, role, member_pk, channel_pk);
