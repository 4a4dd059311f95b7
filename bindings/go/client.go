// Package twitchconduits is the Go binding of the twitchconduits C library:
// Twitch EventSub conduits, shards and subscriptions, and webhook events.
//
// Every Client method takes a context.Context first and blocks until the
// operation completes, the context ends (the operation is then cancelled in
// the library and ctx.Err() returned) or the client is closed (ErrCanceled).
// All methods are safe for concurrent use.
package twitchconduits

import (
	"context"
	"runtime"
	"runtime/cgo"
	"sync"
	"time"

	"twitchconduits/internal/tcswig"
)

// Client flags (TC_CONDUITS_F_*). The binding always adds the dispatch thread.
const (
	FlagNoPacing           = 1 << 1
	FlagAllowHTTPCallbacks = 1 << 2
	flagDispatchThread     = 1 << 0
)

// Config configures a Client. Zero values take the library's defaults.
type Config struct {
	ClientID     string
	ClientSecret string
	AppToken     string
	CallbackURL  string
	APIBaseURL   string // default https://api.twitch.tv/helix
	AuthBaseURL  string // default https://id.twitch.tv/oauth2
	CAFile       string

	ConnectTimeout     time.Duration
	RequestTimeout     time.Duration
	MaxAttempts        int
	BackoffBase        time.Duration
	BackoffMax         time.Duration
	RateLimitMaxWait   time.Duration
	MaxConcurrency     int
	MaxResponseBytes   int
	TokenRefreshMargin time.Duration
	// How often the token is validated with Twitch (Twitch asks for hourly);
	// 0 = every hour, negative = never.
	TokenValidateInterval time.Duration
	Flags                 int // FlagNoPacing, FlagAllowHTTPCallbacks
	RandomSeed            int64
	AllowHTTPCallbacks    bool // same as FlagAllowHTTPCallbacks
	DisableRatePacing     bool // same as FlagNoPacing
}

// Client manages conduits, shards and subscriptions of one application.
// Close it when done.
type Client struct {
	mu        sync.RWMutex
	cl        tcswig.Tcb_client // nil once closed
	listeners []*Listener
	viewWatch *viewWatcher   // OnViewChange's; nil when none
	watchers  []*viewWatcher // every one made: their handles live until Close
}

func init() { tcswig.SetNotifyHook(onNotify) }

// onNotify runs on the library's dispatch thread (or the thread closing the
// client) for every completed future; it owns the operation's reference.
func onNotify(f tcswig.Tcb_future) {
	defer tcswig.Tcb_future_release(f)
	tok := tcswig.Tcb_future_token(f)
	if tok == 0 {
		return
	}
	switch x := cgo.Handle(tok).Value().(type) {
	case chan struct{}:
		close(x)
	case *Listener:
		x.push(f)
	case *viewWatcher:
		x.push(f)
	}
}

// NewClient creates a client and its dispatch thread.
func NewClient(c Config) (*Client, error) {
	cfg := tcswig.Tcb_config_new()
	if cfg.Swigcptr() == 0 {
		return nil, newError(CodeNoMemory, "out of memory", 0)
	}
	defer tcswig.Tcb_config_free(cfg)
	flags := c.Flags | flagDispatchThread
	if c.AllowHTTPCallbacks {
		flags |= FlagAllowHTTPCallbacks
	}
	if c.DisableRatePacing {
		flags |= FlagNoPacing
	}
	strs := []struct{ k, v string }{
		{"client_id", c.ClientID}, {"client_secret", c.ClientSecret}, {"app_token", c.AppToken},
		{"callback_url", c.CallbackURL}, {"api_base_url", c.APIBaseURL},
		{"auth_base_url", c.AuthBaseURL}, {"ca_file", c.CAFile},
	}
	for _, s := range strs {
		if s.v == "" {
			continue
		}
		if st := tcswig.Tcb_config_set_string(cfg, s.k, s.v); st != 0 {
			return nil, newError(Code(st), "bad option "+s.k, 0)
		}
	}
	ms := func(d time.Duration) int64 { return int64(d / time.Millisecond) }
	ints := []struct {
		k string
		v int64
	}{
		{"connect_timeout_ms", ms(c.ConnectTimeout)}, {"request_timeout_ms", ms(c.RequestTimeout)},
		{"max_attempts", int64(c.MaxAttempts)}, {"backoff_base_ms", ms(c.BackoffBase)},
		{"backoff_max_ms", ms(c.BackoffMax)}, {"ratelimit_max_wait_ms", ms(c.RateLimitMaxWait)},
		{"max_concurrency", int64(c.MaxConcurrency)}, {"max_response_bytes", int64(c.MaxResponseBytes)},
		{"token_refresh_margin_s", int64(c.TokenRefreshMargin / time.Second)},
		{"random_seed", c.RandomSeed}, {"flags", int64(flags)},
		{"token_validate_interval_s", validateInterval(c.TokenValidateInterval)},
	}
	for _, i := range ints {
		if i.v == 0 && i.k != "flags" {
			continue
		}
		if st := tcswig.Tcb_config_set_int(cfg, i.k, i.v); st != 0 {
			return nil, newError(Code(st), "bad option "+i.k, 0)
		}
	}
	// The failure status is thread-local: read it on the same OS thread.
	runtime.LockOSThread()
	cl := tcswig.Tcb_client_new(cfg)
	var err error
	if cl.Swigcptr() == 0 {
		err = lastError()
	}
	runtime.UnlockOSThread()
	if err != nil {
		return nil, err
	}
	tcswig.Tcgo_install_notify(cl)
	return &Client{cl: cl}, nil
}

