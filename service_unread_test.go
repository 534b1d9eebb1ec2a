package plaza_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

// unreadModel is the simplest account of unread counts and mentions: what
// the service must agree with.
type unreadModel struct {
	members   map[string]plaza.Role
	listed    map[string]bool // listed in the private channel "p"
	last      map[string]int64
	messages  map[string][]modelMessage // by channel, index seq-1
	read      map[[2]string]int64       // (user, channel)
	status    map[[2]string]plaza.NotificationStatus
	community map[string]plaza.NotificationStatus
}

type modelMessage struct {
	sender    string
	mentioned []string // members who saw the channel when it was sent
	all       bool
	revoked   bool
}

var modelChannels = []string{plaza.GeneralChannelID, "c", "p"}

func (m *unreadModel) sees(user, ch string) bool {
	role, ok := m.members[user]
	return ok && (ch != "p" || role != plaza.RoleMember || m.listed[user])
}

func (m *unreadModel) join(user string) {
	m.members[user] = plaza.RoleMember
	m.community[user] = plaza.Notify
	for _, ch := range modelChannels {
		m.read[[2]string{user, ch}] = m.last[ch]
		m.status[[2]string{user, ch}] = plaza.DoNotDisturb
	}
}

func (m *unreadModel) leave(user string) {
	delete(m.members, user)
	delete(m.listed, user)
}

func (m *unreadModel) send(user, ch string, mentions []string, all bool) {
	var seen []string
	for _, u := range mentions {
		if m.sees(u, ch) {
			seen = append(seen, u)
		}
	}
	m.messages[ch] = append(m.messages[ch], modelMessage{sender: user, mentioned: seen, all: all})
	m.last[ch]++
	k := [2]string{user, ch}
	m.read[k] = max(m.read[k], m.last[ch])
}

func (m *unreadModel) unread(user, ch string) int64 {
	return max(0, m.last[ch]-m.read[[2]string{user, ch}])
}

func (m *unreadModel) mentions(user, ch string) []plaza.MentionedInfo {
	out := []plaza.MentionedInfo{}
	for i, msg := range m.messages[ch] {
		seq := int64(i + 1)
		if seq <= m.read[[2]string{user, ch}] || msg.revoked {
			continue
		}
		t := plaza.MentionType(0)
		if slices.Contains(msg.mentioned, user) {
			t = plaza.MentionMe
		}
		if msg.all {
			t += plaza.MentionAll
		}
		if t != 0 {
			out = append(out, plaza.MentionedInfo{MessageSeq: seq, FromUserID: msg.sender, Type: t})
		}
	}
	return out
}

func (m *unreadModel) communityTotal(user string) int64 {
	var n int64
	for _, ch := range modelChannels {
		if m.sees(user, ch) && m.status[[2]string{user, ch}] == plaza.Notify {
			n += m.unread(user, ch)
		}
	}
	return n
}

// TestUnreadProperty drives random sends, reads, revokes, joins, leaves and
// notification changes, and checks every unread count, mention list and
// total against the model after each step.
func TestUnreadProperty(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			runUnreadProperty(t, seed, 200)
		})
	}
}

