// The original library's start() + create_subscriptions(types, condition)
// flow, in Go, against tc-mock (-mock URL or $TC_MOCK_URL). Exits 1, saying
// why, when anything fails.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	tc "twitchconduits"
)

func run(ctx context.Context, base string, out io.Writer) error {
	// ---- the flow ----
	c, err := tc.NewClient(tc.Config{ClientID: "mockclientid0123456789abcdefghij",
		ClientSecret: "mocksecret0123456789abcdefghijk", APIBaseURL: base + "/helix", AuthBaseURL: base + "/oauth2"})
	if err != nil {
		return err
	}
	defer c.Close()
	conduit, err := c.CreateConduit(ctx, 1) // once per application
	if err != nil {
		return err
	}
	view, err := c.Start(ctx) // token, conduits, shards, subscriptions
	if err != nil {
		return err
	}
	batch, err := c.CreateSubscriptionsByType(ctx, conduit.ID,
		[]string{"channel.follow", "stream.online", "stream.offline", "channel.ban"},
		map[string]string{"broadcaster_user_id": "1337", "moderator_user_id": "1337"}, nil)
	mine, _ := view.Subscriptions(tc.ViewQuery{UserID: "1337"})
	// ---- end of the flow ----
	if batch != nil {
		var failed []string
		for _, it := range batch.Items {
			if it.Subscription != nil {
				fmt.Fprintf(out, "  %-8s %s\n", it.Outcome, it.Subscription.Type)
			} else {
				fmt.Fprintf(out, "  %-8s %s\n", it.Outcome, it.Message)
				failed = append(failed, it.Message)
			}
		}
		if errors.Is(err, tc.ErrPartial) {
			return fmt.Errorf("%w: %s", err, strings.Join(failed, "; "))
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "the view holds %d subscription(s) of user 1337\n", len(mine))
	if len(mine) != 4 {
		return fmt.Errorf("expected 4 subscriptions in the view, found %d", len(mine))
	}
	return nil
}

func main() {
	base := flag.String("mock", os.Getenv("TC_MOCK_URL"), "tc-mock URL, e.g. http://127.0.0.1:8080")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, *base, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "subscribe_user:", err)
		os.Exit(1)
	}
}
