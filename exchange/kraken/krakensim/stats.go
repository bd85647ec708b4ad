package krakensim

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// Stats is a snapshot of what the server has seen, as served by
// GET /_sim/stats.
type Stats struct {
	// Keys maps an API-Key header value (also unknown ones, and "" for a
	// missing header) to its counters.
	Keys map[string]KeyStats `json:"keys"`
	// Public counts public calls by method.
	Public map[string]int `json:"public"`
	// Faults counts injected faults by kind.
	Faults map[string]int `json:"faults"`
}

// KeyStats counts one key's private calls.
type KeyStats struct {
	// Calls counts requests by method, whatever their outcome (a call
	// rejected for lack of permission, or faulted, still counts).
	Calls map[string]int `json:"calls"`
	// Errors counts API error strings returned to this key. The
	// authentication errors are always present (0 when never seen).
	Errors map[string]int `json:"errors"`
	// Faults counts faults injected into this key's calls.
	Faults map[string]int `json:"faults,omitempty"`
	// Counter is the key's rate counter in points, decayed to now (configured
	// keys only).
	Counter string `json:"counter,omitempty"`
	// Nonce is the highest accepted nonce (configured keys only).
	Nonce string `json:"nonce,omitempty"`
}

// statsStore accumulates Stats.
type statsStore struct {
	mu     sync.Mutex
	keys   map[string]*KeyStats
	public map[string]int
	faults map[string]int
}

// The errors every configured key reports even at 0.
var declaredErrors = []apiError{errInvalidKey, errInvalidSignature, errInvalidNonce,
	errPermission, errRateLimit, errLockout}

func (st *statsStore) init() {
	st.keys = map[string]*KeyStats{}
	st.public = map[string]int{}
	st.faults = map[string]int{}
}

// maxUnknownKeys bounds the stats kept for unknown API keys.
const maxUnknownKeys = 1000

func (st *statsStore) keyLocked(key string) *KeyStats {
	ks := st.keys[key]
	if ks == nil {
		if len(st.keys) >= maxUnknownKeys+len(declaredErrors) {
			key = "(other)"
			if ks = st.keys[key]; ks != nil {
				return ks
			}
		}
		ks = &KeyStats{Calls: map[string]int{}, Errors: map[string]int{}}
		st.keys[key] = ks
	}
	return ks
}

func (st *statsStore) declareKey(key string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	ks := st.keyLocked(key)
	for _, e := range declaredErrors {
		if _, ok := ks.Errors[string(e)]; !ok {
			ks.Errors[string(e)] = 0
		}
	}
}

func (st *statsStore) call(key, method string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.keyLocked(key).Calls[method]++
}

func (st *statsStore) apiError(key, msg string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.keyLocked(key).Errors[msg]++
}

func (st *statsStore) fault(key string, k FaultKind) {
	st.mu.Lock()
	defer st.mu.Unlock()
	ks := st.keyLocked(key)
	if ks.Faults == nil {
		ks.Faults = map[string]int{}
	}
	ks.Faults[string(k)]++
	st.faults[string(k)]++
}

func (st *statsStore) publicCall(method string, k FaultKind) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.public[method]++
	if k != "" {
		st.faults[string(k)]++
	}
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats {
	s.init()
	now := s.now()
	s.stats.mu.Lock()
	out := Stats{Keys: map[string]KeyStats{}, Public: map[string]int{}, Faults: map[string]int{}}
	for k, v := range s.stats.keys {
		cp := KeyStats{Calls: map[string]int{}, Errors: map[string]int{}}
		for m, n := range v.Calls {
			cp.Calls[m] = n
		}
		for e, n := range v.Errors {
			cp.Errors[e] = n
		}
		if v.Faults != nil {
			cp.Faults = map[string]int{}
			for f, n := range v.Faults {
				cp.Faults[f] = n
			}
		}
		out.Keys[k] = cp
	}
	for m, n := range s.stats.public {
		out.Public[m] = n
	}
	for f, n := range s.stats.faults {
		out.Faults[f] = n
	}
	s.stats.mu.Unlock()

	s.mu.RLock()
	defer s.mu.RUnlock()
	for name, k := range s.keys {
		ks, ok := out.Keys[name]
		if !ok {
			continue
		}
		k.mu.Lock()
		rl := s.RateLimit
		if k.cfg.RateLimit != nil {
			rl = *k.cfg.RateLimit
		}
		ks.Counter = k.counter.current(now, rl.effective()).String()
		if k.nonceSet {
			ks.Nonce = uintString(k.highest)
		}
		k.mu.Unlock()
		out.Keys[name] = ks
	}
	return out
}

// serveSim serves the emulator-only endpoints under /_sim/.
func (s *Server) serveSim(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/_sim/")
	switch {
	case p == "stats":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET")
			return
		}
		b, err := json.Marshal(s.Stats())
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, errorBody(err.Error()))
			return
		}
		writeJSON(w, http.StatusOK, b)
	case strings.HasPrefix(p, "accounts/") && strings.HasSuffix(p, "/activity"):
		id := strings.TrimSuffix(strings.TrimPrefix(p, "accounts/"), "/activity")
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		if s.account(id) == nil {
			writeJSON(w, http.StatusNotFound, errorBody("unknown account "+id))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody("invalid form: "+err.Error()))
			return
		}
		n := 10
		if v := r.Form.Get("entries"); v != "" {
			var err error
			n, err = atoiRange(v, 1, 1_000_000)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, errorBody("entries: want an integer in 1..1000000"))
				return
			}
		}
		added, err := s.AddActivity(id, n)
		if err != nil {
			writeJSON(w, http.StatusNotFound, errorBody(err.Error()))
			return
		}
		writeJSON(w, http.StatusOK, []byte(`{"added":`+itoa(added)+`}`))
	default:
		s.unknownMethod(w, r)
	}
}