func runUnreadProperty(t *testing.T, seed uint64, steps int) {
	ctx := context.Background()
	spec := relaxed()
	spec.CommunityTips = false // tips would be sends the model does not make
	env := plazatest.New(t, plazatest.Options{Spec: spec})
	svc := env.Service
	users := []string{"u0", "u1", "u2", "u3", "u4"}
	env.Users(t, users...)
	owner := env.Actor("u0")
	createCommunity(t, env, owner, "club")
	must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "c"}))
	must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "p", ChannelType: new(plaza.ChannelPrivate)}))
	m := &unreadModel{members: map[string]plaza.Role{}, listed: map[string]bool{"u0": true}, last: map[string]int64{},
		messages: map[string][]modelMessage{}, read: map[[2]string]int64{}, status: map[[2]string]plaza.NotificationStatus{},
		community: map[string]plaza.NotificationStatus{}}
	m.join("u0")
	m.members["u0"] = plaza.RoleOwner

	r := rand.New(rand.NewPCG(seed, seed))
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	var log []string
	for step := range steps {
		u := pick(users)
		a := env.Actor(u)
		_, member := m.members[u]
		ch := pick(modelChannels)
		var err error
		var op string
		switch k := r.IntN(100); {
		case !member:
			op = "join " + u
			_, err = svc.JoinCommunity(ctx, a, plaza.CommunityRequest{CommunityID: "club"})
			if err == nil {
				m.join(u)
			}
		case k < 40 && m.sees(u, ch):
			var mentions []string
			for _, v := range users {
				if r.IntN(4) == 0 {
					mentions = append(mentions, v)
				}
			}
			all := m.members[u] == plaza.RoleOwner && r.IntN(5) == 0
			op = fmt.Sprintf("%s sends in %s mentioning %v all=%t", u, ch, mentions, all)
			_, err = svc.SendMessage(ctx, a, plaza.SendMessageRequest{CommunityID: "club", ChannelID: ch,
				Message: plaza.MessageContent{Type: plaza.MessageText, Message: op, MentionedUserIDs: mentions, IsMentionAll: all}})
			if err == nil {
				m.send(u, ch, mentions, all)
			}
		case k < 60 && m.sees(u, ch):
			upTo := int64(0)
			if m.last[ch] > 0 && r.IntN(2) == 0 {
				upTo = r.Int64N(m.last[ch]) + 1
			}
			op = fmt.Sprintf("%s reads %s up to %d", u, ch, upTo)
			_, err = svc.ClearConversationUnreadMessageCount(ctx, a, plaza.ClearConversationUnreadMessageCountRequest{CommunityID: "club", ChannelID: ch, MessageSeq: upTo})
			if err == nil {
				k := [2]string{u, ch}
				if upTo == 0 {
					upTo = m.last[ch]
				}
				m.read[k] = max(m.read[k], upTo)
			}
		case k < 70 && m.sees(u, ch):
			var own []int64
			for i, msg := range m.messages[ch] {
				if msg.sender == u && !msg.revoked {
					own = append(own, int64(i+1))
				}
			}
			if len(own) == 0 {
				continue
			}
			seq := own[r.IntN(len(own))]
			op = fmt.Sprintf("%s revokes %s/%d", u, ch, seq)
			_, err = svc.RevokeMessage(ctx, a, plaza.MessageRequest{CommunityID: "club", ChannelID: ch, MessageSeq: seq})
			if err == nil {
				m.messages[ch][seq-1].revoked = true
			}
		case k < 80 && m.sees(u, ch):
			st := plaza.NotificationStatus(r.IntN(2) + 1)
			op = fmt.Sprintf("%s sets %s to %d", u, ch, st)
			_, err = svc.SetConversationNotificationStatus(ctx, a, plaza.SetConversationNotificationStatusRequest{CommunityID: "club", ChannelID: ch, NotificationStatus: st})
			if err == nil {
				m.status[[2]string{u, ch}] = st
			}
		case k < 85:
			st := plaza.NotificationStatus(r.IntN(2) + 1)
			op = fmt.Sprintf("%s sets the community to %d", u, st)
			_, err = svc.SetCommunityNotificationStatus(ctx, a, plaza.SetCommunityNotificationStatusRequest{CommunityID: "club", NotificationStatus: st})
			if err == nil {
				m.community[u] = st
			}
		case k < 90 && u != "u0" && !m.listed[u]:
			op = "owner lists " + u + " in p"
			_, err = svc.AddCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "p", UserIDs: []string{u}})
			if err == nil {
				m.listed[u] = true
				m.read[[2]string{u, "p"}] = m.last["p"]
				m.status[[2]string{u, "p"}] = plaza.DoNotDisturb
			}
		case k < 95 && u != "u0":
			op = "leave " + u
			_, err = svc.LeaveCommunity(ctx, a, plaza.CommunityRequest{CommunityID: "club"})
			if err == nil {
				m.leave(u)
			}
		default:
			continue
		}
		log = append(log, op)
		if err != nil {
			t.Fatalf("step %d (%s): %v\nlog:\n%v", step, op, err, log)
		}
		checkUnread(t, env, m, users, step, log)
	}
}

func checkUnread(t *testing.T, env *plazatest.Env, m *unreadModel, users []string, step int, log []string) {
	t.Helper()
	ctx := context.Background()
	for _, u := range users {
		if _, ok := m.members[u]; !ok {
			continue
		}
		a := env.Actor(u)
		list := must[plaza.QueryCommunityChannelListResult](t)(env.Service.QueryCommunityChannelList(ctx, a, plaza.QueryCommunityChannelListRequest{CommunityID: "club"}))
		seen := map[string]bool{}
		for _, c := range list.ChannelList {
			seen[c.ChannelID] = true
			if want := m.unread(u, c.ChannelID); c.UnreadMessageCount != want {
				t.Fatalf("step %d: %s's unread in %s is %d, want %d\nlog: %v", step, u, c.ChannelID, c.UnreadMessageCount, want, log)
			}
			got := c.MentionedInfoList
			for i := range got {
				got[i].MessageID = "" // the model has no message IDs
			}
			if diff := cmp.Diff(m.mentions(u, c.ChannelID), got); diff != "" {
				t.Fatalf("step %d: %s's mentions in %s (-want +got):\n%s\nlog: %v", step, u, c.ChannelID, diff, log)
			}
			if want := m.status[[2]string{u, c.ChannelID}]; c.NotificationStatus != want {
				t.Fatalf("step %d: %s's status in %s is %d, want %d", step, u, c.ChannelID, c.NotificationStatus, want)
			}
		}
		for _, ch := range modelChannels {
			if seen[ch] != m.sees(u, ch) {
				t.Fatalf("step %d: %s sees %s: %t, want %t", step, u, ch, seen[ch], m.sees(u, ch))
			}
		}
		want := m.communityTotal(u)
		communities := must[plaza.QueryCommunityListResult](t)(env.Service.QueryCommunityList(ctx, a, plaza.QueryCommunityListRequest{}))
		if got := communities.CommunityList[0].TotalUnreadMessageCount; got != want {
			t.Fatalf("step %d: %s's community total %d, want %d\nlog: %v", step, u, got, want, log)
		}
		if m.community[u] != plaza.Notify {
			want = 0 // a community in do-not-disturb is left out of the user's total
		}
		total := must[plaza.TotalUnreadResult](t)(env.Service.QueryConversationTotalUnreadMessageCount(ctx, a, plaza.QueryConversationTotalUnreadMessageCountRequest{}))
		if total.TotalUnreadMessageCount != want {
			t.Fatalf("step %d: %s's total %d, want %d\nlog: %v", step, u, total.TotalUnreadMessageCount, want, log)
		}
	}
}
