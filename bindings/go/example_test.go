package twitchconduits_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	tc "twitchconduits"
)

// The README's webhook snippet, run: an unsigned request is refused.
func ExampleNewWebhookHandler() {
	const secret0 = "s3cretsecret0123456789"
	h := tc.NewWebhookHandler(secret0, func(m *tc.WebhookMessage) { /* notification or revocation */ })
	http.Handle("/eventsub/shard0", h) // answers challenges, 403 on bad signatures, 204 on events
	rec := httptest.NewRecorder()
	http.DefaultServeMux.ServeHTTP(rec, httptest.NewRequest("POST", "/eventsub/shard0", strings.NewReader("{}")))
	fmt.Println(rec.Code)
	// Output: 403
}
