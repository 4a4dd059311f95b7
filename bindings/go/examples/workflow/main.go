// The conduit workflow against Twitch (or tc-mock: -mock URL or $TC_MOCK_URL;
// the mock needs {"allow_http_callbacks":true} for the local listener).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	tc "twitchconduits"
)

// lockedWriter: the listener's callback prints from its own goroutine.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func run(ctx context.Context, base string, w io.Writer) error {
	out := &lockedWriter{w: w}
	c, err := tc.NewClient(tc.Config{ClientID: "mockclientid0123456789abcdefghij",
		ClientSecret: "mocksecret0123456789abcdefghijk", APIBaseURL: base + "/helix",
		AuthBaseURL: base + "/oauth2", AllowHTTPCallbacks: true})
	if err != nil {
		return err
	}
	defer c.Close()
	l, err := c.Listen(tc.ListenerConfig{OnEvent: func(m *tc.WebhookMessage) {
		fmt.Fprintln(out, "event:", m.Kind, m.SubscriptionType)
	}})
	if err != nil {
		return err
	}
	const secret = "example-secret-0123456789"
	if err := l.AddRoute("shard0", secret); err != nil {
		return err
	}
	if _, err := c.Token(ctx); err != nil {
		return err
	}
	conduit, err := c.CreateConduit(ctx, 1)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "conduit:", conduit.ID)
	results, err := c.UpdateShards(ctx, conduit.ID, []tc.ShardAssignment{
		{ID: "0", Callback: l.BaseURL() + "shard0", Secret: secret}})
	for _, r := range results { // on a partial failure, say which shard and why
		if r.Err != nil {
			err = fmt.Errorf("%w; shard %s: %v", err, r.ShardID, r.Err)
		}
	}
	if err != nil {
		return fmt.Errorf("update shards: %w", err)
	}
	specs := []tc.SubscriptionSpec{
		{Type: "stream.online", Version: "1", Condition: map[string]string{"broadcaster_user_id": "1337"}},
		{Type: "stream.offline", Version: "1", Condition: map[string]string{"broadcaster_user_id": "1337"}},
	}
	batch, err := c.CreateSubscriptions(ctx, conduit.ID, specs, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "created:", batch.Count(tc.OutcomeCreated))
	cleaned, err := c.CleanupSubscriptions(ctx, conduit.ID, false, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "cleaned up:", cleaned.Count(tc.OutcomeDeleted))
	return c.DeleteConduit(ctx, conduit.ID)
}

func main() {
	base := flag.String("mock", os.Getenv("TC_MOCK_URL"), "tc-mock URL, e.g. http://127.0.0.1:8080")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, *base, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "workflow:", err)
		os.Exit(1)
	}
	fmt.Println("done")
}
