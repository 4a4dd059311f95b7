package twitchconduits

import (
	"fmt"
	"strings"

	"twitchconduits/internal/tcswig"
)

// Code is a tc_status value of the C library (0 = success, negative = error).
type Code int

// The status codes of include/twitchconduits/common.h.
const (
	CodeOK            Code = 0
	CodeError         Code = -1
	CodeInvalid       Code = -2
	CodeNoMemory      Code = -3
	CodeVersion       Code = -4
	CodeCanceled      Code = -5
	CodeTimedOut      Code = -6
	CodeNetwork       Code = -7
	CodeTLS           Code = -8
	CodeHTTP          Code = -9
	CodeAuth          Code = -10
	CodeForbidden     Code = -11
	CodeNotFound      Code = -12
	CodeConflict      Code = -13
	CodeRateLimit     Code = -14
	CodeServer        Code = -15
	CodeProtocol      Code = -16
	CodeClosed        Code = -17
	CodeReentrant     Code = -18
	CodeBusy          Code = -19
	CodeTooLarge      Code = -20
	CodeUser          Code = -21
	CodeBadRequest    Code = -22
	CodeGone          Code = -23
	CodePartial       Code = -24
	CodeNoCredentials Code = -25
	CodeNotSupported  Code = -26
	CodeSignature     Code = -27
	CodeStale         Code = -28
)

// Name is the code's C name without the TC_ prefix ("ENOTFOUND"), from
// tc_status_name().
func (c Code) Name() string {
	if n := tcswig.Tc_status_name(int(c)); n != "" {
		return strings.TrimPrefix(n, "TC_")
	}
	return fmt.Sprintf("E%d", int(c))
}

// String is the library's English description of the code.
func (c Code) String() string { return tcswig.Tc_strerror(int(c)) }

// Error is a failure reported by the library: its status code, Twitch's (or
// the library's) message and the HTTP status (0 when there was no answer).
type Error struct {
	Code       Code
	Name       string
	Message    string
	HTTPStatus int
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Code.String()
	}
	if e.HTTPStatus != 0 {
		return fmt.Sprintf("twitchconduits: %s (HTTP %d): %s", e.Name, e.HTTPStatus, msg)
	}
	return fmt.Sprintf("twitchconduits: %s: %s", e.Name, msg)
}

// Is makes errors.Is(err, ErrNotFound) (and the other sentinels) match any
// *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func newError(code Code, msg string, httpStatus int) *Error {
	return &Error{Code: code, Name: code.Name(), Message: msg, HTTPStatus: httpStatus}
}

func sentinel(c Code) *Error { return &Error{Code: c, Name: c.Name()} }

// Sentinels for errors.Is: each matches every *Error with its code.
var (
	ErrInternal      = sentinel(CodeError)
	ErrInvalid       = sentinel(CodeInvalid)
	ErrNoMemory      = sentinel(CodeNoMemory)
	ErrVersion       = sentinel(CodeVersion)
	ErrCanceled      = sentinel(CodeCanceled)
	ErrTimedOut      = sentinel(CodeTimedOut)
	ErrNetwork       = sentinel(CodeNetwork)
	ErrTLS           = sentinel(CodeTLS)
	ErrHTTP          = sentinel(CodeHTTP)
	ErrAuth          = sentinel(CodeAuth)
	ErrForbidden     = sentinel(CodeForbidden)
	ErrNotFound      = sentinel(CodeNotFound)
	ErrConflict      = sentinel(CodeConflict)
	ErrRateLimit     = sentinel(CodeRateLimit)
	ErrServer        = sentinel(CodeServer)
	ErrProtocol      = sentinel(CodeProtocol)
	ErrClosed        = sentinel(CodeClosed)
	ErrReentrant     = sentinel(CodeReentrant)
	ErrBusy          = sentinel(CodeBusy)
	ErrTooLarge      = sentinel(CodeTooLarge)
	ErrUser          = sentinel(CodeUser)
	ErrBadRequest    = sentinel(CodeBadRequest)
	ErrGone          = sentinel(CodeGone)
	ErrPartial       = sentinel(CodePartial)
	ErrNoCredentials = sentinel(CodeNoCredentials)
	ErrNotSupported  = sentinel(CodeNotSupported)
	ErrSignature     = sentinel(CodeSignature)
	ErrStale         = sentinel(CodeStale)
)

// statusError is nil for TC_OK, else an *Error.
func statusError(st int, msg string, httpStatus int) error {
	if st == 0 {
		return nil
	}
	return newError(Code(st), msg, httpStatus)
}
