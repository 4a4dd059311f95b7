// Package tcswig is the SWIG-generated layer of the Go binding plus the cgo
// notify trampoline. Only package twitchconduits uses it.
package tcswig

// #cgo CFLAGS: -I${SRCDIR}/../../../common
// #cgo pkg-config: twitchconduits
import "C"
