package twitchconduits

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"twitchconduits/internal/tcswig"
)

// Token is the application access token the client uses.
type Token struct {
	AccessToken string    `json:"-"`
	ClientID    string    `json:"client_id"`
	ExpiresAt   time.Time `json:"-"`
	Validated   bool      `json:"validated"`
	Login       string    `json:"login"`
	UserID      string    `json:"user_id"`
	Scopes      []string  `json:"scopes"`
}

// Conduit is an EventSub conduit.
type Conduit struct {
	ID         string `json:"id"`
	ShardCount int    `json:"shard_count"`
}

// Transport is a shard's or subscription's transport.
type Transport struct {
	Method         string `json:"method"`
	Callback       string `json:"callback,omitempty"`
	Secret         string `json:"secret,omitempty"` // only from CreateShard
	SessionID      string `json:"session_id,omitempty"`
	ConnectedAt    string `json:"connected_at,omitempty"`
	DisconnectedAt string `json:"disconnected_at,omitempty"`
	ConduitID      string `json:"conduit_id,omitempty"`
}

// Shard is one shard of a conduit.
type Shard struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Transport Transport `json:"transport"`
}

// ShardAssignment gives shard ID a webhook (Callback + Secret) or a
// websocket (SessionID) transport.
type ShardAssignment struct {
	ID        string
	Callback  string
	Secret    string
	SessionID string
}

// ShardResult is the outcome of one assignment of UpdateShards.
type ShardResult struct {
	ShardID string
	Err     error  // nil when the shard was updated
	Code    string // Twitch's per-shard code, e.g. "invalid_parameter"
	Shard   *Shard // the updated shard; nil when Err != nil
}

// Subscription is an EventSub subscription.
type Subscription struct {
	ID        string          `json:"id"`
	Status    string          `json:"status"`
	Type      string          `json:"type"`
	Version   string          `json:"version"`
	Condition json.RawMessage `json:"condition"`
	CreatedAt string          `json:"created_at"`
	Transport Transport       `json:"transport"`
	Cost      int             `json:"cost"`
	UserID    string          `json:"user_id"`
}

// SubscriptionSpec describes a subscription to create or keep.
type SubscriptionSpec struct {
	Type      string
	Version   string
	Condition map[string]string
}

// Outcome is what happened to one item of a batch.
type Outcome string

// Item outcomes (tc_item_outcome).
const (
	OutcomeCreated    Outcome = "created"
	OutcomeExisted    Outcome = "existed"
	OutcomeFailed     Outcome = "failed"
	OutcomeOverBudget Outcome = "over_budget"
	OutcomeCanceled   Outcome = "canceled"
	OutcomeDeleted    Outcome = "deleted"
	OutcomeGone       Outcome = "gone"
	OutcomeToCreate   Outcome = "to_create"
	OutcomeToDelete   Outcome = "to_delete"
)

// BatchItem is one item of a batch.
type BatchItem struct {
	Outcome      Outcome
	Err          error // nil unless the item failed
	Message      string
	Subscription *Subscription // nil when none
}

// Batch is the result of CreateSubscriptions, CleanupSubscriptions and
// ReconcileSubscriptions. Total* are Twitch's latest accounting (-1 if none).
type Batch struct {
	Items        []BatchItem
	Total        int64
	TotalCost    int64
	MaxTotalCost int64
}

// Count is how many items ended with outcome o.
func (b *Batch) Count(o Outcome) int {
	n := 0
	for _, it := range b.Items {
		if it.Outcome == o {
			n++
		}
	}
	return n
}

// BatchOptions tune a batch; nil means the defaults.
type BatchOptions struct {
	Concurrency int          // requests in flight; 0 = the library's default
	Progress    ProgressFunc // called on the calling goroutine; may be nil
}

// SubscriptionFilter selects subscriptions; at most one field may be set.
type SubscriptionFilter struct {
	Status, Type, UserID, SubscriptionID, ConduitID string
}

// Response is the answer to a generic Helix Request.
type Response struct {
	HTTPStatus int
	Body       []byte
	Attempts   int
	Message    string
	Elapsed    time.Duration
	header     map[string]string
}

// Header is a response header by case-insensitive name ("" when absent);
// the Ratelimit-* headers, Content-Type and Retry-After are kept.
func (r *Response) Header(name string) string { return r.header[strings.ToLower(name)] }

