package krakensim

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Key is one API key of an account and its settings.
type Key struct {
	Key    string // the API-Key header value
	Secret string // standard base64 of 64 bytes
	Name   string // apiKeyName in GetApiKeyInfo

	// Permissions are Kraken's tokens: query-funds, add-funds,
	// withdraw-funds, earn-funds, query-open-trades, query-closed-trades,
	// modify-trades, close-trades, query-ledger, export-data,
	// create-ws-token, add-withdraw-address, update-withdraw-address.
	Permissions []string

	// NonceWindow > 0 also accepts a nonce above highest-NonceWindow that
	// was not used before.
	NonceWindow uint64
	// OTP, when set, must be sent as the otp parameter. A missing otp is
	// EGeneral:Permission denied; a wrong one is EAPI:Invalid signature.
	OTP string
	// QueryFrom and QueryTo (zero = open) limit the history the key can
	// read; entries outside are invisible to it.
	QueryFrom, QueryTo time.Time
	// ValidUntil (zero = never) expires the key: EAPI:Invalid key after it.
	ValidUntil time.Time
	// RateLimit overrides the server's tier for this key.
	RateLimit *RateLimit
	// IPAllowlist, when not empty, restricts the client addresses; others
	// get EGeneral:Permission denied (Kraken's answer is undocumented).
	IPAllowlist []netip.Prefix
}

// The permission tokens, in Kraken's order (REFERENCE 3.1).
var permNames = [...]string{
	"query-funds", "add-funds", "withdraw-funds", "earn-funds",
	"query-open-trades", "query-closed-trades", "modify-trades", "close-trades",
	"query-ledger", "export-data", "create-ws-token",
	"add-withdraw-address", "update-withdraw-address",
}

type perm uint16

const (
	pQueryFunds perm = 1 << iota
	pAddFunds
	pWithdrawFunds
	pEarnFunds
	pQueryOpen
	pQueryClosed
	pModifyTrades
	pCloseTrades
	pQueryLedger
	pExportData
	pCreateWSToken
	pAddWithdrawAddress
	pUpdateWithdrawAddress
)

var permByName = func() map[string]perm {
	m := map[string]perm{}
	for i, n := range permNames {
		m[n] = perm(1) << i
	}
	return m
}()

// need is a permission requirement: every permission of all and, when any
// is not zero, at least one of any.
type need struct{ all, any perm }

func (n need) ok(have perm) bool {
	if have&n.all != n.all {
		return false
	}
	return n.any == 0 || have&n.any != 0
}

// keyState is a configured key and its mutable state.
type keyState struct {
	cfg     Key
	secret  []byte
	perms   perm
	account *account
	created time.Time

	mu       sync.Mutex
	nonceSet bool
	highest  uint64
	seen     map[uint64]struct{} // accepted nonces within the window
	counter  counter
	lastUsed time.Time
}

func newKeyState(k Key, a *account, now time.Time) (*keyState, error) {
	if k.Key == "" {
		return nil, errors.New("krakensim: key is empty")
	}
	if err := checkSecret(k.Secret); err != nil {
		return nil, errors.New("krakensim: key " + k.Key + ": secret: " + err.Error())
	}
	secret, _ := base64.StdEncoding.DecodeString(k.Secret)
	ks := &keyState{cfg: k, secret: secret, account: a, created: now}
	for _, p := range k.Permissions {
		bit, ok := permByName[p]
		if !ok {
			return nil, errors.New("krakensim: key " + k.Key + ": unknown permission " + p)
		}
		ks.perms |= bit
	}
	return ks, nil
}

// Sign computes Kraken's API-Sign for a request: base64 of
// HMAC-SHA512(key = base64-decoded secret, message = uriPath ||
// SHA256(nonce || body)). uriPath is the request path with its query
// string, if any ("/0/private/Ledgers"); body is the exact bytes sent.
//
// It is the emulator's own implementation, exported for tests that build
// raw requests; the project's Kraken client has a separate one on purpose.
func Sign(secret, uriPath, nonce string, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(signRaw(key, uriPath, nonce, body)), nil
}

