package twitchconduits

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The catalogue, subscribing by type names (a missing condition field, an
// unknown type, a version Twitch withdrew, a version the type does not have)
// and the synced view as subscriptions come and go, including a revocation
// received by the client's own listener — against tc-mock.

var testUser = map[string]string{"broadcaster_user_id": "1001", "moderator_user_id": "1002", "extra": "dropped"}

func TestCatalogue(t *testing.T) {
	types := Catalogue()
	if len(types) != 79 {
		t.Fatalf("%d types", len(types))
	}
	var follow *EventType
	for i := range types {
		if types[i].Name == "channel.follow" {
			follow = &types[i]
		}
	}
	if follow == nil || follow.Version != "2" || !follow.Newest || follow.Authorizer != "moderator" ||
		!reflect.DeepEqual(follow.Required, []string{"broadcaster_user_id", "moderator_user_id"}) ||
		!follow.Allows("conduit") || follow.Allows("carrier-pigeon") {
		t.Fatalf("channel.follow: %+v", follow)
	}
	if n := len(CatalogueVersions()); n <= len(types) {
		t.Errorf("%d versions for %d types", n, len(types))
	}
	raid, err := LookupEventType("channel.raid", "")
	if err != nil || !reflect.DeepEqual(raid.OneOf, [][]string{{"from_broadcaster_user_id", "to_broadcaster_user_id"}}) {
		t.Errorf("channel.raid: %+v %v", raid, err)
	}
	drop, _ := LookupEventType("drop.entitlement.grant", "")
	if string(drop.CreateBodyExtra) != `{"is_batching_enabled":true}` {
		t.Errorf("drop.entitlement.grant extra: %s", drop.CreateBodyExtra)
	}
	for _, w := range WithdrawnEventTypes() {
		if w.Status != "withdrawn" || w.ReplacedBy == "" {
			t.Errorf("withdrawn: %+v", w)
		}
	}
	if len(strings.Split(CatalogueSnapshot(), "-")) != 3 {
		t.Errorf("snapshot %q", CatalogueSnapshot())
	}
}

func TestCatalogueLookupErrors(t *testing.T) {
	old, err := LookupEventType("channel.follow", "1") // needs a newer version
	if !errors.Is(err, ErrGone) || !strings.Contains(err.Error(), "use version 2") || old.Status != "withdrawn" {
		t.Errorf("channel.follow@1: %+v %v", old, err)
	}
	if _, err := LookupEventType("channel.chat.message", "2"); !errors.Is(err, ErrNotFound) ||
		!strings.Contains(err.Error(), "versions: 1") {
		t.Errorf("channel.chat.message@2: %v", err)
	}
	if _, err := LookupEventType("no.such.type", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("no.such.type: %v", err)
	}
	if _, err := LookupEventType("", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty name: %v", err)
	}
	if e, err := LookupEventType("automod.message.hold", "1"); err != nil || e.Newest {
		t.Errorf("automod.message.hold@1: %+v %v", e, err)
	}
}

func mockStat(t *testing.T, name string) int {
	t.Helper()
	resp, err := http.Get(mockURL + "/_mock/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]interface{}
	_ = json.NewDecoder(resp.Body).Decode(&m)
	n, _ := m[name].(float64)
	return int(n)
}

func TestCreateByTypePerItemFailures(t *testing.T) {
	c := newTestClient(t)
	ctx := context.Background()
	cd, err := c.CreateConduit(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	types := []string{"channel.follow", "stream.online", "channel.chat.message", "no.such.type", "channel.follow@1",
		"channel.chat.message@2", "channel.raid", "automod.message.hold@1"}
	b, err := c.CreateSubscriptionsByType(ctx, cd.ID, types, testUser, &BatchOptions{Concurrency: 2})
	if !errors.Is(err, ErrPartial) || b == nil {
		t.Fatalf("err %v batch %v", err, b)
	}
	want := []Outcome{OutcomeCreated, OutcomeCreated, OutcomeFailed, OutcomeFailed, OutcomeFailed, OutcomeFailed,
		OutcomeFailed, OutcomeCreated}
	for i, it := range b.Items {
		if it.Outcome != want[i] {
			t.Errorf("item %d (%s): %s %v", i, types[i], it.Outcome, it.Err)
		}
	}
	var cond map[string]string
	_ = json.Unmarshal(b.Items[0].Subscription.Condition, &cond)
	if b.Items[0].Subscription.Version != "2" ||
		!reflect.DeepEqual(cond, map[string]string{"broadcaster_user_id": "1001", "moderator_user_id": "1002"}) {
		t.Errorf("channel.follow: %+v", b.Items[0].Subscription)
	}
	failures := []struct {
		i    int
		is   error
		text string
	}{{2, ErrInvalid, "user_id"}, {3, ErrNotFound, "no.such.type"}, {4, ErrGone, "use version 2"},
		{5, ErrNotFound, "versions: 1"}, {6, ErrInvalid, "to_broadcaster_user_id"}}
	for _, f := range failures {
		it := b.Items[f.i]
		if !errors.Is(it.Err, f.is) || !strings.Contains(it.Message, f.text) {
			t.Errorf("item %d (%s): %v", f.i, types[f.i], it.Err)
		}
	}
	if n := mockStat(t, "subscriptions_created"); n != 3 { // the failed items were never sent
		t.Errorf("created at the mock: %d", n)
	}
	again, _ := c.CreateSubscriptionsByType(ctx, cd.ID, types, testUser, nil)
	if again.Items[0].Outcome != OutcomeExisted || again.Items[7].Outcome != OutcomeExisted {
		t.Errorf("second run: %+v", again.Items)
	}
	if _, err := c.CreateSubscriptionsByType(ctx, cd.ID, []string{"stream.online", ""}, testUser, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty name: %v", err)
	}
	if _, err := c.CreateSubscriptionsByType(ctx, cd.ID, []string{"a\x00b"}, testUser, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("NUL in a name: %v", err)
	}
	if b, err := c.CreateSubscriptionsByType(ctx, cd.ID, []string{"a\nb"}, testUser, nil); !errors.Is(err, ErrPartial) ||
		b.Items[0].Outcome != OutcomeFailed || !errors.Is(b.Items[0].Err, ErrNotFound) {
		t.Errorf("newline in a name (an unknown type): %v %+v", err, b)
	}
	if _, err := c.CreateSubscriptionsByType(ctx, "", []string{"stream.online"}, testUser, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("no conduit: %v", err)
	}
	if b, err := c.CreateSubscriptionsByType(ctx, cd.ID, nil, nil, nil); err != nil || len(b.Items) != 0 {
		t.Errorf("no types: %v %v", b, err)
	}
}

func TestCreateFillableSubscriptions(t *testing.T) {
	c := newTestClient(t)
	ctx := context.Background()
	cd, _ := c.CreateConduit(ctx, 1)
	ids := map[string]string{"broadcaster_user_id": "7", "moderator_user_id": "7", "user_id": "7"}
	var want []string
	for _, e := range Catalogue() {
		fits := len(e.OneOf) == 0
		for _, k := range e.Required {
			_, ok := ids[k]
			fits = fits && ok
		}
		if fits {
			want = append(want, e.Name)
		}
	}
	b, err := c.CreateFillableSubscriptions(ctx, cd.ID, ids, nil)
	if err != nil || len(want) < 60 || b.Count(OutcomeCreated) != len(want) {
		t.Fatalf("err %v: %d created, %d expected", err, b.Count(OutcomeCreated), len(want))
	}
	var got []string
	for _, it := range b.Items {
		got = append(got, it.Subscription.Type)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("types:\n%v\n%v", got, want)
	}
}

// changeLog records OnViewChange's calls.
type changeLog struct {
	mu  sync.Mutex
	got []string
}

func (l *changeLog) add(ch ViewChange, id string) {
	l.mu.Lock()
	l.got = append(l.got, ch.String()+" "+id)
	l.mu.Unlock()
}

func (l *changeLog) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, g := range l.got {
		if g == s {
			return true
		}
	}
	return false
}

func (l *changeLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.got)
}

func TestViewFollowsChangesAndRevocations(t *testing.T) {
	c := newTestClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	view := c.View()
	if view.Synced() || view.Count(ViewQuery{}) != 0 {
		t.Fatal("synced before Sync")
	}
	if _, err := view.Subscriptions(ViewQuery{}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "tc_conduits_sync") {
		t.Fatalf("before Sync: %v", err)
	}

	var revoked sync.WaitGroup
	revoked.Add(1)
	var once sync.Once
	l, err := c.Listen(ListenerConfig{OnEvent: func(m *WebhookMessage) {
		if m.Kind == KindRevocation {
			once.Do(revoked.Done)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "s3cr3t-for-tests-0123"
	if err := l.AddRoute("shard0", secret); err != nil {
		t.Fatal(err)
	}
	cd, _ := c.CreateConduit(ctx, 1)
	if _, err := c.UpdateShards(ctx, cd.ID, []ShardAssignment{{ID: "0", Callback: l.BaseURL() + "shard0", Secret: secret}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the shard's challenge answered", func() bool {
		ss, err := c.Shards(ctx, cd.ID, "enabled")
		return err == nil && len(ss) == 1
	})
	if _, err := c.CreateSubscriptionsByType(ctx, cd.ID, []string{"stream.online", "channel.follow"}, testUser, nil); err != nil {
		t.Fatal(err)
	}

	var log changeLog
	if err := c.OnViewChange(log.add); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); err != nil || !view.Synced() {
		t.Fatalf("Sync: %v", err)
	}
	waitFor(t, 10*time.Second, "the sync reported", func() bool { return log.has("synced ") })
	if cs, err := view.Conduits(); err != nil || len(cs) != 1 || cs[0].ID != cd.ID {
		t.Errorf("conduits: %v %v", cs, err)
	}
	if ss, err := view.Shards(cd.ID); err != nil || len(ss) != 1 || ss[0].Status != "enabled" || ss[0].Transport.Method != "webhook" {
		t.Errorf("shards: %+v %v", ss, err)
	}
	if _, err := view.Shards("no-such-conduit"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown conduit: %v", err)
	}
	counts := []struct {
		q    ViewQuery
		want int
	}{{ViewQuery{ConduitID: cd.ID}, 2}, {ViewQuery{UserID: "1001"}, 2}, {ViewQuery{UserID: "1002"}, 1},
		{ViewQuery{UserID: "1002", Type: "stream.online"}, 0}, {ViewQuery{Type: "channel.follow", Status: "enabled"}, 1},
		{ViewQuery{ConduitID: "other-conduit"}, 0}}
	for _, q := range counts {
		if n := view.Count(q.q); n != q.want {
			t.Errorf("%+v: %d, want %d", q.q, n, q.want)
		}
	}
	online, _ := view.Subscriptions(ViewQuery{Type: "stream.online"})
	if len(online) != 1 || online[0].UserID != "1001" || online[0].Transport.ConduitID != cd.ID {
		t.Fatalf("stream.online: %+v", online)
	}

	added, _ := c.CreateSubscriptionsByType(ctx, cd.ID, []string{"stream.offline"}, testUser, nil)
	if view.Count(ViewQuery{}) != 3 {
		t.Errorf("after a create: %d", view.Count(ViewQuery{}))
	}
	waitFor(t, 10*time.Second, "the addition reported", func() bool {
		return log.has("subscription_added " + added.Items[0].Subscription.ID)
	})

	// A revocation, received by the client's listener.
	if st, m := mock(t, "/_mock/deliver", map[string]interface{}{"subscription_id": online[0].ID, "kind": "revocation",
		"reason": "authorization_revoked", "wait": true}); st != 200 || m["delivered"] != true {
		t.Fatalf("deliver: %d %v", st, m)
	}
	revoked.Wait()
	waitFor(t, 10*time.Second, "the revocation in the view", func() bool {
		return view.Count(ViewQuery{Status: "authorization_revoked"}) == 1
	})
	waitFor(t, 10*time.Second, "the revocation reported", func() bool {
		return log.has("subscription_status " + online[0].ID)
	})
	twitch, _ := c.Subscriptions(ctx, SubscriptionFilter{})
	mine, _ := view.Subscriptions(ViewQuery{})
	statuses := func(subs []Subscription) map[string]string {
		m := map[string]string{}
		for _, s := range subs {
			m[s.ID] = s.Status
		}
		return m
	}
	if !reflect.DeepEqual(statuses(twitch), statuses(mine)) {
		t.Errorf("view %v, Twitch %v", statuses(mine), statuses(twitch))
	}

	if b, err := c.CleanupSubscriptions(ctx, cd.ID, false, nil); err != nil || b.Count(OutcomeDeleted) != 1 {
		t.Fatalf("cleanup: %v", err)
	}
	if n := view.Count(ViewQuery{}); n != 2 {
		t.Errorf("after cleanup: %d", n)
	}
	l.Close()
	if err := c.DeleteConduit(ctx, cd.ID); err != nil {
		t.Fatal(err)
	}
	if cs, _ := view.Conduits(); len(cs) != 0 {
		t.Errorf("conduits after delete: %v", cs)
	}
	if n := view.Count(ViewQuery{Status: "conduit_deleted"}); n != 2 {
		t.Errorf("conduit_deleted: %d", n)
	}
	waitFor(t, 10*time.Second, "the conduit's removal reported", func() bool { return log.has("conduit_removed " + cd.ID) })

	if err := c.OnViewChange(nil); err != nil {
		t.Fatal(err)
	}
	n := log.len()
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if log.len() != n { // the library no longer reports: nothing can arrive
		t.Errorf("changes after OnViewChange(nil): %v", log.got[n:])
	}
}

func TestStartAndClosedView(t *testing.T) {
	c := newTestClient(t)
	view, err := c.Start(context.Background())
	if err != nil || !view.Synced() || view.Count(ViewQuery{}) != 0 {
		t.Fatalf("Start: %v", err)
	}
	c.Close()
	if _, err := view.Subscriptions(ViewQuery{}); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if err := c.OnViewChange(func(ViewChange, string) {}); !errors.Is(err, ErrClosed) {
		t.Errorf("OnViewChange after Close: %v", err)
	}
}
