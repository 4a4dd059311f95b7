package twitchconduits

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const shardSecret = "s3cretsecret0123456789"

func bg() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 20*time.Second)
}

func TestToken(t *testing.T) {
	c := newTestClient(t)
	ctx, cancel := bg()
	defer cancel()
	tok, err := c.Token(ctx)
	if err != nil || tok.AccessToken == "" || tok.ClientID != mockClientID || tok.ExpiresAt.IsZero() {
		t.Fatalf("Token: %+v, %v", tok, err)
	}
	v, err := c.ValidateToken(ctx)
	if err != nil || !v.Validated {
		t.Fatalf("ValidateToken: %+v, %v", v, err)
	}
	if err := c.RevokeToken(ctx); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
}

func TestBadCredentials(t *testing.T) {
	resetMock(t)
	cfg := testConfig()
	cfg.ClientSecret = "wrongsecret0123456789abcdefghij"
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := bg()
	defer cancel()
	_, err = c.Token(ctx)
	var e *Error
	if !errors.Is(err, ErrAuth) || !errors.As(err, &e) || e.Name != "EAUTH" {
		t.Fatalf("want ErrAuth, got %v", err)
	}
	if _, err := NewClient(Config{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("NewClient without client id: want ErrInvalid, got %v", err)
	}
}

func TestNotFound(t *testing.T) {
	c := newTestClient(t)
	ctx, cancel := bg()
	defer cancel()
	err := c.DeleteConduit(ctx, "no-such-conduit")
	var e *Error
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &e) || e.HTTPStatus != 404 {
		t.Fatalf("want ErrNotFound/404, got %v", err)
	}
	if _, err := c.Shards(ctx, "no-such-conduit", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Shards: want ErrNotFound, got %v", err)
	}
}

func TestPartialShardFailure(t *testing.T) {
	c := newTestClient(t)
	ctx, cancel := bg()
	defer cancel()
	cd, err := c.CreateConduit(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.UpdateShards(ctx, cd.ID, []ShardAssignment{
		{ID: "0", Callback: "https://example.com/cb", Secret: shardSecret},
		{ID: "9", Callback: "https://example.com/cb", Secret: shardSecret},
	})
	if !errors.Is(err, ErrPartial) || len(res) != 2 {
		t.Fatalf("want ErrPartial with 2 results, got %v %+v", err, res)
	}
	if res[0].Err != nil || res[0].Shard == nil || res[0].Shard.ID != "0" {
		t.Errorf("shard 0: %+v", res[0])
	}
	if !errors.Is(res[1].Err, ErrBadRequest) || res[1].Code != "invalid_parameter" || res[1].Shard != nil {
		t.Errorf("shard 9: %+v", res[1])
	}
}

func TestRequest(t *testing.T) {
	c := newTestClient(t)
	ctx, cancel := bg()
	defer cancel()
	if _, err := c.CreateConduit(ctx, 1); err != nil {
		t.Fatal(err)
	}
	r, err := c.Request(ctx, "GET", "/eventsub/conduits", nil, nil)
	if err != nil || r.HTTPStatus != 200 || r.Header("Ratelimit-Limit") == "" {
		t.Fatalf("Request: %+v %v", r, err)
	}
	var body struct{ Data []Conduit }
	if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Data) != 1 {
		t.Fatalf("body %s: %v", r.Body, err)
	}
	r, err = c.Request(ctx, "GET", "/eventsub/conduits/shards", nil, nil)
	if !errors.Is(err, ErrBadRequest) || r == nil || r.HTTPStatus != 400 {
		t.Fatalf("missing conduit_id: %+v %v", r, err)
	}
}

