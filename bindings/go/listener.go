package twitchconduits

import (
	"runtime"
	"runtime/cgo"
	"sync"

	"twitchconduits/internal/tcswig"
)

// ListenerConfig configures the library's embedded webhook listener.
type ListenerConfig struct {
	BindAddress   string // "" = 127.0.0.1
	Port          int    // 0 = a free port
	Prefix        string // "" = "/eventsub/"
	MaxBodyBytes  int    // 0 = 1 MiB
	ReportRejects bool   // also deliver rejected requests (Kind == KindRejected)
	// TLSCertFile and TLSKeyFile (PEM, both or neither) make it serve HTTPS.
	TLSCertFile string
	TLSKeyFile  string
	// OnEvent, when set, is called for each message on one goroutine of the
	// listener, in order (panics are recovered). Otherwise read Events().
	OnEvent func(*WebhookMessage)
}

// Listener is the library's HTTP server for webhook shards: each route
// (BaseURL()+key) verifies with its own secrets. Messages are delivered in
// order on Events() or to ListenerConfig.OnEvent.
type Listener struct {
	c       *Client
	l       tcswig.Tc_listener
	h       cgo.Handle
	onEvent func(*WebhookMessage)
	events  chan *WebhookMessage
	baseURL string

	fmu   sync.Mutex // guards l and freed
	freed bool       // the C listener is freed

	mu     sync.Mutex // guards the delivery queue
	cond   *sync.Cond
	queue  []*WebhookMessage
	closed bool          // no more deliveries
	stop   chan struct{} // closed with closed
	done   chan struct{} // closed when run returns
}

// Listen starts the embedded listener.
func (c *Client) Listen(cfg ListenerConfig) (*Listener, error) {
	l := &Listener{c: c, onEvent: cfg.OnEvent, events: make(chan *WebhookMessage),
		stop: make(chan struct{}), done: make(chan struct{})}
	l.cond = sync.NewCond(&l.mu)
	l.h = cgo.NewHandle(l)
	report := 0
	if cfg.ReportRejects {
		report = 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cl == nil {
		l.h.Delete()
		return nil, ErrClosed
	}
	runtime.LockOSThread()
	tl := tcswig.Tcb_listener_new(c.cl, cfg.BindAddress, cfg.Port, cfg.Prefix, int64(cfg.MaxBodyBytes), report,
		uint64(l.h), cfg.TLSCertFile, cfg.TLSKeyFile)
	var err error
	if tl.Swigcptr() == 0 {
		err = lastError()
	}
	runtime.UnlockOSThread()
	if err != nil {
		l.h.Delete()
		return nil, err
	}
	l.l = tl
	l.baseURL = tcswig.Tc_listener_base_url(tl)
	c.listeners = append(c.listeners, l)
	go l.run()
	return l, nil
}

// BaseURL is "http://<address>:<port><prefix>"; a route's callback is
// BaseURL() + key.
func (l *Listener) BaseURL() string { return l.baseURL }

// Port is the bound port.
func (l *Listener) Port() int {
	l.fmu.Lock()
	defer l.fmu.Unlock()
	if l.freed {
		return -1
	}
	return tcswig.Tc_listener_port(l.l)
}

func (l *Listener) call(fn func() tcswig.Enum_SS_tc_status, what string) error {
	l.fmu.Lock()
	defer l.fmu.Unlock()
	if l.freed {
		return ErrClosed
	}
	return statusError(int(fn()), what, 0)
}

// AddRoute serves key (1..64 of A-Z a-z 0-9 - _) verifying with secret.
func (l *Listener) AddRoute(key, secret string) error {
	return l.call(func() tcswig.Enum_SS_tc_status { return tcswig.Tc_listener_add_route(l.l, key, secret) },
		"cannot add route "+key)
}

// RemoveRoute stops serving key (404 from now on).
func (l *Listener) RemoveRoute(key string) error {
	return l.call(func() tcswig.Enum_SS_tc_status { return tcswig.Tc_listener_remove_route(l.l, key) },
		"cannot remove route "+key)
}

// AddSecret also accepts secret on route key (rotation).
func (l *Listener) AddSecret(key, secret string) error {
	return l.call(func() tcswig.Enum_SS_tc_status { return tcswig.Tc_listener_add_secret(l.l, key, secret) },
		"cannot add secret")
}

// Events delivers the messages when no OnEvent callback was given. It is
// closed after Close.
func (l *Listener) Events() <-chan *WebhookMessage { return l.events }

// Close stops listening and delivering. Idempotent.
func (l *Listener) Close() error {
	l.free()
	l.stopDelivery()
	<-l.done
	return nil
}

func (l *Listener) stopDelivery() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		l.queue = nil
		close(l.stop)
		l.cond.Broadcast()
	}
	l.mu.Unlock()
}

// free stops the C listener (the client may still deliver queued events).
// Not under l.mu: freeing waits for in-flight requests, which may push.
func (l *Listener) free() {
	l.fmu.Lock()
	defer l.fmu.Unlock()
	if !l.freed {
		l.freed = true
		tcswig.Tc_listener_free(l.l)
	}
}

// finish runs once the client is freed: no event can arrive any more.
func (l *Listener) finish() {
	l.stopDelivery()
	<-l.done
	l.h.Delete()
}

// push runs on the library's dispatch thread: copy and queue, never block.
func (l *Listener) push(f tcswig.Tcb_future) {
	m := tcswig.Tcb_future_message(f)
	if m.Swigcptr() == 0 {
		return
	}
	msg := messageFrom(m)
	msg.RouteKey = tcswig.Tcb_future_route_key(f)
	l.mu.Lock()
	if !l.closed {
		l.queue = append(l.queue, msg)
		l.cond.Signal()
	}
	l.mu.Unlock()
}

// run delivers queued messages in order until closed.
func (l *Listener) run() {
	defer close(l.done)
	defer close(l.events)
	for {
		l.mu.Lock()
		for len(l.queue) == 0 && !l.closed {
			l.cond.Wait()
		}
		if l.closed {
			l.mu.Unlock()
			return
		}
		msg := l.queue[0]
		l.queue = l.queue[1:]
		l.mu.Unlock()
		if l.onEvent != nil {
			callSafely(l.onEvent, msg)
			continue
		}
		select {
		case l.events <- msg:
		case <-l.stop:
			return
		}
	}
}
