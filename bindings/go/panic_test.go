package twitchconduits

import (
	"bytes"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// panicLog is a PanicHandler that records what it is given.
type panicLog struct {
	mu     sync.Mutex
	values []string
	stacks []string
}

func (p *panicLog) handle(recovered any, stack []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.values = append(p.values, fmt.Sprint(recovered))
	p.stacks = append(p.stacks, string(stack))
}

// count is how many panics with value v were reported, and whether each of
// their stacks names the function that panicked (fn).
func (p *panicLog) count(v, fn string) (n int, stacksOK bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	stacksOK = true
	for i, got := range p.values {
		if got == v {
			n++
			stacksOK = stacksOK && strings.Contains(p.stacks[i], fn)
		}
	}
	return n, stacksOK
}

// capturePanics makes a panicLog the PanicHandler until the test ends.
func capturePanics(t *testing.T) *panicLog {
	p := &panicLog{}
	prev := SetPanicHandler(p.handle)
	t.Cleanup(func() { SetPanicHandler(prev) })
	return p
}

// waitPanics waits until n panics with value v were reported, each with a
// stack naming fn.
func waitPanics(t *testing.T, p *panicLog, v, fn string, n int) {
	t.Helper()
	waitFor(t, 10*time.Second, fmt.Sprintf("%d reported panic(s) %q", n, v), func() bool {
		got, _ := p.count(v, fn)
		return got >= n
	})
	if got, stacksOK := p.count(v, fn); got != n || !stacksOK {
		p.mu.Lock()
		defer p.mu.Unlock()
		t.Fatalf("want %d panic(s) %q with %s on the stack, got %q\n%s", n, v, fn, p.values, strings.Join(p.stacks, "\n"))
	}
}

// conduitWithSubscriptions creates a conduit whose one shard calls back
// callback, waits until the shard is enabled and subscribes n broadcasters.
func conduitWithSubscriptions(t *testing.T, c *Client, callback string, n int) []string {
	t.Helper()
	ctx, cancel := bg()
	defer cancel()
	cd, err := c.CreateConduit(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateShards(ctx, cd.ID, []ShardAssignment{{ID: "0", Callback: callback, Secret: shardSecret}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the shard enabled", func() bool {
		s, err := c.Shards(ctx, cd.ID, "enabled")
		return err == nil && len(s) == 1
	})
	var specs []SubscriptionSpec
	for i := 0; i < n; i++ {
		specs = append(specs, SubscriptionSpec{Type: "stream.online", Version: "1",
			Condition: map[string]string{"broadcaster_user_id": fmt.Sprint(1000 + i)}})
	}
	b, err := c.CreateSubscriptions(ctx, cd.ID, specs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range b.Items {
		ids = append(ids, it.Subscription.ID)
	}
	return ids
}

func deliver(t *testing.T, subscriptionID string) {
	t.Helper()
	if _, ans := mock(t, "/_mock/deliver", map[string]interface{}{"subscription_id": subscriptionID, "wait": true}); ans["delivered"] != true {
		t.Fatalf("delivery: %v", ans)
	}
}

// TestPanicInListenerReported: a panicking OnEvent is reported to the
// PanicHandler and the listener goes on delivering.
func TestPanicInListenerReported(t *testing.T) {
	p := capturePanics(t)
	c := newTestClient(t)
	var calls int32
	l, err := c.Listen(ListenerConfig{OnEvent: func(m *WebhookMessage) {
		if m.Kind == KindNotification && atomic.AddInt32(&calls, 1) == 1 {
			panic("listener boom")
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.AddRoute("r", shardSecret); err != nil {
		t.Fatal(err)
	}
	subs := conduitWithSubscriptions(t, c, l.BaseURL()+"r", 2)
	deliver(t, subs[0])
	waitPanics(t, p, "listener boom", "TestPanicInListenerReported", 1)
	deliver(t, subs[1])
	waitFor(t, 10*time.Second, "the event after the panic", func() bool { return atomic.LoadInt32(&calls) == 2 })
	ctx, cancel := bg()
	defer cancel()
	if _, err := c.Conduits(ctx); err != nil { // and the pump serves calls
		t.Fatal(err)
	}
}

// TestPanicInWebhookHandlerReported: a panicking onEvent of a
// WebhookHandler is reported, the request still acknowledged, and the next
// one handled.
func TestPanicInWebhookHandlerReported(t *testing.T) {
	p := capturePanics(t)
	c := newTestClient(t)
	var calls int32
	h := NewWebhookHandler(shardSecret, func(m *WebhookMessage) {
		atomic.AddInt32(&calls, 1)
		panic("handler boom")
	})
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	subs := conduitWithSubscriptions(t, c, srv.URL, 2)
	deliver(t, subs[0]) // acknowledged (2xx) despite the panic
	deliver(t, subs[1])
	waitPanics(t, p, "handler boom", "TestPanicInWebhookHandlerReported", 2)
	if n := atomic.LoadInt32(&calls); n != 2 {
		t.Errorf("onEvent called %d times", n)
	}
}

// TestPanicInViewChangeReported: a panicking OnViewChange function is
// reported and gets the changes that follow.
func TestPanicInViewChangeReported(t *testing.T) {
	p := capturePanics(t)
	c := newTestClient(t)
	ctx, cancel := bg()
	defer cancel()
	var log changeLog
	if err := c.OnViewChange(func(ch ViewChange, id string) {
		log.add(ch, id)
		if ch == ViewSynced {
			panic("view boom")
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	waitPanics(t, p, "view boom", "TestPanicInViewChangeReported", 1)
	cd, err := c.CreateConduit(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the change after the panic", func() bool { return log.has("conduit_added " + cd.ID) })
}

// TestPanicInProgressReported: a panicking Progress function is reported;
// the batch completes and the client goes on.
func TestPanicInProgressReported(t *testing.T) {
	p := capturePanics(t)
	c := newTestClient(t)
	ctx, cancel := bg()
	defer cancel()
	cd, err := c.CreateConduit(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var specs []SubscriptionSpec
	for _, u := range []string{"1", "2", "3", "4"} {
		specs = append(specs, SubscriptionSpec{Type: "stream.online", Version: "1",
			Condition: map[string]string{"broadcaster_user_id": u}})
	}
	var calls int32
	b, err := c.CreateSubscriptions(ctx, cd.ID, specs, &BatchOptions{Progress: func(done, total int) {
		atomic.AddInt32(&calls, 1)
		panic("progress boom")
	}})
	if err != nil || b.Count(OutcomeCreated) != len(specs) {
		t.Fatalf("batch after a panic: %v %+v", err, b)
	}
	n := int(atomic.LoadInt32(&calls))
	if n == 0 {
		t.Fatal("progress never reported")
	}
	waitPanics(t, p, "progress boom", "TestPanicInProgressReported", n)
	if _, err := c.Conduits(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestDefaultPanicHandler: without a handler a panic goes to standard error
// with its stack; SetPanicHandler returns what it replaces (LogPanic at
// first), nil restores LogPanic, and a handler that panics itself is
// reported by LogPanic instead of breaking the delivery.
func TestDefaultPanicHandler(t *testing.T) {
	prev := SetPanicHandler(nil)
	defer SetPanicHandler(prev)
	stderr := captureStderr(t, func() {
		callSafely(func(*WebhookMessage) { panic("default boom") }, &WebhookMessage{})
	})
	if !strings.Contains(stderr, "panic in a user callback (recovered): default boom") ||
		!strings.Contains(stderr, "TestDefaultPanicHandler") {
		t.Errorf("stderr: %q", stderr)
	}
	var p panicLog
	if old := SetPanicHandler(p.handle); fmt.Sprintf("%p", old) != fmt.Sprintf("%p", LogPanic) {
		t.Errorf("the default handler is not LogPanic")
	}
	SetPanicHandler(func(any, []byte) { panic("in the handler") })
	stderr = captureStderr(t, func() {
		callSafely(func(*WebhookMessage) { panic("outer boom") }, &WebhookMessage{})
	})
	if !strings.Contains(stderr, "in the handler") || !strings.Contains(stderr, "outer boom") {
		t.Errorf("a panicking handler: stderr %q", stderr)
	}
}

// captureStderr runs fn with os.Stderr redirected to a pipe and returns
// what was written.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	var buf bytes.Buffer
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&buf, r); close(copied) }()
	func() {
		defer func() { os.Stderr = saved }()
		fn()
	}()
	w.Close()
	<-copied
	r.Close()
	return buf.String()
}
