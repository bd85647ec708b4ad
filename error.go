package cointally

import (
	"errors"
	"fmt"
)

// Kind classifies an Error so callers can react without parsing text, and
// so the web layer can map it to an HTTP status in one table.
type Kind int

const (
	// KindOther is an unexpected failure (a bug or an environment problem).
	KindOther Kind = iota
	// KindInvalid means the input was malformed or refused; the message says
	// what to change.
	KindInvalid
	// KindNotFound means the named thing does not exist.
	KindNotFound
	// KindConflict means the thing exists already or is in use (a sync that is
	// already running, an account name that is taken).
	KindConflict
	// KindUnauthorized means credentials are missing, wrong or lack a
	// permission.
	KindUnauthorized
	// KindUnavailable means a remote service or resource cannot be reached now;
	// trying later may work.
	KindUnavailable
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindUnauthorized:
		return "unauthorized"
	case KindUnavailable:
		return "unavailable"
	default:
		return "error"
	}
}

// Error is the application's error: an operation, a Kind, a message meant
// for the user, and the wrapped cause. Messages never contain secrets.
type Error struct {
	Op      string // what was being done: "account add", "sync alice"
	Kind    Kind
	Message string // a sentence for the user: what is wrong and what to do
	Err     error  // the underlying cause, if any
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Op != "" {
		return e.Op + ": " + msg
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the Kind of the first *Error in err's chain, or KindOther.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// IsNotFound reports whether err is a KindNotFound error.
func IsNotFound(err error) bool { return err != nil && KindOf(err) == KindNotFound }