func signRaw(key []byte, uriPath, nonce string, body []byte) []byte {
	inner := sha256.New()
	inner.Write([]byte(nonce))
	inner.Write(body)
	mac := hmac.New(sha512.New, key)
	mac.Write([]byte(uriPath))
	mac.Write(inner.Sum(nil))
	return mac.Sum(nil)
}

// verify checks an API-Sign header value.
func (k *keyState) verify(sig, uriPath, nonce string, body []byte) bool {
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(got) != sha512.Size {
		return false
	}
	return hmac.Equal(got, signRaw(k.secret, uriPath, nonce, body))
}

// nonceOK reports whether n is acceptable: above the highest accepted
// nonce, or, with a window, above highest-window and not used before.
// The caller holds k.mu.
func (k *keyState) nonceOK(n uint64) bool {
	if !k.nonceSet || n > k.highest {
		return true
	}
	w := k.cfg.NonceWindow
	if w == 0 {
		return false
	}
	lo := uint64(0)
	if k.highest > w {
		lo = k.highest - w
	}
	if n <= lo {
		return false
	}
	_, used := k.seen[n]
	return !used
}

// useNonce records an accepted nonce. The caller holds k.mu.
func (k *keyState) useNonce(n uint64) {
	w := k.cfg.NonceWindow
	if !k.nonceSet || n > k.highest {
		k.highest, k.nonceSet = n, true
		if w > 0 && k.seen != nil {
			lo := uint64(0)
			if k.highest > w {
				lo = k.highest - w
			}
			for x := range k.seen {
				if x <= lo {
					delete(k.seen, x)
				}
			}
		}
	}
	if w > 0 {
		if k.seen == nil {
			k.seen = map[uint64]struct{}{}
		}
		k.seen[n] = struct{}{}
	}
}

// ipAllowed reports whether the client address passes the allow-list.
func (k *keyState) ipAllowed(remoteAddr string) bool {
	if len(k.cfg.IPAllowlist) == 0 {
		return true
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range k.cfg.IPAllowlist {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Lockout configures the per-IP temporary lockout. After Threshold
// consecutive EAPI:Invalid key, EAPI:Invalid signature or EAPI:Invalid
// nonce failures from one client IP (a wrong otp counts, being reported as
// an invalid signature), the failing call still gets its own error and every
// later private call from that IP gets EGeneral:Temporary lockout until
// Duration has passed on the server clock. A successfully authenticated
// call resets the count. Zero values mean Threshold 5 and Duration 15m; a
// negative Threshold disables lockouts.
type Lockout struct {
	Threshold int
	Duration  time.Duration
}

func (l Lockout) effective() Lockout {
	if l.Threshold == 0 {
		l.Threshold = 5
	}
	if l.Duration <= 0 {
		l.Duration = 15 * time.Minute
	}
	return l
}

type ipState struct {
	fails int
	until time.Time
}

// clientIP is the host part of the request's remote address.
func clientIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// lockedOut reports whether ip is locked out at now.
func (s *Server) lockedOut(ip string, now time.Time) bool {
	s.lockMu.Lock()
	defer s.lockMu.Unlock()
	st := s.ips[ip]
	return st != nil && now.Before(st.until)
}

// authFailed counts an authentication failure from ip.
func (s *Server) authFailed(ip string, now time.Time) {
	l := s.Lockout.effective()
	if l.Threshold < 0 {
		return
	}
	s.lockMu.Lock()
	defer s.lockMu.Unlock()
	st := s.ips[ip]
	if st == nil {
		st = &ipState{}
		s.ips[ip] = st
	}
	st.fails++
	if st.fails >= l.Threshold {
		st.fails = 0
		st.until = now.Add(l.Duration)
		s.logf("krakensim: client %s locked out until %s", ip, st.until.Format(time.RFC3339))
	}
}

// authOK resets ip's failure count.
func (s *Server) authOK(ip string) {
	s.lockMu.Lock()
	defer s.lockMu.Unlock()
	if st := s.ips[ip]; st != nil {
		st.fails = 0
	}
}
