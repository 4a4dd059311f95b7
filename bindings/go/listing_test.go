package twitchconduits

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Listings come page by page (the pull form's TC_COMPLETION_PAGE), and the
// failure paths of the pull form: a refused submission fails at once, a
// closed client cancels, bad arguments never reach C.

// pagedConduit makes a conduit with n subscriptions and a mock serving
// `page` of them per page.
func pagedConduit(t *testing.T, c *Client, n, page int) *Conduit {
	t.Helper()
	ctx, cancel := bg()
	defer cancel()
	cd, err := c.CreateConduit(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	specs := make([]SubscriptionSpec, n)
	for i := range specs {
		specs[i] = SubscriptionSpec{Type: "stream.online", Version: "1",
			Condition: map[string]string{"broadcaster_user_id": fmt.Sprint(5000 + i)}}
	}
	if _, err := c.CreateSubscriptions(ctx, cd.ID, specs, nil); err != nil {
		t.Fatal(err)
	}
	mock(t, "/_mock/config", map[string]interface{}{"page_size": page})
	t.Cleanup(func() { mock(t, "/_mock/config", map[string]interface{}{"page_size": 100}) })
	mock(t, "/_mock/reset_stats", map[string]interface{}{})
	return cd
}

func TestIterateSubscriptionsIsLazy(t *testing.T) {
	c := newTestClient(t)
	cd := pagedConduit(t, c, 25, 5)
	ctx, cancel := bg()
	defer cancel()

	it := c.IterateSubscriptions(ctx, SubscriptionFilter{ConduitID: cd.ID})
	defer it.Close()
	if !it.Next() {
		t.Fatalf("no first item: %v", it.Err())
	}
	// The first page and at most one prefetched page; no more while this
	// page is held.
	waitFor(t, 5*time.Second, "the prefetch", func() bool { return mockStat(t, "helix_requests") >= 2 })
	time.Sleep(200 * time.Millisecond)
	if n := mockStat(t, "helix_requests"); n != 2 {
		t.Fatalf("%d list requests while the first page is read, want 2", n)
	}
	seen := map[string]bool{it.Subscription().ID: true}
	for it.Next() {
		s := it.Subscription()
		if seen[s.ID] || s.Type != "stream.online" || !strings.Contains(string(s.Condition), "broadcaster_user_id") {
			t.Fatalf("item %+v (duplicate: %v)", s, seen[s.ID])
		}
		seen[s.ID] = true
	}
	if it.Err() != nil || len(seen) != 25 {
		t.Fatalf("%d items, err %v", len(seen), it.Err())
	}
	if total, _, _ := it.Totals(); total != 25 {
		t.Errorf("total %d", total)
	}
	if n := mockStat(t, "helix_requests"); n < 5 || n > 6 { // 5 full pages, maybe an empty last one
		t.Errorf("%d list requests for 5 pages", n)
	}
	all, err := c.Subscriptions(ctx, SubscriptionFilter{ConduitID: cd.ID})
	if err != nil || len(all) != 25 {
		t.Errorf("Subscriptions: %d, %v", len(all), err)
	}
}

func TestIterateSubscriptionsStopsEarly(t *testing.T) {
	c := newTestClient(t)
	cd := pagedConduit(t, c, 12, 3)
	ctx, cancel := bg()
	defer cancel()

	it := c.IterateSubscriptions(ctx, SubscriptionFilter{ConduitID: cd.ID})
	if !it.Next() {
		t.Fatalf("no first item: %v", it.Err())
	}
	it.Close() // cancels the listing and waits for its end
	it.Close()
	if it.Next() || it.Err() != nil {
		t.Errorf("after Close: Next true or err %v", it.Err())
	}
	waitFor(t, 5*time.Second, "no pending operation", func() bool { return c.Pending() == 0 })
	if n := mockStat(t, "helix_requests"); n > 2 {
		t.Errorf("%d list requests for a listing closed on its first page", n)
	}

	// A context that ends stops the listing with its error.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	it = c.IterateSubscriptions(ctx2, SubscriptionFilter{ConduitID: cd.ID})
	defer it.Close()
	n := 0
	for it.Next() {
		if n++; n == 1 {
			cancel2()
		}
	}
	if !errors.Is(it.Err(), context.Canceled) || n > 6 {
		t.Errorf("after cancel: %d items, err %v", n, it.Err())
	}
	waitFor(t, 5*time.Second, "no pending operation", func() bool { return c.Pending() == 0 })

	// A refused listing (two filters) fails at once.
	it = c.IterateSubscriptions(ctx, SubscriptionFilter{ConduitID: cd.ID, Type: "stream.online"})
	if it.Next() || !errors.Is(it.Err(), ErrInvalid) {
		t.Errorf("two filters: %v", it.Err())
	}
	it.Close()
}

func TestListingWhenClosed(t *testing.T) {
	resetMock(t)
	c, err := NewClient(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	cd := pagedConduit(t, c, 4, 2)
	ctx, cancel := bg()
	defer cancel()
	mock(t, "/_mock/config", map[string]interface{}{"latency_ms": 3000})
	it := c.IterateSubscriptions(ctx, SubscriptionFilter{ConduitID: cd.ID})
	defer it.Close()
	waitFor(t, 5*time.Second, "the listing to be pending", func() bool { return c.Pending() == 1 })
	c.Close()
	if it.Next() || !errors.Is(it.Err(), ErrCanceled) {
		t.Errorf("listing of a closed client: %v", it.Err())
	}
	it = c.IterateSubscriptions(ctx, SubscriptionFilter{})
	if it.Next() || !errors.Is(it.Err(), ErrClosed) {
		t.Errorf("listing after Close: %v", it.Err())
	}
}

func TestRefusedAtSubmission(t *testing.T) {
	c := newTestClient(t)
	ctx, cancel := bg()
	defer cancel()
	start := time.Now()
	var e *Error
	if err := c.DeleteConduit(ctx, ""); !errors.Is(err, ErrInvalid) || !errors.As(err, &e) ||
		!strings.Contains(e.Message, "conduit_id") {
		t.Errorf("DeleteConduit(\"\"): %v", err)
	}
	if _, err := c.CreateSubscriptions(ctx, "", []SubscriptionSpec{{Type: "stream.online", Version: "1"}}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("CreateSubscriptions without a conduit: %v", err)
	}
	if _, err := c.CreateSubscriptions(ctx, "c", []SubscriptionSpec{{Type: "a\x00b", Version: "1"}}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("a NUL in a type: %v", err)
	}
	if _, err := c.UpdateShards(ctx, "c", []ShardAssignment{{ID: "0", Callback: "not a url", Secret: shardSecret}}); !errors.Is(err, ErrInvalid) ||
		!strings.Contains(err.Error(), "shard 0") {
		t.Errorf("bad callback: %v", err)
	}
	if _, err := c.UpdateShards(ctx, "c", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("no assignments: %v", err)
	}
	if _, err := c.Request(ctx, "BREW", "/x", nil, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown method: %v", err)
	}
	if _, err := c.CreateSubscriptionsByType(ctx, "c", []string{""}, nil, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty type name: %v", err)
	}
	if time.Since(start) > 2*time.Second || mockStat(t, "helix_requests") != 0 || c.Pending() != 0 {
		t.Errorf("refused submissions took %v, sent %d requests, left %d pending", time.Since(start),
			mockStat(t, "helix_requests"), c.Pending())
	}
}

func TestRequestQueryAndHeaders(t *testing.T) {
	c := newTestClient(t)
	ctx, cancel := bg()
	defer cancel()
	cd, err := c.CreateConduit(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Request(ctx, "GET", "/eventsub/conduits/shards", map[string][]string{"conduit_id": {cd.ID},
		"status": {"enabled"}}, nil)
	if err != nil || r.HTTPStatus != 200 || !strings.Contains(string(r.Body), `"data":[]`) ||
		r.Header("content-type") == "" {
		t.Fatalf("query: %+v %v %s", r, err, r.Body)
	}
	r, err = c.Request(ctx, "PATCH", "/eventsub/conduits", nil, []byte(fmt.Sprintf(`{"id":%q,"shard_count":5}`, cd.ID)))
	if err != nil || !strings.Contains(string(r.Body), `"shard_count":5`) {
		t.Fatalf("body: %+v %v", r, err)
	}
}

func TestCodeNames(t *testing.T) {
	if CodeNotFound.Name() != "ENOTFOUND" || CodeOK.Name() != "OK" || Code(-999).Name() != "E-999" {
		t.Errorf("names: %s %s %s", CodeNotFound.Name(), CodeOK.Name(), Code(-999).Name())
	}
	if ViewSubscriptionAdded.String() != "subscription_added" || ViewChange(99).String() != "unknown" {
		t.Errorf("view change names")
	}
}

// TestRequestReadsEverything: a Request's answer comes from C in one call
// into a pooled buffer; an answer larger than the buffer, an error answer's
// message, a path longer than tcgo_request's stack copy, and the argument
// checks.
func TestRequestReadsEverything(t *testing.T) {
	c := newTestClient(t)
	ctx, cancel := bg()
	defer cancel()
	cd, err := c.CreateConduit(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var specs []SubscriptionSpec
	for i := 0; i < 40; i++ {
		specs = append(specs, SubscriptionSpec{Type: "stream.online", Version: "1",
			Condition: map[string]string{"broadcaster_user_id": fmt.Sprint(5000 + i)}})
	}
	if _, err := c.CreateSubscriptions(ctx, cd.ID, specs, nil); err != nil {
		t.Fatal(err)
	}
	r, err := c.Request(ctx, "get", "/eventsub/subscriptions", nil, nil)
	if err != nil || r.HTTPStatus != 200 || r.Attempts != 1 || r.Elapsed <= 0 || r.Message != "" {
		t.Fatalf("listing: %+v %v", r, err)
	}
	var page struct {
		Data []json.RawMessage
	}
	if len(r.Body) <= 4096 || json.Unmarshal(r.Body, &page) != nil || len(page.Data) != 40 {
		t.Fatalf("a %d-byte body with %d subscriptions", len(r.Body), len(page.Data))
	}
	if r.Header("Content-Type") != "application/json" || r.Header("Ratelimit-Remaining") == "" || r.Header("Retry-After") != "" {
		t.Errorf("headers: %q %q %q", r.Header("Content-Type"), r.Header("Ratelimit-Remaining"), r.Header("Retry-After"))
	}
	r, err = c.Request(ctx, "GET", "/eventsub/"+strings.Repeat("x", 300), nil, nil)
	var e *Error
	if !errors.As(err, &e) || e.HTTPStatus != 404 || r == nil || r.HTTPStatus != 404 || r.Message == "" {
		t.Fatalf("a long unknown path: %+v %v", r, err)
	}
	if _, err := c.Request(ctx, "FETCH", "/x", nil, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown method: %v", err)
	}
	if _, err := c.Request(ctx, "POST", "/x", nil, []byte("a\x00b")); !errors.Is(err, ErrInvalid) {
		t.Errorf("a NUL in the body: %v", err)
	}
	if _, err := c.Request(ctx, "GET", "/x", map[string][]string{"a\x00": {"b"}}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("a NUL in the query: %v", err)
	}
}
