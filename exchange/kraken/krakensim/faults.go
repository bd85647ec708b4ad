package krakensim

import (
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// FaultKind names one kind of injected fault.
type FaultKind string

// The fault kinds. Each says where in the request's life it strikes, which
// decides whether the call used up its nonce and its rate-limit cost:
//
//   - FaultHTTP520, FaultHTTP502: a Cloudflare-style HTML error page. The
//     request never reached Kraken: nothing is consumed (nonce, counter).
//   - FaultDrop: the connection is closed without a response (hijacked;
//     under a ResponseRecorder the handler panics with http.ErrAbortHandler).
//     Also before Kraken: nothing consumed.
//   - FaultUnavailable (EService:Unavailable), FaultBusy (EService:Busy),
//     FaultInternal (EGeneral:Internal error): HTTP 200 API errors from
//     Kraken itself, returned after authentication, so the nonce is used up
//     and the call was charged to the rate counter. No data is read or
//     changed.
//   - FaultTruncated: the complete, correct response is produced (nonce and
//     counter consumed) and only its first half is sent, with HTTP 200.
//   - FaultSlow: the correct response, sent after a delay between
//     Faults.SlowMin and Faults.SlowMax (through Server.Sleep).
//
// No fault changes data: a retry after any fault sees the same history.
const (
	FaultHTTP520     FaultKind = "http_520"
	FaultHTTP502     FaultKind = "http_502"
	FaultUnavailable FaultKind = "service_unavailable"
	FaultBusy        FaultKind = "service_busy"
	FaultInternal    FaultKind = "internal_error"
	FaultTruncated   FaultKind = "truncated"
	FaultSlow        FaultKind = "slow"
	FaultDrop        FaultKind = "drop"
)

var allFaultKinds = []FaultKind{FaultHTTP520, FaultHTTP502, FaultUnavailable, FaultBusy,
	FaultInternal, FaultTruncated, FaultSlow, FaultDrop}

func (k FaultKind) valid() bool {
	for _, x := range allFaultKinds {
		if k == x {
			return true
		}
	}
	return false
}

func faultKindNames() []string {
	s := make([]string, len(allFaultKinds))
	for i, k := range allFaultKinds {
		s[i] = string(k)
	}
	sort.Strings(s)
	return s
}

// beforeKraken reports whether the fault happens in front of Kraken (the
// request is not processed at all).
func (k FaultKind) beforeKraken() bool {
	return k == FaultHTTP520 || k == FaultHTTP502 || k == FaultDrop
}

// apiError returns the API error of an EService-style fault.
func (k FaultKind) apiError() (apiError, bool) {
	switch k {
	case FaultUnavailable:
		return errUnavailable, true
	case FaultBusy:
		return errBusy, true
	case FaultInternal:
		return errInternal, true
	}
	return "", false
}

// Faults configures fault injection. Each request to /0/... is faulted with
// probability Rate (0..1), with a kind drawn uniformly from Kinds (empty
// means all kinds). The sequence of decisions is deterministic for a Seed:
// the n-th request (in arrival order) gets the same decision on every run.
// Requests to /_sim are never faulted.
type Faults struct {
	Rate    float64 // a probability, not an amount
	Kinds   []FaultKind
	Seed    int64
	SlowMin time.Duration // default 50ms
	SlowMax time.Duration // default 200ms
}

// fault is the decision for one request.
type fault struct {
	kind  FaultKind // "" = none
	delay time.Duration
}

// SetFaults replaces the fault configuration and restarts its sequence. It
// is safe to call while the server is serving.
func (s *Server) SetFaults(f Faults) {
	s.init()
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = f
	s.faultRNG = nil
}

// rollFault draws the fault decision for one request.
func (s *Server) rollFault() fault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	f := s.faults
	if f.Rate <= 0 {
		return fault{}
	}
	if s.faultRNG == nil {
		s.faultRNG = rand.New(rand.NewPCG(uint64(f.Seed), 0x6b72616b656e)) // "kraken"
	}
	rng := s.faultRNG
	// Draw a fixed number of values per request so that the sequence does
	// not depend on which branch is taken.
	p, pick, d := rng.Float64(), rng.IntN(1<<30), rng.Int64()
	if p >= f.Rate {
		return fault{}
	}
	kinds := f.Kinds
	if len(kinds) == 0 {
		kinds = allFaultKinds
	}
	k := kinds[pick%len(kinds)]
	out := fault{kind: k}
	if k == FaultSlow {
		lo, hi := f.SlowMin, f.SlowMax
		if lo <= 0 && hi <= 0 {
			lo, hi = 50*time.Millisecond, 200*time.Millisecond
		}
		if hi < lo {
			hi = lo
		}
		out.delay = lo
		if span := int64(hi - lo); span > 0 {
			out.delay += time.Duration(uint64(d) % uint64(span+1))
		}
	}
	return out
}

// cloudflarePage is the HTML body of a Cloudflare-style error.
func cloudflarePage(code int) []byte {
	title := "502: Bad gateway"
	if code == 520 {
		title = "520: Web server is returning an unknown error"
	}
	return []byte("<!DOCTYPE html>\n<html lang=\"en-US\">\n<head><title>api.kraken.com | " + title +
		"</title></head>\n<body>\n<h1>Error " + strconv.Itoa(code) + "</h1>\n<p>" + title +
		"</p>\n<p>Cloudflare Ray ID: 7f3c2a1b0d9e8c7b</p>\n</body>\n</html>\n")
}

// serveFrontFault answers a fault that happens in front of Kraken.
func (s *Server) serveFrontFault(w http.ResponseWriter, f fault) {
	switch f.kind {
	case FaultHTTP520, FaultHTTP502:
		code := 520
		if f.kind == FaultHTTP502 {
			code = http.StatusBadGateway
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(code)
		_, _ = w.Write(cloudflarePage(code))
	case FaultDrop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
}
