// Package tcswig is the SWIG-generated layer of the Go binding: the C API
// of twitchconduits as it is (see ../../twitchconduits.i). Only package
// twitchconduits uses it.
package tcswig

// #cgo pkg-config: twitchconduits
import "C"
