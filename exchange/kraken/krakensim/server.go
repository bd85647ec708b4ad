package krakensim

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is the emulated Kraken Spot REST API, an http.Handler.
//
// The zero value is usable: it serves the public endpoints from a market
// seeded with Seed (0), and its private endpoints know no keys until
// AddAccount and AddKey add some. New builds a Server from a Scenario.
//
// The exported fields are knobs. Set them before the server handles its
// first request; afterwards only the methods (SetFaults, AddAccount,
// AddKey, AddActivity, ...) may change the server.
type Server struct {
	// Now is the server clock (nil: time.Now). Rate-limit decay, lockouts,
	// key expiry, export progress and new activity all follow it.
	Now func() time.Time
	// Sleep waits for slow faults (nil: time.Sleep).
	Sleep func(time.Duration)
	// Logf, when set, receives a line for unknown routes, lockouts and
	// other notable events.
	Logf func(format string, args ...any)

	// Seed seeds the market (and new activity) of a zero Server.
	Seed int64
	// RateLimit is the default tier of keys that have none (zero:
	// TierStarter).
	RateLimit RateLimit
	// Faults is the initial fault-injection configuration; use SetFaults
	// once serving.
	Faults Faults
	// Lockout configures the per-IP temporary lockout.
	Lockout Lockout
	// ExportDelay is how long an export takes from Queued to Processed.
	ExportDelay time.Duration
	// PageSize of Ledgers, TradesHistory and ClosedOrders (0: 50).
	PageSize int
	// DisableGetAPIKeyInfo makes GetApiKeyInfo answer HTTP 404
	// EGeneral:Unknown method, as for keys where it was reported missing.
	DisableGetAPIKeyInfo bool
	// SystemStatus is the SystemStatus answer ("": "online").
	SystemStatus string

	initOnce sync.Once
	market   *Market
	assets   map[string]AssetInfo
	pairs    map[string]PairInfo // by pair ID

	mu       sync.RWMutex // guards accounts, keys
	accounts map[string]*account
	keys     map[string]*keyState

	faultMu  sync.Mutex
	faults   Faults
	faultRNG *rand.Rand

	lockMu sync.Mutex
	ips    map[string]*ipState

	stats statsStore

	activityMu  sync.Mutex
	activitySeq int64
}

// Option configures a Server built by New.
type Option func(*Server)

// WithClock sets Server.Now.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.Now = now } }

// WithSleep sets Server.Sleep.
func WithSleep(sleep func(time.Duration)) Option { return func(s *Server) { s.Sleep = sleep } }

// WithLogf sets Server.Logf.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(s *Server) { s.Logf = logf }
}

