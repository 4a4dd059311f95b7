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
	"sync"
	"time"

	"twitchconduits/internal/tcswig"
)

// Client flags (TC_CONDUITS_F_*).
const (
	FlagNoPacing           = 1 << 1
	FlagAllowHTTPCallbacks = 1 << 2
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
//
// Every operation is submitted in the pull form of the C API (no callback)
// with a token of its own as userdata. Completions are taken with
// tc_conduits_next() and handed to the route registered under their token
// (a waiting call, a listing, a listener, the view watcher) by whichever
// goroutine holds the pump token: a call that waits takes it when it is
// free and pumps until its own completion arrives, so a lone call needs no
// hand-off between threads; a background goroutine pumps for listeners and
// the view watcher (see pump.go).
type Client struct {
	mu sync.RWMutex       // guards m against Close
	m  tcswig.Tc_conduits // nil once closed

	routesMu  sync.Mutex
	routes    map[uintptr]route
	nextToken uintptr

	queue      tcswig.Tc_conduits // the manager, for the pump token's holder; freed by Close
	pumpTok    chan struct{}      // holds the token while nobody pumps
	pumpInfo   []uint64           // tcgo_next's out-parameter (4 elements), for the token's holder
	stopping   int32              // atomic: Close wants the token back for good
	closed     chan struct{}      // closed by Close, after the manager is freed
	background sync.Once          // starts the background pump
	listeners  []*Listener
	viewWatch  *viewWatcher
}

// route receives the completions carrying one token. deliver runs on the
// goroutine that pumps and must not block; the route frees the completion.
// abandon runs once, when the client closes with the route still present.
// A lasting route (a listener, the view watcher) keeps its token after a
// final completion: its events are each final; an operation's route ends
// with its final completion.
type route interface {
	deliver(done tcswig.Tc_completion, kind tcswig.Enum_SS_tc_completion_kind)
	abandon()
	lasting() bool
}

// NewClient creates a client.
func NewClient(c Config) (*Client, error) {
	o := tcswig.NewTc_conduits_options()
	if o.Swigcptr() == 0 {
		return nil, newError(CodeNoMemory, "out of memory", 0)
	}
	defer tcswig.DeleteTc_conduits_options(o)
	flags := c.Flags
	if c.AllowHTTPCallbacks {
		flags |= FlagAllowHTTPCallbacks
	}
	if c.DisableRatePacing {
		flags |= FlagNoPacing
	}
	ms := func(d time.Duration) int64 { return int64(d / time.Millisecond) }
	for _, v := range []int64{ms(c.ConnectTimeout), ms(c.RequestTimeout), int64(c.MaxAttempts), ms(c.BackoffBase),
		ms(c.BackoffMax), ms(c.RateLimitMaxWait), int64(c.MaxConcurrency), int64(c.MaxResponseBytes),
		int64(c.TokenRefreshMargin), int64(flags)} {
		if v < 0 {
			return nil, newError(CodeInvalid, "a negative option in Config", 0)
		}
	}
	o.SetClient_id(c.ClientID)
	o.SetClient_secret(c.ClientSecret)
	o.SetApp_token(c.AppToken)
	o.SetCallback_url(c.CallbackURL)
	o.SetApi_base_url(c.APIBaseURL)
	o.SetAuth_base_url(c.AuthBaseURL)
	o.SetCa_file(c.CAFile)
	o.SetConnect_timeout_ms(ms(c.ConnectTimeout))
	o.SetRequest_timeout_ms(ms(c.RequestTimeout))
	o.SetMax_attempts(c.MaxAttempts)
	o.SetBackoff_base_ms(ms(c.BackoffBase))
	o.SetBackoff_max_ms(ms(c.BackoffMax))
	o.SetRatelimit_max_wait_ms(ms(c.RateLimitMaxWait))
	o.SetMax_concurrency(c.MaxConcurrency)
	o.SetMax_response_bytes(int64(c.MaxResponseBytes))
	o.SetToken_refresh_margin_s(int64(c.TokenRefreshMargin / time.Second))
	o.SetToken_validate_interval_s(validateInterval(c.TokenValidateInterval))
	o.SetFlags(uint(flags))
	o.SetRandom_seed(uint64(c.RandomSeed))

	out := make([]uintptr, 1)
	if err := callC(func() tcswig.Enum_SS_tc_status { return tcswig.Tc_conduits_new(out, o) }); err != nil {
		return nil, err
	}
	cl := &Client{m: tcswig.SwigcptrTc_conduits(out[0]), routes: map[uintptr]route{},
		pumpTok: make(chan struct{}, 1), pumpInfo: make([]uint64, 4), closed: make(chan struct{})}
	cl.queue = cl.m
	cl.pumpTok <- struct{}{}
	return cl, nil
}

// register gives r a fresh token.
func (c *Client) register(r route) uintptr {
	c.routesMu.Lock()
	defer c.routesMu.Unlock()
	c.nextToken++
	c.routes[c.nextToken] = r
	return c.nextToken
}

func (c *Client) unregister(token uintptr) {
	c.routesMu.Lock()
	delete(c.routes, token)
	c.routesMu.Unlock()
}

// Close stops the listeners, cancels pending operations (their calls return
// an error matching ErrCanceled) and frees the client. Idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	m := c.m
	c.m = nil
	ls := c.listeners
	c.listeners = nil
	w := c.viewWatch
	c.viewWatch = nil
	c.mu.Unlock()
	if m == nil {
		return nil
	}
	for _, l := range ls {
		l.free()
	}
	c.takePumpForGood()
	tcswig.Tc_conduits_free(m) // pending operations end; nobody takes their completions
	close(c.closed)
	c.routesMu.Lock()
	rs := c.routes
	c.routes = map[uintptr]route{}
	c.routesMu.Unlock()
	for _, r := range rs {
		r.abandon() // waiting calls return ErrCanceled, listeners and the watcher end
	}
	for _, l := range ls {
		l.finish()
	}
	if w != nil {
		w.stop()
	}
	return nil
}