var keptHeaders = []string{"content-type", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after"}

func resultJSON(f tcswig.Tcb_future, includeSecret int, v interface{}) {
	_ = json.Unmarshal([]byte(tcswig.Tcb_future_result_json(f, includeSecret)), v)
}

func (c *Client) token(ctx context.Context, submit submitFunc) (*Token, error) {
	var t *Token
	err := c.do(ctx, nil, submit, func(f tcswig.Tcb_future) {
		o := tcswig.Tcb_future_token_obj(f)
		if o.Swigcptr() == 0 {
			return
		}
		t = &Token{}
		resultJSON(f, 0, t)
		t.AccessToken = tcswig.Tc_token_access_token(o)
		if at := tcswig.Tc_token_expires_at(o); at != 0 {
			t.ExpiresAt = time.Unix(at, 0)
		}
	})
	return t, err
}

// Token gets the app access token (cached by the library until it nears expiry).
func (c *Client) Token(ctx context.Context) (*Token, error) {
	return c.token(ctx, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_token_get(cl, 0, tok)
	})
}

// RefreshToken gets a new app access token even if the cached one is valid.
func (c *Client) RefreshToken(ctx context.Context) (*Token, error) {
	return c.token(ctx, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_token_get(cl, 1, tok)
	})
}

// ValidateToken validates the current token with Twitch.
func (c *Client) ValidateToken(ctx context.Context) (*Token, error) {
	return c.token(ctx, tcswig.Tcb_token_validate)
}

// RevokeToken revokes the current token.
func (c *Client) RevokeToken(ctx context.Context) error {
	return c.do(ctx, nil, tcswig.Tcb_token_revoke, nil)
}

// Conduits lists the application's conduits.
func (c *Client) Conduits(ctx context.Context) ([]Conduit, error) {
	var out []Conduit
	err := c.do(ctx, nil, tcswig.Tcb_conduits_list, func(f tcswig.Tcb_future) { resultJSON(f, 0, &out) })
	return out, err
}

func (c *Client) conduit(ctx context.Context, submit submitFunc) (*Conduit, error) {
	var out *Conduit
	err := c.do(ctx, nil, submit, func(f tcswig.Tcb_future) {
		if tcswig.Tcb_future_conduit(f).Swigcptr() != 0 {
			out = &Conduit{}
			resultJSON(f, 0, out)
		}
	})
	return out, err
}

// CreateConduit creates a conduit with shardCount shards.
func (c *Client) CreateConduit(ctx context.Context, shardCount int) (*Conduit, error) {
	return c.conduit(ctx, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_conduit_create(cl, shardCount, tok)
	})
}

// UpdateConduit resizes a conduit (shrinking drops the shards above the count).
func (c *Client) UpdateConduit(ctx context.Context, conduitID string, shardCount int) (*Conduit, error) {
	return c.conduit(ctx, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_conduit_update(cl, conduitID, shardCount, tok)
	})
}

// DeleteConduit deletes a conduit (ErrNotFound when unknown).
func (c *Client) DeleteConduit(ctx context.Context, conduitID string) error {
	return c.do(ctx, nil, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_conduit_delete(cl, conduitID, tok)
	}, nil)
}

// Shards lists a conduit's shards; status "" = all.
func (c *Client) Shards(ctx context.Context, conduitID, status string) ([]Shard, error) {
	var out []Shard
	err := c.do(ctx, nil, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_shards_list(cl, conduitID, status, tok)
	}, func(f tcswig.Tcb_future) { resultJSON(f, 0, &out) })
	return out, err
}

// UpdateShards assigns transports. The results are per shard, in order; when
// some failed the error matches ErrPartial and the results are still given.
func (c *Client) UpdateShards(ctx context.Context, conduitID string, as []ShardAssignment) ([]ShardResult, error) {
	a := tcswig.Tcb_assignments_new()
	defer tcswig.Tcb_assignments_free(a)
	for _, s := range as {
		var st tcswig.Enum_SS_tc_status
		if s.SessionID != "" {
			st = tcswig.Tcb_assignments_add_websocket(a, s.ID, s.SessionID)
		} else {
			st = tcswig.Tcb_assignments_add_webhook(a, s.ID, s.Callback, s.Secret)
		}
		if st != 0 {
			return nil, newError(Code(st), "bad assignment for shard "+s.ID, 0)
		}
	}
	var out []ShardResult
	err := c.do(ctx, nil, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_shard_update(cl, conduitID, a, tok)
	}, func(f tcswig.Tcb_future) {
		var raw struct {
			Items []struct {
				ShardID string `json:"shard_id"`
				Status  int    `json:"status"`
				Message string `json:"message"`
				Code    string `json:"code"`
				Shard   *Shard `json:"shard"`
			} `json:"items"`
		}
		resultJSON(f, 0, &raw)
		for _, it := range raw.Items {
			out = append(out, ShardResult{ShardID: it.ShardID, Err: statusError(it.Status, it.Message, 0),
				Code: it.Code, Shard: it.Shard})
		}
	})
	return out, err
}

