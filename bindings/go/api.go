package twitchconduits

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strings"
	"sync"
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
	Progress    ProgressFunc // called on the calling goroutine; may be nil; a panic is reported (SetPanicHandler)
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
	header     [len(keptHeaders)]string // the values of keptHeaders, in order
}

// Header is a response header by case-insensitive name ("" when absent);
// the Ratelimit-* headers, Content-Type and Retry-After are kept.
func (r *Response) Header(name string) string {
	for i, h := range keptHeaders {
		if strings.EqualFold(h, name) {
			return r.header[i]
		}
	}
	return ""
}

var keptHeaders = [...]string{"content-type", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after"}

// ---- results, built with the C accessors ----

func tokenFrom(t tcswig.Tc_token) *Token {
	out := &Token{AccessToken: tcswig.Tc_token_access_token(t), ClientID: tcswig.Tc_token_client_id(t),
		Validated: tcswig.Tc_token_is_validated(t) == 1, Login: tcswig.Tc_token_login(t),
		UserID: tcswig.Tc_token_user_id(t), Scopes: []string{}}
	if at := tcswig.Tc_token_expires_at(t); at != 0 {
		out.ExpiresAt = time.Unix(at, 0)
	}
	for i := int64(0); i < tcswig.Tc_token_scope_count(t); i++ {
		out.Scopes = append(out.Scopes, tcswig.Tc_token_scope(t, i))
	}
	return out
}

func conduitFrom(cd tcswig.Tc_conduit) Conduit {
	return Conduit{ID: tcswig.Tc_conduit_id(cd), ShardCount: tcswig.Tc_conduit_shard_count(cd)}
}

func conduitsFrom(list tcswig.Tc_conduit_list) []Conduit {
	out := make([]Conduit, tcswig.Tc_conduit_list_count(list))
	for i := range out {
		out[i] = conduitFrom(tcswig.Tc_conduit_list_get(list, int64(i)))
	}
	return out
}

func shardFrom(s tcswig.Tc_shard, withSecret bool) Shard {
	out := Shard{ID: tcswig.Tc_shard_id(s), Status: tcswig.Tc_shard_status(s),
		Transport: transportFrom(tcswig.Tc_shard_transport(s))}
	if withSecret && out.Transport.Method == "webhook" {
		out.Transport.Secret = tcswig.Tc_transport_secret(tcswig.Tc_shard_transport(s))
	}
	return out
}

func shardsFrom(list tcswig.Tc_shard_list) []Shard {
	out := make([]Shard, tcswig.Tc_shard_list_count(list))
	for i := range out {
		out[i] = shardFrom(tcswig.Tc_shard_list_get(list, int64(i)), false)
	}
	return out
}

// keptHeadersPacked names keptHeaders to tcgo_response_read.
var keptHeadersPacked, _ = pack(keptHeaders[:]...)

// responseBufs hold the texts of a response on their way from C.
var responseBufs = sync.Pool{New: func() any { b := make([]byte, 4096); return &b }}

// takeResponse reads a request's final completion in one cgo call (two when
// the texts outgrow the buffer) and frees it.
func takeResponse(done tcswig.Tc_completion) (*Response, error) {
	var nums [6 + len(keptHeaders)]uint64
	bp := responseBufs.Get().(*[]byte)
	defer responseBufs.Put(bp)
	need := tcswig.Tcgo_response_read(done, nums[:], keptHeadersPacked, *bp)
	if need > int64(len(*bp)) {
		*bp = make([]byte, need)
		need = tcswig.Tcgo_response_read(done, nums[:], keptHeadersPacked, *bp)
	}
	if need < 0 { // no response: the submission's own failure
		defer tcswig.Tc_completion_free(done)
		return nil, completionError(done)
	}
	buf := *bp
	out := &Response{HTTPStatus: int(int64(nums[1])), Attempts: int(int64(nums[2])),
		Elapsed: time.Duration(nums[3]) * time.Microsecond}
	at := uint64(0)
	text := func(i int) []byte {
		n := nums[4+i]
		if n == math.MaxUint64 { // an absent header
			return nil
		}
		t := buf[at : at+n]
		at += n
		return t
	}
	out.Message = string(text(0))
	out.Body = append([]byte{}, text(1)...)
	for i := range keptHeaders {
		out.header[i] = string(text(2 + i))
	}
	if nums[0] == 0 {
		return out, nil // tcgo_response_read freed the completion
	}
	defer tcswig.Tc_completion_free(done)
	return out, completionError(done)
}

func batchFrom(b tcswig.Tc_subscription_batch) *Batch {
	out := &Batch{Items: make([]BatchItem, tcswig.Tc_subscription_batch_count(b)),
		Total: tcswig.Tc_subscription_batch_total(b), TotalCost: tcswig.Tc_subscription_batch_total_cost(b),
		MaxTotalCost: tcswig.Tc_subscription_batch_max_total_cost(b)}
	for i := range out.Items {
		n := int64(i)
		msg := tcswig.Tc_subscription_batch_message(b, n)
		it := BatchItem{Outcome: Outcome(tcswig.Tc_item_outcome_name(tcswig.Tc_subscription_batch_outcome(b, n))),
			Err: statusError(int(tcswig.Tc_subscription_batch_status(b, n)), msg, 0), Message: msg}
		if s := tcswig.Tc_subscription_batch_subscription(b, n); s.Swigcptr() != 0 {
			sub := subscriptionFrom(s)
			it.Subscription = &sub
		}
		out.Items[i] = it
	}
	return out
}

func shardResultsFrom(r tcswig.Tc_shard_update_result) []ShardResult {
	out := make([]ShardResult, tcswig.Tc_shard_update_result_count(r))
	for i := range out {
		n := int64(i)
		out[i] = ShardResult{ShardID: tcswig.Tc_shard_update_result_shard_id(r, n),
			Err: statusError(int(tcswig.Tc_shard_update_result_status(r, n)),
				tcswig.Tc_shard_update_result_message(r, n), 0),
			Code: tcswig.Tc_shard_update_result_code(r, n)}
		if s := tcswig.Tc_shard_update_result_shard(r, n); s.Swigcptr() != 0 {
			sh := shardFrom(s, false)
			out[i].Shard = &sh
		}
	}
	return out
}

// ---- one helper per result kind: an operation is one line that submits it ----

func (c *Client) token(ctx context.Context, submit submitFunc) (*Token, error) {
	var out *Token
	err := c.do(ctx, nil, submit, func(done tcswig.Tc_completion) {
		if t := tcswig.Tc_completion_token(done); t.Swigcptr() != 0 {
			out = tokenFrom(t)
		}
	})
	return out, err
}

func (c *Client) conduit(ctx context.Context, submit submitFunc) (*Conduit, error) {
	var out *Conduit
	err := c.do(ctx, nil, submit, func(done tcswig.Tc_completion) {
		if cd := tcswig.Tc_completion_conduit(done); cd.Swigcptr() != 0 {
			v := conduitFrom(cd)
			out = &v
		}
	})
	return out, err
}

func (c *Client) batch(ctx context.Context, opts *BatchOptions, items int,
	submit func(id []uint64, m tcswig.Tc_conduits, o tcswig.Tc_batch_options, token uintptr) tcswig.Enum_SS_tc_status) (*Batch, error) {
	o := tcswig.NewTc_batch_options()
	if o.Swigcptr() == 0 {
		return nil, newError(CodeNoMemory, "out of memory", 0)
	}
	defer tcswig.DeleteTc_batch_options(o)
	var progress ProgressFunc
	if opts != nil {
		o.SetConcurrency(opts.Concurrency)
		if opts.Progress != nil {
			progress = opts.Progress
			o.SetProgress_every(int64(progressEvery(items)))
		}
	}
	var out *Batch
	err := c.do(ctx, progress, func(id []uint64, m tcswig.Tc_conduits, token uintptr) tcswig.Enum_SS_tc_status {
		return submit(id, m, o, token)
	}, func(done tcswig.Tc_completion) {
		if b := tcswig.Tc_completion_batch(done); b.Swigcptr() != 0 {
			out = batchFrom(b)
		}
	})
	return out, err
}

// progressEvery asks for about 100 progress reports (every item of a small
// batch; items 0 = unknown in advance).
func progressEvery(items int) int {
	if items < 100 {
		return 1
	}
	return items / 100
}

// ---- the operations ----

// Token gets the app access token (cached by the library until it nears expiry).
func (c *Client) Token(ctx context.Context) (*Token, error) {
	return c.token(ctx, func(id []uint64, m tcswig.Tc_conduits, tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_token_get(id, m, 0, tok)
	})
}

// RefreshToken gets a new app access token even if the cached one is valid.
func (c *Client) RefreshToken(ctx context.Context) (*Token, error) {
	return c.token(ctx, func(id []uint64, m tcswig.Tc_conduits, tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_token_get(id, m, 1, tok)
	})
}

// ValidateToken validates the current token with Twitch.
func (c *Client) ValidateToken(ctx context.Context) (*Token, error) {
	return c.token(ctx, tcswig.Tc_token_validate)
}

// RevokeToken revokes the current token.
func (c *Client) RevokeToken(ctx context.Context) error {
	return c.do(ctx, nil, tcswig.Tc_token_revoke, nil)
}

// Conduits lists the application's conduits.
func (c *Client) Conduits(ctx context.Context) ([]Conduit, error) {
	var out []Conduit
	err := c.do(ctx, nil, tcswig.Tc_conduits_list, func(done tcswig.Tc_completion) {
		if l := tcswig.Tc_completion_conduit_list(done); l.Swigcptr() != 0 {
			out = conduitsFrom(l)
		}
	})
	return out, err
}

// CreateConduit creates a conduit with shardCount shards.
func (c *Client) CreateConduit(ctx context.Context, shardCount int) (*Conduit, error) {
	return c.conduit(ctx, func(id []uint64, m tcswig.Tc_conduits, tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_conduit_create(id, m, shardCount, tok)
	})
}

// UpdateConduit resizes a conduit (shrinking drops the shards above the count).
func (c *Client) UpdateConduit(ctx context.Context, conduitID string, shardCount int) (*Conduit, error) {
	return c.conduit(ctx, func(id []uint64, m tcswig.Tc_conduits, tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_conduit_update(id, m, conduitID, shardCount, tok)
	})
}

// DeleteConduit deletes a conduit (ErrNotFound when unknown).
func (c *Client) DeleteConduit(ctx context.Context, conduitID string) error {
	return c.do(ctx, nil, func(id []uint64, m tcswig.Tc_conduits, tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_conduit_delete(id, m, conduitID, tok)
	}, nil)
}

// Shards lists a conduit's shards; status "" = all.
func (c *Client) Shards(ctx context.Context, conduitID, status string) ([]Shard, error) {
	var out []Shard
	err := c.do(ctx, nil, func(id []uint64, m tcswig.Tc_conduits, tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_shards_list(id, m, conduitID, status, tok)
	}, func(done tcswig.Tc_completion) {
		if l := tcswig.Tc_completion_shard_list(done); l.Swigcptr() != 0 {
			out = shardsFrom(l)
		}
	})
	return out, err
}

// newTransport builds a webhook (or, with sessionID, websocket) transport
// with the library's own checks; the caller frees it.
func newTransport(callback, secret, sessionID string) (tcswig.Tc_transport, error) {
	out := make([]uintptr, 1)
	err := callC(func() tcswig.Enum_SS_tc_status {
		if sessionID != "" {
			return tcswig.Tc_transport_websocket_new(out, sessionID)
		}
		return tcswig.Tc_transport_webhook_new(out, callback, secret)
	})
	return tcswig.SwigcptrTc_transport(out[0]), err
}

// UpdateShards assigns transports. The results are per shard, in order; when
// some failed the error matches ErrPartial and the results are still given.
func (c *Client) UpdateShards(ctx context.Context, conduitID string, as []ShardAssignment) ([]ShardResult, error) {
	fields := make([]string, 0, 4*len(as))
	for _, s := range as {
		t, err := newTransport(s.Callback, s.Secret, s.SessionID) // its reason, before anything is sent
		if err != nil {
			e := err.(*Error)
			e.Message = "bad assignment for shard " + s.ID + ": " + e.Message
			return nil, e
		}
		tcswig.Tc_transport_free(t)
		fields = append(fields, s.ID, s.Callback, s.Secret, s.SessionID)
	}
	packed, err := pack(fields...)
	if err != nil {
		return nil, err
	}
	var out []ShardResult
	err = c.do(ctx, nil, func(id []uint64, m tcswig.Tc_conduits, tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_shard_update(id, m, conduitID, packed, tok)
	}, func(done tcswig.Tc_completion) {
		if r := tcswig.Tc_completion_shard_update(done); r.Swigcptr() != 0 {
			out = shardResultsFrom(r)
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
	err := c.do(ctx, nil, func(id []uint64, m tcswig.Tc_conduits, tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_shard_create(id, m, conduitID, callbackURL, routeKey, tok)
	}, func(done tcswig.Tc_completion) {
		if s := tcswig.Tc_completion_shard(done); s.Swigcptr() != 0 {
			v := shardFrom(s, true)
			out = &v
		}
	})
	return out, err
}

// RemoveShard removes a shard, shrinking the conduit. lastCallback and
// lastSecret are the last shard's webhook transport (moved into the freed
// slot) when it is a webhook; "" otherwise.
func (c *Client) RemoveShard(ctx context.Context, conduitID, shardID, lastCallback, lastSecret string) (*Conduit, error) {
	var last tcswig.Tc_transport = tcswig.SwigcptrTc_transport(0)
	if lastCallback != "" || lastSecret != "" {
		t, err := newTransport(lastCallback, lastSecret, "")
		if err != nil {
			return nil, err
		}
		defer tcswig.Tc_transport_free(t) // the library copies it at submission
		last = t
	}
	return c.conduit(ctx, func(id []uint64, m tcswig.Tc_conduits, tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_shard_remove(id, m, conduitID, shardID, last, tok)
	})
}

// pack joins array fields for the SWIG layer: each field ends with a NUL
// (see twitchconduits.i), so none may hold one.
func pack(fields ...string) (string, error) {
	var b strings.Builder
	for _, f := range fields {
		if strings.IndexByte(f, 0) >= 0 {
			return "", newError(CodeInvalid, fmt.Sprintf("a NUL byte in %q", f), 0)
		}
		b.WriteString(f)
		b.WriteByte(0)
	}
	return b.String(), nil
}

func packSpecs(specs []SubscriptionSpec) (string, error) {
	fields := make([]string, 0, 3*len(specs))
	for _, sp := range specs {
		cond, err := json.Marshal(sp.Condition)
		if err != nil {
			return "", err
		}
		fields = append(fields, sp.Type, sp.Version, string(cond))
	}
	return pack(fields...)
}

// CreateSubscriptions creates subscriptions on a conduit; existing ones are
// adopted (OutcomeExisted). Per-item results come in the Batch; when some
// item failed the error matches ErrPartial and the Batch is still given.
func (c *Client) CreateSubscriptions(ctx context.Context, conduitID string, specs []SubscriptionSpec,
	opts *BatchOptions) (*Batch, error) {
	packed, err := packSpecs(specs)
	if err != nil {
		return nil, err
	}
	return c.batch(ctx, opts, len(specs), func(id []uint64, m tcswig.Tc_conduits, o tcswig.Tc_batch_options,
		tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_subscriptions_create(id, m, conduitID, packed, o, tok)
	})
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
		if t == "" {
			return nil, newError(CodeInvalid, fmt.Sprintf("bad type name %q", t), 0)
		}
	}
	return c.createByType(ctx, conduitID, types, condition, 0, opts)
}

// CreateFillableSubscriptions subscribes the conduit to the newest version of
// every type whose whole condition `condition` fills (e.g. every type of one
// user: {"broadcaster_user_id": id, "moderator_user_id": id, "user_id": id}).
func (c *Client) CreateFillableSubscriptions(ctx context.Context, conduitID string, condition map[string]string,
	opts *BatchOptions) (*Batch, error) {
	return c.createByType(ctx, conduitID, nil, condition, uint(tcswig.TC_BY_TYPE_F_ALL_FILLABLE), opts)
}

func (c *Client) createByType(ctx context.Context, conduitID string, types []string, condition map[string]string,
	flags uint, opts *BatchOptions) (*Batch, error) {
	if condition == nil {
		condition = map[string]string{}
	}
	cond, err := json.Marshal(condition)
	if err != nil {
		return nil, err
	}
	packed, err := pack(types...)
	if err != nil {
		return nil, err
	}
	return c.batch(ctx, opts, len(types), func(id []uint64, m tcswig.Tc_conduits, o tcswig.Tc_batch_options,
		tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_subscriptions_create_by_type(id, m, conduitID, packed, string(cond), flags, o, tok)
	})
}

// DeleteSubscription deletes one subscription (ErrNotFound when unknown).
func (c *Client) DeleteSubscription(ctx context.Context, subscriptionID string) error {
	return c.do(ctx, nil, func(id []uint64, m tcswig.Tc_conduits, tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_subscription_delete(id, m, subscriptionID, tok)
	}, nil)
}

// CleanupSubscriptions deletes the subscriptions of conduitID ("" = every
// conduit) that are not enabled; includePending also deletes those still
// pending verification.
func (c *Client) CleanupSubscriptions(ctx context.Context, conduitID string, includePending bool,
	opts *BatchOptions) (*Batch, error) {
	var flags uint
	if includePending {
		flags = uint(tcswig.TC_CLEANUP_F_INCLUDE_PENDING)
	}
	return c.batch(ctx, opts, 0, func(id []uint64, m tcswig.Tc_conduits, o tcswig.Tc_batch_options,
		tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_subscriptions_cleanup(id, m, conduitID, flags, o, tok)
	})
}

// ReconcileSubscriptions makes the conduit's subscriptions equal specs; with
// dryRun only the plan is reported (OutcomeToCreate, OutcomeToDelete).
func (c *Client) ReconcileSubscriptions(ctx context.Context, conduitID string, specs []SubscriptionSpec,
	dryRun bool, opts *BatchOptions) (*Batch, error) {
	packed, err := packSpecs(specs)
	if err != nil {
		return nil, err
	}
	var flags uint
	if dryRun {
		flags = uint(tcswig.TC_RECONCILE_F_DRY_RUN)
	}
	return c.batch(ctx, opts, len(specs), func(id []uint64, m tcswig.Tc_conduits, o tcswig.Tc_batch_options,
		tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tc_subscriptions_reconcile(id, m, conduitID, packed, flags, o, tok)
	})
}

var methods = map[string]tcswig.Enum_SS_tc_method{
	"GET": tcswig.TC_GET, "POST": tcswig.TC_POST, "PATCH": tcswig.TC_PATCH,
	"PUT": tcswig.TC_PUT, "DELETE": tcswig.TC_DELETE,
}

// Request makes a Helix call: path relative to APIBaseURL (e.g.
// "/eventsub/conduits"), query and body may be nil. A non-2xx answer gives
// the Response and an *Error. One cgo call submits it (tcgo_request), one
// reads the answer (tcgo_response_read).
func (c *Client) Request(ctx context.Context, method, path string, query url.Values, body []byte) (*Response, error) {
	m, ok := methods[method]
	if !ok {
		if m, ok = methods[strings.ToUpper(method)]; !ok {
			return nil, newError(CodeInvalid, "unknown method "+method, 0)
		}
	}
	if path == "" || strings.IndexByte(path, 0) >= 0 || bytes.IndexByte(body, 0) >= 0 {
		return nil, newError(CodeInvalid, "a path is needed, and neither it nor the body may hold a NUL", 0)
	}
	packedQuery := ""
	if len(query) > 0 {
		keys := make([]string, 0, len(query))
		for k := range query {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var fields []string
		for _, k := range keys {
			for _, v := range query[k] {
				fields = append(fields, k, v)
			}
		}
		var err error
		if packedQuery, err = pack(fields...); err != nil {
			return nil, err
		}
	}
	var out *Response
	err := c.doTake(ctx, nil, func(id []uint64, mg tcswig.Tc_conduits, tok uintptr) tcswig.Enum_SS_tc_status {
		return tcswig.Tcgo_request(id, mg, m, path, packedQuery, body, tok)
	}, func(done tcswig.Tc_completion) (err error) {
		out, err = takeResponse(done)
		return err
	})
	return out, err
}
