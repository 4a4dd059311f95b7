// Lists the conduits of the application in $TWITCH_CLIENT_ID and
// $TWITCH_CLIENT_SECRET ($TWITCH_API_BASE and $TWITCH_AUTH_BASE point it at
// tc-mock; unset, at Twitch). The README's "use from your module" program.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	tc "twitchconduits"
)

func run() error {
	c, err := tc.NewClient(tc.Config{ClientID: os.Getenv("TWITCH_CLIENT_ID"),
		ClientSecret: os.Getenv("TWITCH_CLIENT_SECRET"),
		APIBaseURL:   os.Getenv("TWITCH_API_BASE"), AuthBaseURL: os.Getenv("TWITCH_AUTH_BASE")})
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conduit, err := c.CreateConduit(ctx, 1)
	if err != nil {
		return err
	}
	conduits, err := c.Conduits(ctx)
	if err != nil {
		return err
	}
	fmt.Println("conduits:", len(conduits), "new:", conduit.ID)
	return c.DeleteConduit(ctx, conduit.ID)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "conduits:", err)
		os.Exit(1)
	}
}
