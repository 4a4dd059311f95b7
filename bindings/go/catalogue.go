package twitchconduits

import (
	"encoding/json"
	"runtime"
	"sync"

	"twitchconduits/internal/tcswig"
)

// EventType is one type+version of the catalogue of EventSub subscription
// types (include/twitchconduits/catalogue.h).
type EventType struct {
	Name    string // "channel.follow"
	Version string // "2"
	Status  string // "ga", "beta", "deprecated" or "withdrawn"
	Newest  bool   // the type's newest version
	// Condition fields: all of Required, any of Optional, exactly one key of
	// each OneOf group (only channel.raid has one).
	Required []string
	Optional []string
	OneOf    [][]string
	// Transports allowed: of "webhook", "websocket", "conduit".
	Transports   []string
	AppTokenOnly bool
	// Scopes needed (an entry "a|b" is satisfied by either), granted by
	// Authorizer ("broadcaster", "moderator", "user", "none", ...).
	Scopes         []string
	Authorizer     string
	AppTokenScopes []string
	// Extra fields of the create body (drop.entitlement.grant); nil for others.
	CreateBodyExtra json.RawMessage
	ReplacedBy      string // withdrawn versions: the version to use
}

// Allows reports whether the type may be created with transport ("webhook",
// "websocket" or "conduit").
func (t *EventType) Allows(transport string) bool {
	for _, x := range t.Transports {
		if x == transport {
			return true
		}
	}
	return false
}

var transportTypes = []tcswig.Enum_SS_tc_transport_type{tcswig.TC_TRANSPORT_WEBHOOK, tcswig.TC_TRANSPORT_WEBSOCKET,
	tcswig.TC_TRANSPORT_CONDUIT}

func eventTypeFrom(t tcswig.Tc_event_type) EventType {
	strs := func(count func(tcswig.Tc_event_type) int64, get func(tcswig.Tc_event_type, int64) string) []string {
		out := make([]string, count(t))
		for i := range out {
			out[i] = get(t, int64(i))
		}
		return out
	}
	e := EventType{
		Name: tcswig.Tc_event_type_name(t), Version: tcswig.Tc_event_type_version(t),
		Status: tcswig.Tc_event_type_status(t), Newest: tcswig.Tc_event_type_is_newest(t) == 1,
		Required:       strs(tcswig.Tc_event_type_required_count, tcswig.Tc_event_type_required),
		Optional:       strs(tcswig.Tc_event_type_optional_count, tcswig.Tc_event_type_optional),
		AppTokenOnly:   tcswig.Tc_event_type_app_token_only(t) == 1,
		Scopes:         strs(tcswig.Tc_event_type_scope_count, tcswig.Tc_event_type_scope),
		Authorizer:     tcswig.Tc_event_type_authorizer(t),
		AppTokenScopes: strs(tcswig.Tc_event_type_app_token_scope_count, tcswig.Tc_event_type_app_token_scope),
		ReplacedBy:     tcswig.Tc_event_type_replaced_by(t),
	}
	for g := int64(0); g < tcswig.Tc_event_type_one_of_count(t); g++ {
		group := make([]string, tcswig.Tc_event_type_one_of_size(t, g))
		for i := range group {
			group[i] = tcswig.Tc_event_type_one_of(t, g, int64(i))
		}
		e.OneOf = append(e.OneOf, group)
	}
	for _, tr := range transportTypes {
		if tcswig.Tc_event_type_allows(t, tr) == 1 {
			e.Transports = append(e.Transports, tcswig.Tc_transport_type_name(tr))
		}
	}
	if extra := tcswig.Tc_event_type_create_body_extra(t); extra != "" {
		e.CreateBodyExtra = json.RawMessage(extra)
	}
	return e
}

// clone copies the slices too, so that a caller cannot change the cache.
func (t EventType) clone() EventType {
	strs := func(v []string) []string { return append([]string(nil), v...) }
	t.Required, t.Optional, t.Transports = strs(t.Required), strs(t.Optional), strs(t.Transports)
	t.Scopes, t.AppTokenScopes = strs(t.Scopes), strs(t.AppTokenScopes)
	groups := t.OneOf
	t.OneOf = nil
	for _, g := range groups {
		t.OneOf = append(t.OneOf, strs(g))
	}
	t.CreateBodyExtra = append(json.RawMessage(nil), t.CreateBodyExtra...)
	return t
}

func cloneAll(ts []EventType) []EventType {
	out := make([]EventType, len(ts))
	for i, t := range ts {
		out[i] = t.clone()
	}
	return out
}

var catalogue struct {
	once      sync.Once
	all       []EventType
	withdrawn []EventType
}

func loadCatalogue() {
	catalogue.once.Do(func() {
		for i := int64(0); i < tcswig.Tc_catalogue_count(); i++ {
			catalogue.all = append(catalogue.all, eventTypeFrom(tcswig.Tc_catalogue_at(i)))
		}
		for i := int64(0); i < tcswig.Tc_catalogue_withdrawn_count(); i++ {
			catalogue.withdrawn = append(catalogue.withdrawn, eventTypeFrom(tcswig.Tc_catalogue_withdrawn_at(i)))
		}
	})
}

// CatalogueSnapshot is the date of the Twitch documentation the catalogue
// follows ("2026-05-30").
func CatalogueSnapshot() string { return tcswig.Tc_catalogue_snapshot() }

// Catalogue returns the newest version of every subscription type, by name.
// The caller owns the slice.
func Catalogue() []EventType {
	loadCatalogue()
	var out []EventType
	for _, e := range catalogue.all {
		if e.Newest {
			out = append(out, e.clone())
		}
	}
	return out
}

// CatalogueVersions returns every type+version that can be created, by name
// then version (the newest of a type last).
func CatalogueVersions() []EventType {
	loadCatalogue()
	return cloneAll(catalogue.all)
}

// WithdrawnEventTypes returns the versions Twitch no longer accepts.
func WithdrawnEventTypes() []EventType {
	loadCatalogue()
	return cloneAll(catalogue.withdrawn)
}

// LookupEventType finds a type at a version ("" = its newest). Errors match
// ErrNotFound (an unknown type, or a version it does not have: the message
// lists its versions) or ErrGone (a withdrawn version: the message names the
// replacement, and the withdrawn entry is returned with the error).
func LookupEventType(name, version string) (EventType, error) {
	if name == "" {
		return EventType{}, newError(CodeInvalid, "the type name is empty", 0)
	}
	out := make([]uintptr, 1)
	runtime.LockOSThread() // the library's message is per thread
	st := int(tcswig.Tc_catalogue_find(out, name, version))
	msg := tcswig.Tc_last_error_message()
	runtime.UnlockOSThread()
	var e EventType
	if out[0] != 0 {
		e = eventTypeFrom(tcswig.SwigcptrTc_event_type(out[0]))
	}
	if st != 0 {
		return e, newError(Code(st), msg, 0)
	}
	return e, nil
}
