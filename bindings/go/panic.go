package twitchconduits

import (
	"fmt"
	"os"
	"runtime/debug"
	"sync/atomic"
)

// PanicHandler receives a panic recovered from a user callback (a
// listener's or WebhookHandler's onEvent, an OnViewChange function, a
// BatchOptions.Progress function) with the stack of the goroutine that
// panicked. It runs on that goroutine, right after the callback.
type PanicHandler func(recovered any, stack []byte)

// panicHook holds the current PanicHandler (a holder, so that nil is storable).
var panicHook atomic.Value

type panicHolder struct{ h PanicHandler }

// SetPanicHandler sets what a panic in a user callback is reported to and
// returns the handler it replaces; nil restores the default, which writes
// the panic and its stack to standard error. The binding recovers the
// panic either way, so the delivery of later events, changes and progress
// goes on. Safe for concurrent use.
func SetPanicHandler(h PanicHandler) (previous PanicHandler) {
	old, _ := panicHook.Swap(panicHolder{h}).(panicHolder)
	if old.h == nil {
		return LogPanic
	}
	return old.h
}

// LogPanic is the default PanicHandler: the panic and its stack on standard
// error.
func LogPanic(recovered any, stack []byte) {
	fmt.Fprintf(os.Stderr, "twitchconduits: panic in a user callback (recovered): %v\n%s", recovered, stack)
}

// recoverUserPanic is deferred around each call of user code: it recovers
// a panic and reports it to the PanicHandler.
func recoverUserPanic() {
	if r := recover(); r != nil {
		reportPanic(r, debug.Stack())
	}
}

// reportPanic calls the handler; a handler that panics itself is reported
// by LogPanic, never to the goroutine delivering the events.
func reportPanic(recovered any, stack []byte) {
	hold, _ := panicHook.Load().(panicHolder)
	if hold.h == nil {
		LogPanic(recovered, stack)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			LogPanic(fmt.Sprintf("%v (in the PanicHandler, reporting: %v)", r, recovered), stack)
		}
	}()
	hold.h(recovered, stack)
}