// TestWorkflow: conduit, a webhook shard enabled through this binding's
// http.Handler, bulk subscriptions, a signed and a tampered delivery,
// cleanup, delete.
func TestWorkflow(t *testing.T) {
	c := newTestClient(t)
	ctx, cancel := bg()
	defer cancel()

	events := make(chan *WebhookMessage, 10)
	h := NewWebhookHandler(shardSecret, func(m *WebhookMessage) { events <- m })
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()

	cd, err := c.CreateConduit(ctx, 1)
	if err != nil || cd.ShardCount != 1 {
		t.Fatalf("CreateConduit: %+v %v", cd, err)
	}
	if _, err := c.UpdateShards(ctx, cd.ID, []ShardAssignment{{ID: "0", Callback: srv.URL + "/cb", Secret: shardSecret}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "shard enabled", func() bool {
		s, err := c.Shards(ctx, cd.ID, "enabled")
		return err == nil && len(s) == 1
	})

	specs := []SubscriptionSpec{
		{Type: "stream.online", Version: "1", Condition: map[string]string{"broadcaster_user_id": "1001"}},
		{Type: "stream.offline", Version: "1", Condition: map[string]string{"broadcaster_user_id": "1001"}},
		{Type: "stream.online", Version: "1", Condition: map[string]string{"broadcaster_user_id": "1001"}},
		{Type: "Not A Type", Version: "1", Condition: map[string]string{"broadcaster_user_id": "1001"}},
	}
	var progressCalls int32
	b, err := c.CreateSubscriptions(ctx, cd.ID, specs, &BatchOptions{Concurrency: 1,
		Progress: func(done, total int) { atomic.AddInt32(&progressCalls, 1) }})
	if !errors.Is(err, ErrPartial) || b == nil || len(b.Items) != 4 {
		t.Fatalf("CreateSubscriptions: %+v %v", b, err)
	}
	want := []Outcome{OutcomeCreated, OutcomeCreated, OutcomeExisted, OutcomeFailed}
	for i, it := range b.Items {
		if it.Outcome != want[i] {
			t.Errorf("item %d: %s, want %s (%s)", i, it.Outcome, want[i], it.Message)
		}
	}
	if !errors.Is(b.Items[3].Err, ErrBadRequest) || b.Items[0].Subscription == nil || b.TotalCost != 2 {
		t.Errorf("items: %+v", b)
	}
	if atomic.LoadInt32(&progressCalls) == 0 {
		t.Errorf("progress never called")
	}
	subID := b.Items[0].Subscription.ID

	_, ans := mock(t, "/_mock/deliver", map[string]interface{}{"subscription_id": subID, "wait": true,
		"event": map[string]string{"broadcaster_user_id": "1001", "type": "live"}})
	if ans["delivered"] != true {
		t.Fatalf("deliver: %v", ans)
	}
	select {
	case m := <-events:
		var ev map[string]string
		_ = json.Unmarshal(m.Event, &ev)
		if m.Kind != KindNotification || m.SubscriptionType != "stream.online" || ev["type"] != "live" ||
			m.MessageID != ans["message_id"] {
			t.Errorf("event: %+v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}

	_, ans = mock(t, "/_mock/deliver", map[string]interface{}{"subscription_id": subID, "wait": true, "tamper": true})
	if ans["delivered"] != false || ans["http_status"] != float64(403) {
		t.Errorf("tampered delivery: %v", ans)
	}
	// A resend of the accepted message is answered but is a duplicate.
	_, ans2 := mock(t, "/_mock/deliver", map[string]interface{}{"subscription_id": subID, "wait": true})
	_, ans3 := mock(t, "/_mock/deliver", map[string]interface{}{"resend_of": ans2["message_id"], "wait": true})
	if ans3["delivered"] != true {
		t.Errorf("resend: %v", ans3)
	}
	<-events // ans2's message; the tampered one and the resend never arrive
	select {
	case m := <-events:
		t.Errorf("unexpected event %+v", m)
	default:
	}

	subs, err := c.Subscriptions(ctx, SubscriptionFilter{ConduitID: cd.ID})
	if err != nil || len(subs) != 2 {
		t.Fatalf("Subscriptions: %d %v", len(subs), err)
	}
	mock(t, "/_mock/subscriptions/status", map[string]string{"id": subID, "status": "authorization_revoked"})
	cb, err := c.CleanupSubscriptions(ctx, cd.ID, false, nil)
	if err != nil || cb.Count(OutcomeDeleted) != 1 {
		t.Fatalf("Cleanup: %+v %v", cb, err)
	}
	plan, err := c.ReconcileSubscriptions(ctx, cd.ID, specs[:1], true, nil)
	if err != nil || plan.Count(OutcomeToCreate) != 1 || plan.Count(OutcomeToDelete) != 1 {
		t.Fatalf("Reconcile dry run: %+v %v", plan, err)
	}
	if err := c.DeleteConduit(ctx, cd.ID); err != nil {
		t.Fatal(err)
	}
	if list, err := c.Conduits(ctx); err != nil || len(list) != 0 {
		t.Fatalf("Conduits after delete: %v %v", list, err)
	}
}

// TestListener: the library's embedded listener as the shard's endpoint.
func TestListener(t *testing.T) {
	c := newTestClient(t)
	ctx, cancel := bg()
	defer cancel()
	l, err := c.Listen(ListenerConfig{ReportRejects: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.AddRoute("shard0", shardSecret); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l.BaseURL(), "http://127.0.0.1:") || l.Port() <= 0 {
		t.Fatalf("BaseURL %q", l.BaseURL())
	}
	cd, err := c.CreateConduit(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateShards(ctx, cd.ID, []ShardAssignment{{ID: "0", Callback: l.BaseURL() + "shard0", Secret: shardSecret}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "shard enabled", func() bool {
		s, err := c.Shards(ctx, cd.ID, "enabled")
		return err == nil && len(s) == 1
	})
	b, err := c.CreateSubscriptions(ctx, cd.ID, []SubscriptionSpec{{Type: "channel.follow", Version: "2",
		Condition: map[string]string{"broadcaster_user_id": "7", "moderator_user_id": "7"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sub := b.Items[0].Subscription.ID
	var next func() *WebhookMessage
	next = func() *WebhookMessage {
		select {
		case m := <-l.Events():
			if m.Kind == KindVerification { // the shard's challenge
				return next()
			}
			return m
		case <-time.After(10 * time.Second):
			t.Fatal("no message from the listener")
			return nil
		}
	}
	_, ans := mock(t, "/_mock/deliver", map[string]interface{}{"subscription_id": sub, "wait": true})
	if m := next(); m.Kind != KindNotification || m.RouteKey != "shard0" || m.MessageID != ans["message_id"] {
		t.Errorf("notification: %+v", m)
	}
	mock(t, "/_mock/deliver", map[string]interface{}{"subscription_id": sub, "wait": true, "tamper": true})
	if m := next(); m.Kind != KindRejected || !errors.Is(m.Err, ErrSignature) {
		t.Errorf("tampered: %+v", m)
	}
	mock(t, "/_mock/deliver", map[string]interface{}{"subscription_id": sub, "wait": true, "kind": "revocation"})
	if m := next(); m.Kind != KindRevocation || m.RevocationReason != "authorization_revoked" {
		t.Errorf("revocation: %+v", m)
	}
}

func TestContextCancellation(t *testing.T) {
	c := newTestClient(t)
	if _, err := c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	mock(t, "/_mock/config", map[string]interface{}{"latency_ms": 3000})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.CreateConduit(ctx, 1)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("want DeadlineExceeded quickly, got %v after %v", err, time.Since(start))
	}
	// The future completed (ECANCELED) before the call returned; the
	// library forgets the operation right after its callback.
	waitFor(t, 2*time.Second, "no pending operation", func() bool { return c.Pending() == 0 })
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := c.Conduits(ctx2); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestClosePending(t *testing.T) {
	resetMock(t)
	c, err := NewClient(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	mock(t, "/_mock/config", map[string]interface{}{"latency_ms": 5000})
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = c.Conduits(context.Background())
		}(i)
	}
	waitFor(t, 5*time.Second, "pending operations", func() bool { return c.Pending() == n })
	start := time.Now()
	c.Close()
	wg.Wait()
	if time.Since(start) > 3*time.Second {
		t.Errorf("Close took %v", time.Since(start))
	}
	for i, err := range errs {
		if !errors.Is(err, ErrCanceled) {
			t.Errorf("call %d: want ErrCanceled, got %v", i, err)
		}
	}
	if _, err := c.Conduits(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: want ErrClosed, got %v", err)
	}
	c.Close()
	waitFor(t, 5*time.Second, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}