// Pending is the number of operations submitted and not yet completed.
func (c *Client) Pending() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.m == nil {
		return 0
	}
	return int(tcswig.Tc_conduits_pending(c.m))
}

// ProgressFunc receives a batch's progress (items done, items in total).
type ProgressFunc func(done, total int)

// submitFunc submits one operation in the pull form (the C order: id_out,
// the manager, arguments, userdata): id receives its id,
// token is its userdata.
type submitFunc func(id []uint64, m tcswig.Tc_conduits, token uintptr) tcswig.Enum_SS_tc_status

// call is the route of one waiting call: its final completion, and the
// latest progress report when asked for.
type call struct {
	done     chan tcswig.Tc_completion // the final completion; 0 when the client closed
	progress chan [2]int               // the latest (done, total), when wanted
}

func (w *call) deliver(done tcswig.Tc_completion, kind tcswig.Enum_SS_tc_completion_kind) {
	if kind == tcswig.TC_COMPLETION_PROGRESS {
		var d, t int64
		tcswig.Tc_completion_progress(done, &d, &t)
		tcswig.Tc_completion_free(done)
		if w.progress != nil {
			latest(w.progress, [2]int{int(d), int(t)})
		}
		return
	}
	w.done <- done // buffered for the one final completion
}

func (w *call) abandon()      { w.done <- tcswig.SwigcptrTc_completion(0) }
func (w *call) lasting() bool { return false }

// latest replaces what ch (capacity 1, one sender) holds with v.
func latest(ch chan [2]int, v [2]int) {
	select {
	case ch <- v:
	default:
		select {
		case <-ch:
		default:
		}
		ch <- v
	}
}

// submit registers r under a new token and submits the operation; the
// returned error is the refusal (the route is then removed).
func (c *Client) submit(r route, submit submitFunc) (token uintptr, id uint64, err error) {
	token = c.register(r)
	var ids [1]uint64
	c.mu.RLock()
	if c.m == nil {
		c.mu.RUnlock()
		c.unregister(token)
		return 0, 0, newError(CodeClosed, "the client is closed", 0)
	}
	m := c.m
	err = callC(func() tcswig.Enum_SS_tc_status { return submit(ids[:], m, token) })
	c.mu.RUnlock()
	if err != nil {
		c.unregister(token)
		return 0, 0, err
	}
	return token, ids[0], nil
}

// cancel asks the library to end operation id (it then completes with
// TC_ECANCELED, unless it already completed).
func (c *Client) cancel(id uint64) {
	c.mu.RLock()
	if c.m != nil {
		tcswig.Tc_conduits_cancel(c.m, id)
	}
	c.mu.RUnlock()
}

// do submits one operation and waits for it. result, when not nil, reads
// the final completion (also on failure: partial results) before it is
// freed.
func (c *Client) do(ctx context.Context, progress ProgressFunc, submit submitFunc,
	result func(done tcswig.Tc_completion)) error {
	return c.doTake(ctx, progress, submit, func(done tcswig.Tc_completion) error {
		defer tcswig.Tc_completion_free(done)
		if result != nil {
			result(done)
		}
		return completionError(done)
	})
}

// doTake submits one operation and waits for it; take receives its final
// completion, frees it and says how the call ended.
func (c *Client) doTake(ctx context.Context, progress ProgressFunc, submit submitFunc,
	take func(done tcswig.Tc_completion) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &call{done: make(chan tcswig.Tc_completion, 1)}
	var progressCh <-chan [2]int
	if progress != nil {
		ch := make(chan [2]int, 1)
		w.progress, progressCh = ch, ch
	}
	_, id, err := c.submit(w, submit)
	if err != nil {
		return err
	}
	var done tcswig.Tc_completion
	canceled := false
	ctxDone := ctx.Done()
	idle := func() bool { return len(w.done) == 0 && len(progressCh) == 0 && (canceled || ctx.Err() == nil) }
wait:
	for {
		select {
		case done = <-w.done:
			break wait
		case p := <-progressCh:
			reportProgress(progress, p)
		case <-ctxDone:
			canceled, ctxDone = true, nil
			c.cancel(id) // then wait for its completion (TC_ECANCELED, or what came first)
		case <-c.pumpTok:
			c.pumpWhile(idle)
		}
	}
	if progress != nil {
		select {
		case p := <-progressCh:
			reportProgress(progress, p)
		default:
		}
	}
	if done.Swigcptr() == 0 {
		return newError(CodeCanceled, "the client was closed", 0)
	}
	if canceled {
		tcswig.Tc_completion_free(done)
		return ctx.Err()
	}
	return take(done)
}

func reportProgress(progress ProgressFunc, p [2]int) {
	if p[1] > 0 {
		defer recoverUserPanic() // a user callback never breaks the wait
		progress(p[0], p[1])
	}
}

func completionError(done tcswig.Tc_completion) error {
	st := int(tcswig.Tc_completion_status(done))
	if st == 0 {
		return nil
	}
	return newError(Code(st), tcswig.Tc_completion_message(done), tcswig.Tc_completion_http_status(done))
}

// callC runs a C call that reports failure through its status and the
// thread-local message, on one OS thread so that the message is its own.
func callC(fn func() tcswig.Enum_SS_tc_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if st := fn(); st != tcswig.TC_OK {
		return newError(Code(st), tcswig.Tc_last_error_message(), 0)
	}
	return nil
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