// Close stops the listeners, cancels pending operations (their calls return
// an error matching ErrCanceled) and frees the client. Idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	cl := c.cl
	c.cl = nil
	ls := c.listeners
	c.listeners = nil
	ws := c.watchers
	c.watchers = nil
	c.viewWatch = nil
	c.mu.Unlock()
	if cl == nil {
		return nil
	}
	for _, l := range ls {
		l.free()
	}
	tcswig.Tcb_client_free(cl) // pending operations complete (ECANCELED) first
	for _, l := range ls {
		l.finish() // no event can arrive any more
	}
	for _, w := range ws {
		w.stop() // what is queued is still delivered
		w.h.Delete()
	}
	return nil
}

// Pending is the number of operations submitted and not yet completed.
func (c *Client) Pending() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.cl == nil {
		return 0
	}
	return int(tcswig.Tcb_client_pending(c.cl))
}

// ProgressFunc receives a batch's progress (items done, items in total).
type ProgressFunc func(done, total int)

type submitFunc func(cl tcswig.Tcb_client, token uint64) tcswig.Tcb_future

// do submits one operation and waits for it. result, when not nil, reads the
// completed future (also on failure: partial results). Both references of the
// future and the handle are released exactly once before do returns.
func (c *Client) do(ctx context.Context, progress ProgressFunc, submit submitFunc,
	result func(f tcswig.Tcb_future)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan struct{})
	h := cgo.NewHandle(done)
	defer h.Delete()

	c.mu.RLock()
	if c.cl == nil {
		c.mu.RUnlock()
		return newError(CodeClosed, "the client is closed", 0)
	}
	f := submit(c.cl, uint64(h))
	c.mu.RUnlock()
	if f.Swigcptr() == 0 {
		return newError(CodeNoMemory, "out of memory", 0)
	}
	defer tcswig.Tcb_future_release(f)

	if tcswig.Tcb_future_op_id(f) != 0 { // refused submissions are never notified
		var tick <-chan time.Time
		if progress != nil {
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			tick = t.C
		}
	wait:
		for {
			select {
			case <-done:
				break wait
			case <-tick:
				reportProgress(f, progress)
			case <-ctx.Done():
				c.mu.RLock()
				if c.cl != nil {
					tcswig.Tcb_future_cancel(f)
				}
				c.mu.RUnlock()
				<-done // completes with ECANCELED (or already did)
				return ctx.Err()
			}
		}
		if progress != nil {
			reportProgress(f, progress)
		}
	}
	if result != nil {
		result(f)
	}
	return futureError(f)
}

func reportProgress(f tcswig.Tcb_future, progress ProgressFunc) {
	total := int(tcswig.Tcb_future_progress_total(f))
	if total > 0 {
		defer func() { _ = recover() }() // a user callback never breaks the wait
		progress(int(tcswig.Tcb_future_progress_done(f)), total)
	}
}

func futureError(f tcswig.Tcb_future) error {
	return statusError(int(tcswig.Tcb_future_status(f)), tcswig.Tcb_future_error(f),
		tcswig.Tcb_future_http_status(f))
}

// validateInterval maps the Config field to the C option: seconds, -1 = never.
func validateInterval(d time.Duration) int64 {
	if d < 0 {
		return -1
	}
	if d > 0 && d < time.Second {
		return 1
	}
	return int64(d / time.Second)
}
