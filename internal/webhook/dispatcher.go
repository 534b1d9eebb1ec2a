package webhook

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plazahq/plaza"
)

// Defaults of Options.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultPollInterval = 250 * time.Millisecond
	DefaultBatch        = 64
	DefaultLease        = 30 * time.Second
	DefaultWorkers      = 8
)

const (
	// maxResponseBytes is how much of a callback's response is read (and
	// thrown away) so that the connection can be reused.
	maxResponseBytes = 64 << 10
	// appCacheTTL is how long an app's webhook configuration is trusted
	// before it is read again; a changed URL or secret applies after it.
	appCacheTTL = time.Second
	// recordTimeout bounds the store write that records an attempt.
	recordTimeout = 10 * time.Second
)

// Options configures a Dispatcher. Zero values take the defaults above.
type Options struct {
	Store plaza.Store
	// Client sends the callbacks; nil means a client of its own with a
	// DefaultTimeout timeout. It is used with redirects turned off, and an
	// attempt is bounded by its Timeout (DefaultTimeout when 0).
	Client *http.Client
	Logger *slog.Logger
	Now    func() time.Time
	// PollInterval is how long the Dispatcher waits before looking for due
	// deliveries again, when the last claim found fewer than Batch and no
	// Wake came.
	PollInterval time.Duration
	// Batch bounds the deliveries one claim takes.
	Batch int
	// Lease is how long a claimed delivery is kept from other claims. It
	// must outlast an attempt (the client's timeout) and its recording, or a
	// slow attempt may be sent twice.
	Lease time.Duration
	// RetryDelays are the waits before each retry; a delivery is given up
	// after 1+len(RetryDelays) failed attempts. Empty means
	// plaza.WebhookRetryDelays.
	RetryDelays []time.Duration
	// Workers bounds the attempts in flight at once.
	Workers int
}

// Dispatcher delivers the app callbacks queued in a store. Run does the work;
// Wake hurries it.
type Dispatcher struct {
	opts    Options
	log     *slog.Logger
	client  *http.Client
	timeout time.Duration
	wake    chan struct{}

	mu   sync.Mutex
	apps map[string]cachedApp

	delivered, failed, givenUp, dropped atomic.Int64
}

// Stats are a Dispatcher's counters since it was made.
type Stats struct {
	// Delivered counts deliveries answered 2xx; Failed the attempts that
	// were not and will be retried; GivenUp the deliveries whose last
	// attempt failed; Dropped those dropped because their app no longer
	// takes callbacks.
	Delivered, Failed, GivenUp, Dropped int64
}

// Stats returns the Dispatcher's counters.
func (d *Dispatcher) Stats() Stats {
	return Stats{Delivered: d.delivered.Load(), Failed: d.failed.Load(), GivenUp: d.givenUp.Load(), Dropped: d.dropped.Load()}
}

// cachedApp is an app's webhook configuration as read at some time.
type cachedApp struct {
	cfg   plaza.WebhookConfig
	found bool
	at    time.Time
}

// New returns a Dispatcher of the deliveries queued in o.Store.
func New(o Options) *Dispatcher {
	if o.Store == nil {
		panic("webhook: New without a Store")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if len(o.RetryDelays) == 0 {
		for _, ms := range plaza.WebhookRetryDelays {
			o.RetryDelays = append(o.RetryDelays, time.Duration(ms)*time.Millisecond)
		}
	}
	d := &Dispatcher{
		opts:    o,
		log:     o.Logger,
		client:  noRedirects(o.Client, DefaultTimeout),
		timeout: DefaultTimeout,
		wake:    make(chan struct{}, 1),
		apps:    make(map[string]cachedApp),
	}
	if d.client.Timeout > 0 {
		d.timeout = d.client.Timeout
	}
	return d
}

// Wake makes Run look for due deliveries now rather than at its next poll.
// It never blocks; the service calls it after a commit that queued
// callbacks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers due callbacks until ctx ends, then waits for the attempts in
// flight: those that ctx cut short are handed back to the queue, due at
// once, without counting as attempts. Run returns nil, or the error of
// handing back those deliveries; a store that fails meanwhile is logged and
// tried again. One Run at a time per Dispatcher; several Dispatchers may
// share a store.
func (d *Dispatcher) Run(ctx context.Context) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		shutdown []error
	)
	defer d.client.CloseIdleConnections()
	slots := make(chan struct{}, d.opts.Workers)
	timer := time.NewTimer(d.opts.PollInterval)
	defer timer.Stop()
	for {
		free := cap(slots) - len(slots)
		if free == 0 {
			// Every worker is busy; the claim waits for one, so that
			// nothing claimed sits here while its lease runs out.
			select {
			case <-ctx.Done():
			case slots <- struct{}{}:
				<-slots
				continue
			}
		}
		if ctx.Err() != nil {
			wg.Wait()
			return errors.Join(shutdown...)
		}
		limit := min(free, d.opts.Batch)
		batch, err := d.claim(ctx, limit)
		if err != nil && ctx.Err() == nil {
			d.log.Warn("webhook: claim deliveries", "err", err)
		}
		for _, dl := range batch {
			slots <- struct{}{} // never blocks: at most free were claimed
			wg.Go(func() {
				defer func() { <-slots }()
				if err := d.deliver(ctx, dl); err != nil {
					mu.Lock()
					shutdown = append(shutdown, err)
					mu.Unlock()
				}
			})
		}
		if err == nil && len(batch) == limit {
			continue // more may be due
		}
		timer.Reset(d.opts.PollInterval)
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-timer.C:
		}
	}
}

