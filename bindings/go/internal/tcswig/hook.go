package tcswig

/*
#include <stdint.h>
*/
import "C"

var notifyHook func(f Tcb_future)

// SetNotifyHook sets the Go function that receives every completed future
// (it owns the operation's reference). Call it once, from an init function,
// before any client exists.
func SetNotifyHook(fn func(f Tcb_future)) { notifyHook = fn }

//export tcgoNotify
func tcgoNotify(f C.uintptr_t) {
	// A panic here would unwind into C on a library thread: never let one out.
	defer func() { _ = recover() }()
	notifyHook(SwigcptrTcb_future(uintptr(f)))
}