// New builds a server from a scenario: it generates every account's history
// once (all accounts share one Market) and registers the keys. Options are
// applied before generation, so a WithClock clock is the server clock from
// the start.
func New(sc *Scenario, opts ...Option) (*Server, error) {
	if sc == nil {
		sc = &Scenario{}
	}
	c, err := sc.compile()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Seed:                 c.seed,
		RateLimit:            c.rate,
		Faults:               c.faults,
		Lockout:              c.lockout,
		ExportDelay:          c.exportDelay,
		PageSize:             c.pageSize,
		DisableGetAPIKeyInfo: !c.apiKeyInfo,
		SystemStatus:         c.status,
	}
	for _, o := range opts {
		o(s)
	}
	s.init()
	accts := make([]*Account, len(c.accounts))
	var wg sync.WaitGroup
	for i, ca := range c.accounts {
		if ca.entries == 0 {
			accts[i] = emptyAccount(ca.id)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			accts[i] = Generate(s.market, c.seed, ca.id, HistorySpec{Entries: ca.entries, From: ca.from, To: ca.to})
		}()
	}
	wg.Wait()
	for i, ca := range c.accounts {
		if err := s.AddAccount(accts[i]); err != nil {
			return nil, err
		}
		for _, k := range ca.keys {
			if err := s.AddKey(ca.id, k); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

func emptyAccount(id string) *Account {
	return &Account{ID: id, EntryIndex: map[string]int{}, TradeIndex: map[string]int{}, OrderIndex: map[string]int{}}
}

// init prepares the lazily built state of a zero Server.
func (s *Server) init() {
	s.initOnce.Do(func() {
		if s.market == nil {
			s.market = NewMarket(s.Seed)
		}
		s.assets = map[string]AssetInfo{}
		for _, a := range Assets() {
			s.assets[a.ID] = a
		}
		s.pairs = map[string]PairInfo{}
		for _, p := range Pairs() {
			s.pairs[p.ID] = p
		}
		s.accounts = map[string]*account{}
		s.keys = map[string]*keyState{}
		s.ips = map[string]*ipState{}
		s.faults = s.Faults
		s.stats.init()
	})
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) sleep(d time.Duration) {
	if s.Sleep != nil {
		s.Sleep(d)
		return
	}
	time.Sleep(d)
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

func (s *Server) pageSize() int {
	if s.PageSize > 0 {
		return s.PageSize
	}
	return 50
}

// Market returns the server's market (prices, candles, public trades).
func (s *Server) Market() *Market {
	s.init()
	return s.market
}

// AddAccount registers an account (for example a hand-made one in a test).
// Its Entries, Trades and Closed must be in ascending time order.
func (s *Server) AddAccount(a *Account) error {
	s.init()
	if a == nil || a.ID == "" {
		return errors.New("krakensim: AddAccount: account without ID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.accounts[a.ID]; dup {
		return fmt.Errorf("krakensim: AddAccount: duplicate account %q", a.ID)
	}
	s.accounts[a.ID] = &account{a: a}
	return nil
}

// AddKey registers an API key for an existing account.
func (s *Server) AddKey(accountID string, k Key) error {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[accountID]
	if a == nil {
		return fmt.Errorf("krakensim: AddKey: unknown account %q", accountID)
	}
	if _, dup := s.keys[k.Key]; dup {
		return fmt.Errorf("krakensim: AddKey: duplicate key %q", k.Key)
	}
	ks, err := newKeyState(k, a, s.now())
	if err != nil {
		return err
	}
	s.keys[k.Key] = ks
	s.stats.declareKey(k.Key)
	return nil
}

// RevokeKey deletes an API key, as a user does on Kraken's key page: later
// calls with it get EAPI:Invalid key. It reports whether the key existed.
func (s *Server) RevokeKey(key string) bool {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.keys[key]
	delete(s.keys, key)
	return ok
}

// Account returns the account with that ID, or nil. Hold its Mu while
// reading or changing it.
func (s *Server) Account(id string) *Account {
	s.init()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if a := s.accounts[id]; a != nil {
		return a.a
	}
	return nil
}

func (s *Server) account(id string) *account {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.accounts[id]
}

// AccountIDs lists the accounts, sorted.
func (s *Server) AccountIDs() []string {
	s.init()
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]string, 0, len(s.accounts))
	for id := range s.accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// AddActivity appends about n new consistent ledger entries (and the
// trades and orders behind them) dated at the server clock to an account,
// and returns how many entries were added.
func (s *Server) AddActivity(accountID string, n int) (int, error) {
	s.init()
	a := s.account(accountID)
	if a == nil {
		return 0, fmt.Errorf("krakensim: unknown account %q", accountID)
	}
	s.activityMu.Lock()
	s.activitySeq++
	seed := s.Seed ^ int64(uint64(s.activitySeq)*0x9e3779b97f4a7c15>>1)
	s.activityMu.Unlock()
	a.a.Mu.Lock()
	added := a.a.AddActivity(s.market, seed, n, s.now())
	a.a.Mu.Unlock()
	return added, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.init()
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/0/private/"):
		s.servePrivate(w, r, strings.TrimPrefix(p, "/0/private/"))
	case strings.HasPrefix(p, "/0/public/"):
		s.servePublic(w, r, strings.TrimPrefix(p, "/0/public/"))
	case strings.HasPrefix(p, "/_sim/"):
		s.serveSim(w, r)
	default:
		s.unknownMethod(w, r)
	}
}

func (s *Server) unknownMethod(w http.ResponseWriter, r *http.Request) {
	s.logf("krakensim: unhandled %s %s: 404 EGeneral:Unknown method", r.Method, r.URL.Path)
	writeJSON(w, http.StatusNotFound, errorBody(string(errUnknownMethod)))
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// call is one API request being served.
type call struct {
	s      *Server
	r      *http.Request
	method string
	p      params
	now    time.Time
	key    *keyState // private calls
	acct   *account  // private calls

	// raw, when set, is sent as-is with rawType instead of a JSON result
	// (RetrieveExport's ZIP).
	raw     []byte
	rawType string
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// finish sends a produced response, applying a truncation or slow fault.
func (s *Server) finish(w http.ResponseWriter, f fault, ctype string, body []byte) {
	if f.kind == FaultSlow && f.delay > 0 {
		s.sleep(f.delay)
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	if f.kind == FaultTruncated {
		// No Content-Length: the client sees a complete HTTP 200 response
		// whose body stops in the middle.
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// servePublic serves /0/public/<name>.
func (s *Server) servePublic(w http.ResponseWriter, r *http.Request, name string) {
	m, ok := publicMethods[name]
	if !ok {
		s.unknownMethod(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET, POST")
		return
	}
	f := s.rollFault()
	s.stats.publicCall(name, f.kind)
	if f.kind.beforeKraken() {
		s.serveFrontFault(w, f)
		return
	}
	c := &call{s: s, r: r, method: name, p: params{v: map[string]string{}}, now: s.now()}
	var err error
	if r.Method == http.MethodPost {
		body, rerr := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if rerr != nil {
			return
		}
		if isJSONBody(r.Header.Get("Content-Type"), body) {
			err = parseJSONBody(&c.p, body)
		} else {
			err = parseForm(&c.p, string(body))
		}
	}
	if err == nil {
		err = parseForm(&c.p, r.URL.RawQuery)
	}
	var body []byte
	if ae, isAPI := f.kind.apiError(); isAPI {
		body = errorBody(string(ae))
	} else if err != nil {
		body = errorBody(string(errBadRequest))
	} else if res, herr := m(c); herr != nil {
		body = errorBody(apiErrorString(herr))
	} else {
		body = envelope(res)
	}
	s.finish(w, f, "application/json; charset=utf-8", body)
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, errorBody("EGeneral:Method not allowed"))
}

func apiErrorString(err error) string {
	var ae apiError
	if errors.As(err, &ae) {
		return string(ae)
	}
	return string(errInternal)
}

// servePrivate serves /0/private/<name>: authentication (REFERENCE 17
// order: lockout, key, signature, nonce, otp, permission, rate counter),
// then the method.
func (s *Server) servePrivate(w http.ResponseWriter, r *http.Request, name string) {
	m, ok := privateMethods[name]
	if !ok || (name == "GetApiKeyInfo" && s.DisableGetAPIKeyInfo) {
		s.unknownMethod(w, r)
		return
	}
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	f := s.rollFault()
	apiKey := r.Header.Get("API-Key")
	s.stats.call(apiKey, name)
	if f.kind.beforeKraken() {
		s.stats.fault(apiKey, f.kind)
		s.serveFrontFault(w, f)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return
	}
	c := &call{s: s, r: r, method: name, p: params{v: map[string]string{}}, now: s.now()}
	var res []byte
	aerr := s.authenticate(c, m, apiKey, body)
	if aerr == nil {
		if ae, isAPI := f.kind.apiError(); isAPI {
			aerr = ae
			s.stats.fault(apiKey, f.kind)
		} else {
			if f.kind != "" {
				s.stats.fault(apiKey, f.kind)
			}
			res, aerr = m.h(c)
		}
	}
	if aerr != nil {
		msg := apiErrorString(aerr)
		s.stats.apiError(apiKey, msg)
		s.finish(w, f, "application/json; charset=utf-8", errorBody(msg))
		return
	}
	if c.raw != nil {
		s.finish(w, f, c.rawType, c.raw)
		return
	}
	s.finish(w, f, "application/json; charset=utf-8", envelope(res))
}

// authenticate runs the checks before a private method; on success c.key
// and c.acct are set, the nonce is used up and the call charged.
func (s *Server) authenticate(c *call, m privMethod, apiKey string, body []byte) error {
	r := c.r
	ip := clientIP(r.RemoteAddr)
	if s.lockedOut(ip, c.now) {
		return errLockout
	}
	s.mu.RLock()
	k := s.keys[apiKey]
	s.mu.RUnlock()
	if k == nil || (!k.cfg.ValidUntil.IsZero() && !c.now.Before(k.cfg.ValidUntil)) {
		s.authFailed(ip, c.now)
		return errInvalidKey
	}
	if !k.ipAllowed(r.RemoteAddr) {
		return errPermission
	}
	var perr error
	if isJSONBody(r.Header.Get("Content-Type"), body) {
		perr = parseJSONBody(&c.p, body)
	} else {
		perr = parseForm(&c.p, string(body))
	}
	if perr == nil {
		perr = parseForm(&c.p, r.URL.RawQuery)
	}
	nonceStr := c.p.v["nonce"]
	uriPath := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		uriPath += "?" + r.URL.RawQuery
	}
	if !k.verify(r.Header.Get("API-Sign"), uriPath, nonceStr, body) {
		s.authFailed(ip, c.now)
		return errInvalidSignature
	}
	if perr != nil {
		return errBadRequest
	}
	nonce, nerr := strconv.ParseUint(strings.TrimSpace(nonceStr), 10, 64)
	k.mu.Lock()
	defer k.mu.Unlock()
	if nerr != nil || !k.nonceOK(nonce) {
		s.authFailed(ip, c.now)
		return errInvalidNonce
	}
	if k.cfg.OTP != "" {
		otp, has := c.p.v["otp"]
		if !has || otp == "" {
			return errPermission
		}
		if otp != k.cfg.OTP {
			s.authFailed(ip, c.now)
			return errInvalidSignature
		}
	}
	// Authenticated: the nonce is used up from here on.
	k.useNonce(nonce)
	k.lastUsed = c.now
	s.authOK(ip)
	c.key, c.acct = k, k.account
	if !m.need.ok(k.perms) {
		return errPermission
	}
	rl := s.RateLimit
	if k.cfg.RateLimit != nil {
		rl = *k.cfg.RateLimit
	}
	rl = rl.effective()
	if !k.counter.charge(c.now, rl, rl.cost(m.cost)) {
		return errRateLimit
	}
	return nil
}