// CreateShard assigns the first free shard (growing the conduit if needed)
// to a webhook at callbackURL (+ "/" + routeKey when not empty) with a fresh
// secret, returned in the shard's Transport.Secret. callbackURL "" = the
// client's CallbackURL.
func (c *Client) CreateShard(ctx context.Context, conduitID, callbackURL, routeKey string) (*Shard, error) {
	var out *Shard
	err := c.do(ctx, nil, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_shard_create(cl, conduitID, callbackURL, routeKey, tok)
	}, func(f tcswig.Tcb_future) {
		if tcswig.Tcb_future_shard(f).Swigcptr() != 0 {
			out = &Shard{}
			resultJSON(f, 1, out)
		}
	})
	return out, err
}

// RemoveShard removes a shard, shrinking the conduit. lastCallback and
// lastSecret are the last shard's webhook transport (moved into the freed
// slot) when it is a webhook; "" otherwise.
func (c *Client) RemoveShard(ctx context.Context, conduitID, shardID, lastCallback, lastSecret string) (*Conduit, error) {
	return c.conduit(ctx, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_shard_remove(cl, conduitID, shardID, lastCallback, lastSecret, tok)
	})
}

func newSpecs(specs []SubscriptionSpec) (tcswig.Tcb_specs, error) {
	s := tcswig.Tcb_specs_new()
	for _, sp := range specs {
		cond, err := json.Marshal(sp.Condition)
		if err != nil {
			tcswig.Tcb_specs_free(s)
			return nil, err
		}
		if st := tcswig.Tcb_specs_add(s, sp.Type, sp.Version, string(cond)); st != 0 {
			tcswig.Tcb_specs_free(s)
			return nil, newError(Code(st), "bad subscription spec "+sp.Type, 0)
		}
	}
	return s, nil
}

func batchResult(out **Batch) func(f tcswig.Tcb_future) {
	return func(f tcswig.Tcb_future) {
		if tcswig.Tcb_future_batch(f).Swigcptr() == 0 {
			return
		}
		var raw struct {
			Total        int64 `json:"total"`
			TotalCost    int64 `json:"total_cost"`
			MaxTotalCost int64 `json:"max_total_cost"`
			Items        []struct {
				Outcome      Outcome       `json:"outcome"`
				Status       int           `json:"status"`
				Message      string        `json:"message"`
				Subscription *Subscription `json:"subscription"`
			} `json:"items"`
		}
		resultJSON(f, 0, &raw)
		b := &Batch{Total: raw.Total, TotalCost: raw.TotalCost, MaxTotalCost: raw.MaxTotalCost}
		for _, it := range raw.Items {
			b.Items = append(b.Items, BatchItem{Outcome: it.Outcome, Err: statusError(it.Status, it.Message, 0),
				Message: it.Message, Subscription: it.Subscription})
		}
		*out = b
	}
}

func (o *BatchOptions) parts() (int, ProgressFunc) {
	if o == nil {
		return 0, nil
	}
	return o.Concurrency, o.Progress
}

// CreateSubscriptions creates subscriptions on a conduit; existing ones are
// adopted (OutcomeExisted). Per-item results come in the Batch; when some
// item failed the error matches ErrPartial and the Batch is still given.
func (c *Client) CreateSubscriptions(ctx context.Context, conduitID string, specs []SubscriptionSpec,
	opts *BatchOptions) (*Batch, error) {
	s, err := newSpecs(specs)
	if err != nil {
		return nil, err
	}
	defer tcswig.Tcb_specs_free(s)
	conc, progress := opts.parts()
	var out *Batch
	err = c.do(ctx, progress, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_subscriptions_create(cl, conduitID, s, conc, tok)
	}, batchResult(&out))
	return out, err
}

// CreateSubscriptionsByType is the original create_subscriptions(types,
// condition): types by name ("channel.follow": its newest version, from the
// catalogue; "channel.follow@2": that version) and one condition for all of
// them (each type keeps the keys it uses, e.g. {"broadcaster_user_id": "1",
// "moderator_user_id": "2"}). An unknown type, a withdrawn version or a
// missing condition field fails that item alone (its Err names the cause),
// before anything is sent; the others are created as CreateSubscriptions
// does. When some item failed the error matches ErrPartial and the Batch is
// still given.
func (c *Client) CreateSubscriptionsByType(ctx context.Context, conduitID string, types []string,
	condition map[string]string, opts *BatchOptions) (*Batch, error) {
	for _, t := range types {
		if t == "" || strings.ContainsRune(t, '\n') {
			return nil, newError(CodeInvalid, fmt.Sprintf("bad type name %q", t), 0)
		}
	}
	return c.createByType(ctx, conduitID, strings.Join(types, "\n"), condition, 0, opts)
}

// CreateFillableSubscriptions subscribes the conduit to the newest version of
// every type whose whole condition `condition` fills (e.g. every type of one
// user: {"broadcaster_user_id": id, "moderator_user_id": id, "user_id": id}).
func (c *Client) CreateFillableSubscriptions(ctx context.Context, conduitID string, condition map[string]string,
	opts *BatchOptions) (*Batch, error) {
	return c.createByType(ctx, conduitID, "", condition, uint(tcswig.TC_BY_TYPE_F_ALL_FILLABLE), opts)
}

