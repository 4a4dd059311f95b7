package twitchconduits

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"

	"twitchconduits/internal/tcswig"
)

// The synced view (tc_conduits_sync + tc_view_*): the application's
// conduits, their shards and every subscription, held in memory by the
// library and kept current from the client's own calls and the events its
// listener receives. Queries read it directly (no request to Twitch) and are
// safe from any goroutine. It goes stale when something else changes
// Twitch's state (another process, the console, missed events): Sync again.

// ViewChange says what changed in the view (tc_view_change).
type ViewChange int

// View changes; the id given with each is the subscription or conduit id
// ("" for ViewSynced, "CONDUIT_ID/SHARD_ID" for ViewShardStatus).
const (
	ViewSynced              ViewChange = 0
	ViewSubscriptionAdded   ViewChange = 1
	ViewSubscriptionRemoved ViewChange = 2
	ViewSubscriptionStatus  ViewChange = 3 // a revocation
	ViewConduitAdded        ViewChange = 4
	ViewConduitRemoved      ViewChange = 5
	ViewConduitUpdated      ViewChange = 6
	ViewShardStatus         ViewChange = 7
)

// String is the library's name of the change ("subscription_added"), from
// tc_view_change_name().
func (v ViewChange) String() string {
	if n := tcswig.Tc_view_change_name(tcswig.Enum_SS_tc_view_change(v)); n != "" {
		return n
	}
	return "unknown"
}

// ViewQuery selects subscriptions of the view; an empty field matches all.
// UserID matches a subscription whose condition names that user
// (broadcaster, user, moderator, from/to broadcaster).
type ViewQuery struct {
	ConduitID, UserID, Type, Status string
}

// View queries the client's synced view (see Client.Sync).
type View struct{ c *Client }

// Sync loads (or re-loads) the synced view: the conduits, each conduit's
// shards and every subscription. A failed load leaves the view as it was.
func (c *Client) Sync(ctx context.Context) error {
	return c.do(ctx, nil, tcswig.Tc_conduits_sync, nil)
}

// Start is the original start(): the token, then the synced view.
func (c *Client) Start(ctx context.Context) (*View, error) {
	if _, err := c.Token(ctx); err != nil {
		return nil, err
	}
	if err := c.Sync(ctx); err != nil {
		return nil, err
	}
	return c.View(), nil
}

// View returns the queries of the synced view.
func (c *Client) View() *View { return &View{c: c} }