// claim leases up to limit due deliveries.
func (d *Dispatcher) claim(ctx context.Context, limit int) ([]plaza.WebhookDelivery, error) {
	var batch []plaza.WebhookDelivery
	err := d.opts.Store.Update(ctx, func(tx plaza.Tx) error {
		now := d.opts.Now()
		var err error
		batch, err = tx.ClaimWebhooks(ctx, now.UnixMilli(), now.Add(d.opts.Lease).UnixMilli(), limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	return batch, nil
}

// deliver makes one attempt at dl and records its outcome. It returns an
// error only when ctx ended and dl could not be handed back to the queue.
func (d *Dispatcher) deliver(ctx context.Context, dl plaza.WebhookDelivery) error {
	log := d.log.With("app", dl.AppID, "event", dl.Event, "id", dl.ID)
	cfg, found, err := d.app(ctx, dl.AppID)
	if err != nil {
		if ctx.Err() != nil {
			return d.release(ctx, dl)
		}
		// Not the receiver's fault: no attempt is counted, and the
		// delivery is claimed again when its lease ends.
		log.Warn("webhook: read app", "err", err)
		return nil
	}
	if !found || cfg.CallbackURL == "" {
		log.Info("webhook: delivery dropped: the app no longer takes callbacks")
		d.dropped.Add(1)
		d.record(ctx, log, func(tx plaza.Tx) error { return tx.DeleteWebhook(ctx, dl.ID) })
		return nil
	}

	err = d.attempt(ctx, cfg, dl)
	switch {
	case err == nil:
		d.delivered.Add(1)
		d.record(ctx, log, func(tx plaza.Tx) error { return tx.DeleteWebhook(ctx, dl.ID) })
		return nil
	case ctx.Err() != nil:
		return d.release(ctx, dl)
	}
	attempts := dl.Attempts + 1
	if attempts > len(d.opts.RetryDelays) {
		log.Error("webhook: delivery given up", "attempts", attempts, "err", err)
		d.givenUp.Add(1)
		d.record(ctx, log, func(tx plaza.Tx) error { return tx.DeleteWebhook(ctx, dl.ID) })
		return nil
	}
	d.failed.Add(1)
	delay := d.opts.RetryDelays[attempts-1]
	log.Info("webhook: attempt failed", "attempts", attempts, "retryIn", delay, "err", err)
	nextAt := d.opts.Now().Add(delay).UnixMilli()
	d.record(ctx, log, func(tx plaza.Tx) error {
		return tx.RetryWebhook(ctx, dl.ID, attempts, nextAt, err.Error())
	})
	return nil
}

// attempt POSTs dl to the app's callback URL; nil means a 2xx answer.
func (d *Dispatcher) attempt(ctx context.Context, cfg plaza.WebhookConfig, dl plaza.WebhookDelivery) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	req, err := newRequest(ctx, cfg.CallbackURL, cfg.Secret, strconv.FormatInt(dl.ID, 10), dl.Event, dl.Body, d.opts.Now())
	if err != nil {
		return err
	}
	resp, err := send(d.client, req, d.timeout)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes)) // the answer is delivered; a broken body does not undo it
	resp.Body.Close()
	return nil
}

// record writes an attempt's outcome in its own transaction, even when ctx
// has ended: a delivery that arrived must leave the queue. A failure is
// logged; the delivery is claimed again when its lease ends.
func (d *Dispatcher) record(ctx context.Context, log *slog.Logger, fn func(plaza.Tx) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	err := d.opts.Store.Update(ctx, fn)
	if err != nil && !errors.Is(err, plaza.ErrNotFound) { // not found: its app went, and the queue with it
		log.Warn("webhook: record attempt", "err", err)
	}
}

// release hands back a delivery whose attempt was cut short by ctx: due at
// once, its attempts unchanged.
func (d *Dispatcher) release(ctx context.Context, dl plaza.WebhookDelivery) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	return d.opts.Store.Update(ctx, func(tx plaza.Tx) error {
		return tx.RetryWebhook(ctx, dl.ID, dl.Attempts, d.opts.Now().UnixMilli(), dl.LastError)
	})
}

// app returns an app's webhook configuration, read at most appCacheTTL ago;
// found is false when the app no longer exists.
func (d *Dispatcher) app(ctx context.Context, appID string) (cfg plaza.WebhookConfig, found bool, err error) {
	now := d.opts.Now()
	d.mu.Lock()
	c, ok := d.apps[appID]
	d.mu.Unlock()
	if ok && now.Sub(c.at) < appCacheTTL && !now.Before(c.at) {
		return c.cfg, c.found, nil
	}
	app, err := d.opts.Store.App(ctx, appID)
	switch {
	case errors.Is(err, plaza.ErrNotFound):
		c = cachedApp{at: now}
	case err != nil:
		return plaza.WebhookConfig{}, false, err
	default:
		c = cachedApp{cfg: app.Webhook, found: true, at: now}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.apps) >= 1024 {
		for id, old := range d.apps {
			if now.Sub(old.at) >= appCacheTTL {
				delete(d.apps, id)
			}
		}
	}
	d.apps[appID] = c
	return c.cfg, c.found, nil
}
