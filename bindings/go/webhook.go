package twitchconduits

import (
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"sync"

	"twitchconduits/internal/tcswig"
)

// MessageKind classifies a webhook request.
type MessageKind string

// Webhook message kinds (tc_event_kind).
const (
	KindRejected     MessageKind = "rejected"
	KindNotification MessageKind = "notification"
	KindVerification MessageKind = "verification"
	KindRevocation   MessageKind = "revocation"
)

// WebhookMessage is one verified (or rejected) webhook request.
type WebhookMessage struct {
	Kind                MessageKind
	Err                 error // why it was rejected; nil otherwise
	HTTPStatus          int   // the status answered
	MessageID           string
	Timestamp           string
	Retry               int // -1 when absent
	Duplicate           bool
	SubscriptionID      string
	SubscriptionType    string
	SubscriptionVersion string
	Subscription        json.RawMessage
	Event               json.RawMessage // notifications
	Challenge           string          // verifications
	RevocationReason    string          // revocations
	ConduitID, ShardID  string          // conduit shard challenges
	RouteKey            string          // listener route that received it
}

func rawJSON(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func messageFrom(m tcswig.Tc_event) *WebhookMessage {
	w := &WebhookMessage{
		Kind:                MessageKind(tcswig.Tc_event_kind_name(tcswig.Tc_event_kind_get(m))),
		HTTPStatus:          tcswig.Tc_event_http_status(m),
		MessageID:           tcswig.Tc_event_id(m),
		Timestamp:           tcswig.Tc_event_timestamp(m),
		Retry:               tcswig.Tc_event_retry(m),
		Duplicate:           tcswig.Tc_event_is_duplicate(m) != 0,
		SubscriptionID:      tcswig.Tc_event_subscription_id(m),
		SubscriptionType:    tcswig.Tc_event_subscription_type(m),
		SubscriptionVersion: tcswig.Tc_event_subscription_version(m),
		Subscription:        rawJSON(tcswig.Tc_event_subscription_json(m)),
		Event:               rawJSON(tcswig.Tc_event_event_json(m)),
		Challenge:           tcswig.Tc_event_challenge(m),
		RevocationReason:    tcswig.Tc_event_revocation_reason(m),
		ConduitID:           tcswig.Tc_event_conduit_id(m),
		ShardID:             tcswig.Tc_event_shard_id(m),
	}
	w.Err = statusError(int(tcswig.Tc_event_status(m)), tcswig.Tc_event_error(m), w.HTTPStatus)
	return w
}

// callSafely runs a user callback; a panic in it is recovered and reported
// to the PanicHandler.
func callSafely(fn func(*WebhookMessage), m *WebhookMessage) {
	defer recoverUserPanic()
	fn(m)
}

// WebhookHandler verifies Twitch webhook requests for one shard's secret(s)
// and answers them (challenges included). It is an http.Handler.
type WebhookHandler struct {
	mu       sync.RWMutex // guards v against Close
	v        tcswig.Tc_webhook_verifier
	onEvent  func(*WebhookMessage)
	MaxBytes int64 // bodies larger than this get 413 (default 1 MiB)
}

// NewWebhookHandler returns a handler accepting signatures made with secret
// (10..100 printable ASCII characters; it panics otherwise, like
// regexp.MustCompile). onEvent (may be nil) is called on the request's
// goroutine for each non-duplicate notification and revocation; a panic in
// it is recovered, reported to the PanicHandler (SetPanicHandler), and the
// request is still acknowledged.
func NewWebhookHandler(secret string, onEvent func(*WebhookMessage)) *WebhookHandler {
	out := make([]uintptr, 1)
	err := callC(func() tcswig.Enum_SS_tc_status {
		return tcswig.Tc_webhook_verifier_new(out, tcswig.SwigcptrTc_webhook_options(0)) // the defaults
	})
	if err != nil {
		panic(err)
	}
	v := tcswig.SwigcptrTc_webhook_verifier(out[0])
	if err := callC(func() tcswig.Enum_SS_tc_status { return tcswig.Tc_webhook_verifier_add_secret(v, secret) }); err != nil {
		tcswig.Tc_webhook_verifier_free(v)
		panic(err)
	}
	h := &WebhookHandler{v: v, onEvent: onEvent, MaxBytes: 1 << 20}
	runtime.SetFinalizer(h, (*WebhookHandler).Close)
	return h
}

// AddSecret also accepts signatures made with secret (rotation).
func (h *WebhookHandler) AddSecret(secret string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.v == nil {
		return ErrClosed
	}
	return statusError(int(tcswig.Tc_webhook_verifier_add_secret(h.v, secret)), "bad secret", 0)
}

// Close frees the verifier; later requests get 503.
func (h *WebhookHandler) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.v != nil {
		tcswig.Tc_webhook_verifier_free(h.v)
		h.v = nil
	}
	return nil
}

// Handle verifies one request and returns the message with its answer.
func (h *WebhookHandler) Handle(header http.Header, body []byte) (*WebhookMessage, string, []byte, error) {
	var fields []string
	for name, vals := range header {
		for _, v := range vals {
			fields = append(fields, name, v)
		}
	}
	packed, err := pack(fields...)
	if err != nil {
		return nil, "", nil, err
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.v == nil {
		return nil, "", nil, ErrClosed
	}
	out := make([]uintptr, 1)
	tcswig.Tc_webhook_handle(out, h.v, packed, string(body)) // the answer says why when it is not 2xx
	m := tcswig.SwigcptrTc_event(out[0])
	if m.Swigcptr() == 0 {
		return nil, "", nil, ErrNoMemory
	}
	defer tcswig.Tc_event_free(m)
	return messageFrom(m), tcswig.Tc_event_content_type(m),
		[]byte(tcswig.Tc_event_response_body(m)), nil
}

// ServeHTTP answers exactly what the verifier decided.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, h.MaxBytes+1))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	msg, ctype, answer, err := h.Handle(r.Header, body)
	if err != nil {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	if ctype != "" {
		w.Header().Set("Content-Type", ctype)
	}
	w.WriteHeader(msg.HTTPStatus)
	_, _ = w.Write(answer)
	if h.onEvent != nil && !msg.Duplicate && (msg.Kind == KindNotification || msg.Kind == KindRevocation) {
		callSafely(h.onEvent, msg)
	}
}