// query runs fn on the manager, holding the client open, on one OS thread
// so that the library's error message is this call's.
func (v *View) query(fn func(m tcswig.Tc_conduits) int) error {
	v.c.mu.RLock()
	defer v.c.mu.RUnlock()
	if v.c.m == nil {
		return ErrClosed
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if st := fn(v.c.m); st != 0 {
		return newError(Code(st), tcswig.Tc_last_error_message(), 0)
	}
	return nil
}

// Synced reports whether a sync has completed.
func (v *View) Synced() bool {
	synced := false
	_ = v.query(func(m tcswig.Tc_conduits) int {
		synced = tcswig.Tc_view_is_synced(m) == 1
		return 0
	})
	return synced
}

func newViewQuery(q ViewQuery) tcswig.Tc_view_query {
	cq := tcswig.NewTc_view_query()
	if cq.Swigcptr() != 0 {
		cq.SetConduit_id(q.ConduitID)
		cq.SetUser_id(q.UserID)
		cq.SetXtype(q.Type)
		cq.SetStatus(q.Status)
	}
	return cq
}

// Subscriptions returns the matching subscriptions, oldest first (an error
// matching ErrInvalid before the first Sync).
func (v *View) Subscriptions(q ViewQuery) ([]Subscription, error) {
	var out []Subscription
	err := v.query(func(m tcswig.Tc_conduits) int {
		cq := newViewQuery(q)
		if cq.Swigcptr() == 0 {
			return int(CodeNoMemory)
		}
		defer tcswig.DeleteTc_view_query(cq)
		handle := make([]uintptr, 1)
		if st := int(tcswig.Tc_view_subscriptions(handle, m, cq)); st != 0 {
			return st
		}
		list := tcswig.SwigcptrTc_subscription_list(handle[0])
		defer tcswig.Tc_subscription_list_free(list)
		out = make([]Subscription, tcswig.Tc_subscription_list_count(list))
		for i := range out {
			out[i] = subscriptionFrom(tcswig.Tc_subscription_list_get(list, int64(i)))
		}
		return 0
	})
	return out, err
}

// Count is how many subscriptions match (0 before the first Sync).
func (v *View) Count(q ViewQuery) int {
	n := 0
	_ = v.query(func(m tcswig.Tc_conduits) int {
		cq := newViewQuery(q)
		if cq.Swigcptr() == 0 {
			return int(CodeNoMemory)
		}
		defer tcswig.DeleteTc_view_query(cq)
		n = int(tcswig.Tc_view_count(m, cq))
		return 0
	})
	return n
}

// Conduits returns the view's conduits.
func (v *View) Conduits() ([]Conduit, error) {
	var out []Conduit
	err := v.query(func(m tcswig.Tc_conduits) int {
		handle := make([]uintptr, 1)
		if st := int(tcswig.Tc_view_conduits(handle, m)); st != 0 {
			return st
		}
		list := tcswig.SwigcptrTc_conduit_list(handle[0])
		defer tcswig.Tc_conduit_list_free(list)
		out = conduitsFrom(list)
		return 0
	})
	return out, err
}

// Shards returns a conduit's shards (ErrNotFound when the view has no such
// conduit). Webhook secrets are never known.
func (v *View) Shards(conduitID string) ([]Shard, error) {
	var out []Shard
	err := v.query(func(m tcswig.Tc_conduits) int {
		handle := make([]uintptr, 1)
		if st := int(tcswig.Tc_view_shards(handle, m, conduitID)); st != 0 {
			return st
		}
		list := tcswig.SwigcptrTc_shard_list(handle[0])
		defer tcswig.Tc_shard_list_free(list)
		out = shardsFrom(list)
		return 0
	})
	return out, err
}

func transportFrom(t tcswig.Tc_transport) Transport {
	if t.Swigcptr() == 0 {
		return Transport{}
	}
	return Transport{Method: tcswig.Tc_transport_method_name(t), Callback: tcswig.Tc_transport_callback(t),
		SessionID: tcswig.Tc_transport_session_id(t), ConnectedAt: tcswig.Tc_transport_connected_at(t),
		DisconnectedAt: tcswig.Tc_transport_disconnected_at(t), ConduitID: tcswig.Tc_transport_conduit_id(t)}
}

func subscriptionFrom(s tcswig.Tc_subscription) Subscription {
	out := Subscription{ID: tcswig.Tc_subscription_id(s), Status: tcswig.Tc_subscription_status(s),
		Type: tcswig.Tc_subscription_type(s), Version: tcswig.Tc_subscription_version(s),
		CreatedAt: tcswig.Tc_subscription_created_at(s), Cost: tcswig.Tc_subscription_cost(s),
		Transport: transportFrom(tcswig.Tc_subscription_transport(s)), UserID: tcswig.Tc_subscription_user_id(s)}
	if cond := tcswig.Tc_subscription_condition(s); cond != "" {
		out.Condition = json.RawMessage(cond)
	}
	return out
}

// viewWatcher delivers view changes to the OnViewChange function, in
// order, on its own goroutine (never on the pump, so the function may call
// the client). It is the route of the changes' token.
type viewWatcher struct {
	fn      func(ViewChange, string)
	token   uintptr
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []viewEvent
	stopped bool
	done    chan struct{}
}

type viewEvent struct {
	change ViewChange
	id     string
}

func (w *viewWatcher) deliver(done tcswig.Tc_completion, _ tcswig.Enum_SS_tc_completion_kind) {
	ev := viewEvent{ViewChange(tcswig.Tc_completion_view_change(done)), tcswig.Tc_completion_view_id(done)}
	tcswig.Tc_completion_free(done)
	w.mu.Lock()
	if !w.stopped {
		w.queue = append(w.queue, ev)
		w.cond.Signal()
	}
	w.mu.Unlock()
}

func (w *viewWatcher) abandon()      { w.stop() }
func (w *viewWatcher) lasting() bool { return true }

func (w *viewWatcher) run() {
	defer close(w.done)
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && !w.stopped {
			w.cond.Wait()
		}
		if len(w.queue) == 0 {
			w.mu.Unlock()
			return
		}
		ev := w.queue[0]
		w.queue = w.queue[1:]
		w.mu.Unlock()
		func() {
			defer recoverUserPanic() // a panicking callback does not stop the deliveries
			w.fn(ev.change, ev.id)
		}()
	}
}

// stop delivers what is queued, then ends the goroutine.
func (w *viewWatcher) stop() {
	w.mu.Lock()
	w.stopped = true
	w.cond.Signal()
	w.mu.Unlock()
}

// OnViewChange calls fn(change, id) after each change of the view, in
// order, on a goroutine of its own; nil stops. One function per client;
// Close delivers what is queued and stops. A panic in fn is recovered and
// reported to the PanicHandler (SetPanicHandler); the deliveries go on.
func (c *Client) OnViewChange(fn func(change ViewChange, id string)) error {
	var w *viewWatcher
	if fn != nil {
		w = &viewWatcher{fn: fn, done: make(chan struct{})}
		w.cond = sync.NewCond(&w.mu)
		w.token = c.register(w)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fail := func(err error) error {
		if w != nil {
			c.unregister(w.token)
		}
		return err
	}
	if c.m == nil {
		return fail(ErrClosed)
	}
	enable, token := 0, uintptr(0)
	if w != nil {
		enable, token = 1, w.token
	}
	if err := callC(func() tcswig.Enum_SS_tc_status { return tcswig.Tc_view_pull_changes(c.m, enable, token) }); err != nil {
		return fail(err)
	}
	if old := c.viewWatch; old != nil {
		c.unregister(old.token) // changes still queued for it are dropped by the pump
		old.stop()
	}
	if w != nil {
		c.startBackgroundPump() // changes come whether or not a call waits
		go w.run()
	}
	c.viewWatch = w
	return nil
}
