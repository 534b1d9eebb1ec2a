// Package natsbus is Plaza's event Bus on NATS core: an in-process server on
// the embedded default, or an external NATS cluster in cluster mode. Both run
// this same code.
//
// Delivery is at most once, as NATS core gives it: a lost event costs a live
// push, never data. Events of one topic reach a subscriber in publication
// order: every subscription of a topic feeds the same consumer goroutine.
package natsbus

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/plazahq/plaza"
)

// shardQueue is the number of messages a consumer goroutine may hold before
// NATS drops further ones for it (a slow consumer).
const shardQueue = 16384

// Bus is a plaza.Bus on a NATS connection.
type Bus struct {
	nc     *nats.Conn
	log    *slog.Logger
	shards []chan *nats.Msg
	wg     sync.WaitGroup

	mu       sync.RWMutex
	handlers map[*nats.Subscription]func(*plaza.Event)
	closed   bool
}

var _ plaza.Bus = (*Bus)(nil)

// New returns a Bus on nc with shards consumer goroutines (at least 1). The
// caller keeps ownership of nc and closes it after Close.
func New(nc *nats.Conn, shards int, log *slog.Logger) *Bus {
	if shards < 1 {
		shards = 1
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Bus{nc: nc, log: log, handlers: make(map[*nats.Subscription]func(*plaza.Event))}
	for range shards {
		ch := make(chan *nats.Msg, shardQueue)
		b.shards = append(b.shards, ch)
		b.wg.Add(1)
		go b.consume(ch)
	}
	return b
}

// Subject returns the NATS subject of a topic. IDs are base64url-encoded, so
// that any allowed ID character ('.', '>', '*') is safe in a subject.
func Subject(t plaza.Topic) string {
	if t.Kind == plaza.TopicUsers {
		return "plaza.u." + strconv.Itoa(t.Bucket)
	}
	enc := base64.RawURLEncoding
	return "plaza.c." + enc.EncodeToString([]byte(t.AppID)) + "." + enc.EncodeToString([]byte(t.CommunityID))
}

// Publish sends e on each of its topics.
func (b *Bus) Publish(ctx context.Context, e *plaza.Event) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("natsbus: encode %s: %w", e.Name, err)
	}
	for _, t := range e.Topics() {
		if err := b.nc.Publish(Subject(t), data); err != nil {
			return fmt.Errorf("natsbus: publish %s: %w", e.Name, err)
		}
	}
	return nil
}

// Subscribe calls h for every event on topic until the subscription closes.
func (b *Bus) Subscribe(t plaza.Topic, h func(*plaza.Event)) (plaza.Subscription, error) {
	subj := Subject(t)
	f := fnv.New32a()
	f.Write([]byte(subj))
	ch := b.shards[f.Sum32()%uint32(len(b.shards))]

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errors.New("natsbus: closed")
	}
	sub, err := b.nc.ChanSubscribe(subj, ch)
	if err != nil {
		return nil, fmt.Errorf("natsbus: subscribe %s: %w", subj, err)
	}
	b.handlers[sub] = h
	if t.Kind == plaza.TopicUsers {
		// A gateway subscribes to a user's topic before it reads the user's
		// memberships, and relies on every later change reaching it: make
		// sure the server has the interest before going on.
		if err := b.nc.FlushTimeout(5 * time.Second); err != nil {
			b.log.Warn("natsbus: flush subscription", "subject", subj, "err", err)
		}
	}
	return &subscription{bus: b, sub: sub}, nil
}

type subscription struct {
	bus  *Bus
	sub  *nats.Subscription
	once sync.Once
}

func (s *subscription) Close() error {
	var err error
	s.once.Do(func() {
		s.bus.mu.Lock()
		delete(s.bus.handlers, s.sub)
		s.bus.mu.Unlock()
		err = s.sub.Unsubscribe()
		if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrBadSubscription) {
			err = nil
		}
	})
	return err
}

func (b *Bus) consume(ch chan *nats.Msg) {
	defer b.wg.Done()
	for m := range ch {
		b.mu.RLock()
		h := b.handlers[m.Sub]
		b.mu.RUnlock()
		if h == nil {
			continue // unsubscribed while the message was queued
		}
		var e plaza.Event
		if err := json.Unmarshal(m.Data, &e); err != nil {
			b.log.Warn("natsbus: undecodable event", "subject", m.Subject, "err", err)
			continue
		}
		h(&e)
	}
}

// Close unsubscribes everything and stops the consumers once they have
// delivered what they hold.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	var errs []error
	for sub := range b.handlers {
		if err := sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, err)
		}
	}
	clear(b.handlers)
	b.mu.Unlock()
	for _, ch := range b.shards {
		close(ch)
	}
	b.wg.Wait()
	return errors.Join(errs...)
}

// Embedded is an in-process NATS server with one client connection to it. It
// listens on no port.
type Embedded struct {
	Server *server.Server
	Conn   *nats.Conn
}

// StartEmbedded starts an in-process NATS server and connects to it.
func StartEmbedded() (*Embedded, error) {
	ns, err := server.NewServer(&server.Options{
		ServerName: "plaza-embedded",
		DontListen: true,
		NoLog:      true,
		NoSigs:     true,
		MaxPayload: 8 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("natsbus: embedded server: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("natsbus: embedded server did not start")
	}
	nc, err := nats.Connect(ns.ClientURL(), nats.InProcessServer(ns), nats.Name("plaza"), nats.NoReconnect())
	if err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("natsbus: connect to embedded server: %w", err)
	}
	return &Embedded{Server: ns, Conn: nc}, nil
}

// Close closes the connection and stops the server.
func (e *Embedded) Close() {
	e.Conn.Close()
	e.Server.Shutdown()
	e.Server.WaitForShutdown()
}

// Connect connects to an external NATS server or cluster at url, reconnecting
// for as long as the process runs.
func Connect(url string, log *slog.Logger) (*nats.Conn, error) {
	nc, err := nats.Connect(url,
		nats.Name("plaza"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("nats disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("nats reconnected", "url", c.ConnectedUrl())
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("natsbus: connect %s: %w", url, err)
	}
	return nc, nil
}
