package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/pgtest"
	"github.com/plazahq/plaza/internal/postgres"
)

// BenchmarkSend measures Service.SendMessage on PostgreSQL alone (no HTTP,
// no bus): 8 × GOMAXPROCS senders in parallel, each its own user, into 50
// channels or into one. Besides the time per send it reports what a send
// costs the database's backends in CPU time, read from /proc: run it on the
// database's machine.
func BenchmarkSend(b *testing.B) {
	for _, channels := range []int{50, 1} {
		b.Run(fmt.Sprintf("channels=%d", channels), func(b *testing.B) { benchSend(b, channels) })
	}
}

func benchSend(b *testing.B, channels int) {
	ctx := context.Background()
	url := pgtest.SchemaURL(b)
	app := "bench_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	s, err := postgres.Open(ctx, url+"&application_name="+app, postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	spec := plaza.DefaultSpec()
	spec.SendIntervalMillis, spec.SendsPerSecond, spec.MeteringOnly, spec.CommunityTips = 0, 1_000_000, true, false
	a := plaza.App{AppID: "1000000001", Name: "bench", CommunityEnabled: true, Spec: spec,
		Secrets: []plaza.Secret{{Secret: "s", CreatedAt: 1}}, Webhook: plaza.WebhookConfig{Events: []string{}}, CreatedAt: 1}
	if err := s.Update(ctx, func(tx plaza.Tx) error { return tx.InsertApp(ctx, a) }); err != nil {
		b.Fatal(err)
	}
	svc := plaza.NewService(plaza.Options{Store: s, NodeID: 1})
	owner := plaza.Actor{AppID: a.AppID, UserID: "owner"}
	if err := s.Update(ctx, func(tx plaza.Tx) error { _, err := tx.EnsureUser(ctx, a.AppID, "owner", 1); return err }); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.CreateCommunity(ctx, owner, plaza.CreateCommunityRequest{CommunityID: "c"}); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, channels)
	for i := range ids {
		ids[i] = fmt.Sprintf("ch%d", i)
		if _, err := svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "c", ChannelID: ids[i]}); err != nil {
			b.Fatal(err)
		}
	}
	var users []string
	for i := range 256 {
		id := fmt.Sprintf("u%03d", i)
		if err := s.Update(ctx, func(tx plaza.Tx) error { _, err := tx.EnsureUser(ctx, a.AppID, id, 1); return err }); err != nil {
			b.Fatal(err)
		}
		users = append(users, id)
	}
	for i := 0; i < len(users); i += 100 {
		if _, err := svc.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{CommunityID: "c", UserIDs: users[i:min(i+100, len(users))]}); err != nil {
			b.Fatal(err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	cpu := func() time.Duration {
		rows, _ := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
		pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			b.Fatal(err)
		}
		var sum time.Duration
		for _, pid := range pids {
			raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			if err != nil {
				continue
			}
			f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
			u, _ := strconv.ParseInt(f[11], 10, 64)
			k, _ := strconv.ParseInt(f[12], 10, 64)
			sum += time.Duration(u+k) * 10 * time.Millisecond
		}
		return sum
	}
	var next atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	cpu0 := cpu()
	b.RunParallel(func(pb *testing.PB) {
		me := plaza.Actor{AppID: a.AppID, UserID: users[next.Add(1)%int64(len(users))]}
		for n := 0; pb.Next(); n++ {
			_, err := svc.SendMessage(ctx, me, plaza.SendMessageRequest{CommunityID: "c", ChannelID: ids[n%len(ids)],
				ClientMessageID: strconv.FormatInt(next.Add(1), 10),
				Message:         plaza.MessageContent{Type: plaza.MessageText, Message: "a message of a typical length, say sixty characters"}})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((cpu()-cpu0).Microseconds())/float64(b.N), "pg-cpu-µs/op")
}
