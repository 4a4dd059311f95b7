package twitchconduits

import (
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
	// listener, in order (a panic is recovered and reported to the
	// PanicHandler, see SetPanicHandler). Otherwise read Events().
	OnEvent func(*WebhookMessage)
}

// Listener is the library's HTTP server for webhook shards: each route
// (BaseURL()+key) verifies with its own secrets. Messages are delivered in
// order on Events() or to ListenerConfig.OnEvent.
type Listener struct {
	c       *Client
	l       tcswig.Tc_listener
	token   uintptr // the events' userdata
	rejects bool    // deliver rejected requests too
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

// Listen starts the embedded listener. Its messages come through the
// client's completion queue (the pull form: no event callback in C).
func (c *Client) Listen(cfg ListenerConfig) (*Listener, error) {
	l := &Listener{c: c, onEvent: cfg.OnEvent, rejects: cfg.ReportRejects, events: make(chan *WebhookMessage),
		stop: make(chan struct{}), done: make(chan struct{})}
	l.cond = sync.NewCond(&l.mu)
	o := tcswig.NewTc_listener_options()
	if o.Swigcptr() == 0 {
		return nil, ErrNoMemory
	}
	defer tcswig.DeleteTc_listener_options(o)
	if cfg.Port < 0 || cfg.MaxBodyBytes < 0 {
		return nil, newError(CodeInvalid, "a negative port or body limit", 0)
	}
	o.SetBind_address(cfg.BindAddress)
	o.SetPort(cfg.Port)
	o.SetPath_prefix(cfg.Prefix)
	o.SetMax_body_bytes(int64(cfg.MaxBodyBytes))
	o.SetTls_cert_file(cfg.TLSCertFile)
	o.SetTls_key_file(cfg.TLSKeyFile)
	l.token = c.register(l)
	o.SetEvent_userdata(l.token)
	o.SetReject_userdata(l.token)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.unregister(l.token)
		return nil, ErrClosed
	}
	out := make([]uintptr, 1)
	if err := callC(func() tcswig.Enum_SS_tc_status { return tcswig.Tc_listener_new(out, c.m, o) }); err != nil {
		c.unregister(l.token)
		return nil, err
	}
	l.l = tcswig.SwigcptrTc_listener(out[0])
	l.baseURL = tcswig.Tc_listener_base_url(l.l)
	c.listeners = append(c.listeners, l)
	c.startBackgroundPump() // events come whether or not a call waits
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
	l.c.unregister(l.token) // events still queued for it are dropped by the pump
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
}

// deliver runs on the client's pump: convert, free and queue, never block.
func (l *Listener) deliver(done tcswig.Tc_completion, kind tcswig.Enum_SS_tc_completion_kind) {
	defer tcswig.Tc_completion_free(done)
	if kind == tcswig.TC_COMPLETION_REJECT && !l.rejects {
		return
	}
	m := tcswig.Tc_completion_event(done)
	if m.Swigcptr() == 0 || (kind != tcswig.TC_COMPLETION_EVENT && kind != tcswig.TC_COMPLETION_REJECT) {
		return
	}
	msg := messageFrom(m)
	msg.RouteKey = tcswig.Tc_completion_source(done)
	l.mu.Lock()
	if !l.closed {
		l.queue = append(l.queue, msg)
		l.cond.Signal()
	}
	l.mu.Unlock()
}

func (l *Listener) abandon()      {} // finish() ends the delivery
func (l *Listener) lasting() bool { return true }

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
