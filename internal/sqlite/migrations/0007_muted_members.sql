-- A mute carries its member's place in the member list (role, then member
-- key), kept in step with the member's row, so that the list of muted
-- members is read in the list's order from the mutes alone, a page at a
-- time, however few of a million members are muted. A mute of a user who
-- is not a member has role and member_pk 0, which the list leaves out; a
-- new membership takes the mute over.
ALTER TABLE member_mutes ADD COLUMN role INTEGER NOT NULL DEFAULT 0;
ALTER TABLE member_mutes ADD COLUMN member_pk INTEGER NOT NULL DEFAULT 0;
UPDATE member_mutes SET
    role = coalesce((SELECT m.role FROM members m WHERE m.community_pk = member_mutes.community_pk AND m.user_pk = member_mutes.user_pk), 0),
    member_pk = coalesce((SELECT m.id FROM members m WHERE m.community_pk = member_mutes.community_pk AND m.user_pk = member_mutes.user_pk), 0);
CREATE INDEX member_mutes_by_role ON member_mutes (community_pk, role, member_pk, channel_pk);