func (c *Client) createByType(ctx context.Context, conduitID, typeList string, condition map[string]string,
	flags uint, opts *BatchOptions) (*Batch, error) {
	if condition == nil {
		condition = map[string]string{}
	}
	cond, err := json.Marshal(condition)
	if err != nil {
		return nil, err
	}
	conc, progress := opts.parts()
	var out *Batch
	err = c.do(ctx, progress, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_subscriptions_create_by_type(cl, conduitID, typeList, string(cond), flags, conc, tok)
	}, batchResult(&out))
	return out, err
}

// Subscriptions lists subscriptions (every page).
func (c *Client) Subscriptions(ctx context.Context, filter SubscriptionFilter) ([]Subscription, error) {
	var out []Subscription
	err := c.do(ctx, nil, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_subscriptions_list(cl, filter.Status, filter.Type, filter.UserID,
			filter.SubscriptionID, filter.ConduitID, tok)
	}, func(f tcswig.Tcb_future) { resultJSON(f, 0, &out) })
	return out, err
}

// DeleteSubscription deletes one subscription (ErrNotFound when unknown).
func (c *Client) DeleteSubscription(ctx context.Context, subscriptionID string) error {
	return c.do(ctx, nil, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_subscription_delete(cl, subscriptionID, tok)
	}, nil)
}

// CleanupSubscriptions deletes the subscriptions of conduitID ("" = every
// conduit) that are not enabled; includePending also deletes those still
// pending verification.
func (c *Client) CleanupSubscriptions(ctx context.Context, conduitID string, includePending bool,
	opts *BatchOptions) (*Batch, error) {
	var flags uint
	if includePending {
		flags = 1
	}
	conc, progress := opts.parts()
	var out *Batch
	err := c.do(ctx, progress, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_subscriptions_cleanup(cl, conduitID, flags, conc, tok)
	}, batchResult(&out))
	return out, err
}

// ReconcileSubscriptions makes the conduit's subscriptions equal specs; with
// dryRun only the plan is reported (OutcomeToCreate, OutcomeToDelete).
func (c *Client) ReconcileSubscriptions(ctx context.Context, conduitID string, specs []SubscriptionSpec,
	dryRun bool, opts *BatchOptions) (*Batch, error) {
	s, err := newSpecs(specs)
	if err != nil {
		return nil, err
	}
	defer tcswig.Tcb_specs_free(s)
	var flags uint
	if dryRun {
		flags = 1
	}
	conc, progress := opts.parts()
	var out *Batch
	err = c.do(ctx, progress, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_subscriptions_reconcile(cl, conduitID, s, flags, conc, tok)
	}, batchResult(&out))
	return out, err
}

var methods = map[string]tcswig.Enum_SS_tc_method{
	"GET": tcswig.TC_GET, "POST": tcswig.TC_POST, "PATCH": tcswig.TC_PATCH,
	"PUT": tcswig.TC_PUT, "DELETE": tcswig.TC_DELETE,
}

// Request makes a Helix call: path relative to APIBaseURL (e.g.
// "/eventsub/conduits"), query and body may be nil. A non-2xx answer gives
// the Response and an *Error.
func (c *Client) Request(ctx context.Context, method, path string, query url.Values, body []byte) (*Response, error) {
	m, ok := methods[strings.ToUpper(method)]
	if !ok {
		return nil, newError(CodeInvalid, "unknown method "+method, 0)
	}
	q := tcswig.Tcb_pairs_new()
	defer tcswig.Tcb_pairs_free(q)
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range query[k] {
			tcswig.Tcb_pairs_add(q, k, v)
		}
	}
	var out *Response
	err := c.do(ctx, nil, func(cl tcswig.Tcb_client, tok uint64) tcswig.Tcb_future {
		return tcswig.Tcb_request(cl, m, path, q, string(body), 0, tok)
	}, func(f tcswig.Tcb_future) {
		r := tcswig.Tcb_future_response(f)
		if r.Swigcptr() == 0 {
			return
		}
		out = &Response{
			HTTPStatus: tcswig.Tc_response_http_status(r),
			Body:       []byte(tcswig.Tc_response_body(r)),
			Attempts:   tcswig.Tc_response_attempts(r),
			Message:    tcswig.Tc_response_message(r),
			Elapsed:    time.Duration(tcswig.Tc_response_elapsed_ms(r) * float64(time.Millisecond)),
			header:     map[string]string{},
		}
		for _, h := range keptHeaders {
			if v := tcswig.Tc_response_header(r, h); v != "" {
				out.header[h] = v
			}
		}
	})
	return out, err
}
