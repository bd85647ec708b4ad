package krakensim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Scenario is the JSON description of an emulated Kraken: its accounts,
// their generated histories and API keys, and the server's behaviour (rate
// limits, fault injection, lockout, export delay). Load one with
// LoadScenario or ParseScenario and serve it with New.
//
// A minimal file:
//
//	{"seed": 1,
//	 "rate_limit": {"tier": "starter"},
//	 "faults": {"rate": 0.0},
//	 "get_api_key_info": true,
//	 "accounts": [{"id": "alice",
//	   "history": {"entries": 5000, "from": "2019-01-01T00:00:00Z", "to": "2025-06-30T00:00:00Z"},
//	   "keys": [{"key": "API KEY", "secret": "BASE64 PRIVATE KEY",
//	             "permissions": ["query-funds", "query-open-trades", "query-closed-trades", "query-ledger"]}]}]}
//
// Unknown fields are an error that names the field.
type Scenario struct {
	// Seed makes the market and every generated history reproducible.
	Seed int64 `json:"seed"`
	// RateLimit is the default rate-limit tier of every key.
	RateLimit *RateLimitSpec `json:"rate_limit,omitempty"`
	// Faults configures fault injection; nil injects none.
	Faults *FaultSpec `json:"faults,omitempty"`
	// GetAPIKeyInfo enables the GetApiKeyInfo endpoint (default true);
	// false makes it answer HTTP 404 EGeneral:Unknown method.
	GetAPIKeyInfo *bool `json:"get_api_key_info,omitempty"`
	// ExportDelay is how long an AddExport report takes to be Processed
	// (Queued for the first half, Processing for the second), as a Go
	// duration ("10s"). Default 0: processed at once.
	ExportDelay Duration `json:"export_delay,omitempty"`
	// Lockout configures the per-IP temporary lockout.
	Lockout *LockoutSpec `json:"lockout,omitempty"`
	// PageSize of Ledgers, TradesHistory and ClosedOrders (default 50).
	PageSize int `json:"page_size,omitempty"`
	// SystemStatus is what SystemStatus reports (default "online").
	SystemStatus string `json:"system_status,omitempty"`
	// Accounts are the simulated accounts.
	Accounts []AccountSpec `json:"accounts"`
}

// RateLimitSpec selects a tier ("starter", "intermediate", "pro") and/or sets
// custom values: {"max": 15, "decay_per_sec": 0.33, "heavy_cost": 2}. Custom
// values override the tier's. Numbers are read as exact decimals (at most 6
// decimals).
type RateLimitSpec struct {
	Tier        string      `json:"tier,omitempty"`
	Max         json.Number `json:"max,omitempty"`
	DecayPerSec json.Number `json:"decay_per_sec,omitempty"`
	HeavyCost   json.Number `json:"heavy_cost,omitempty"`
}

// FaultSpec configures fault injection: the probability (0..1) that a
// request is faulted, the kinds to choose from (default all, see FaultKind),
// the seed of the fault sequence (default the scenario seed), and the bounds
// of slow responses (Go durations, default 50ms and 200ms).
type FaultSpec struct {
	Rate    json.Number `json:"rate,omitempty"`
	Kinds   []string    `json:"kinds,omitempty"`
	Seed    *int64      `json:"seed,omitempty"`
	SlowMin Duration    `json:"slow_min,omitempty"`
	SlowMax Duration    `json:"slow_max,omitempty"`
}

// LockoutSpec configures the temporary lockout: after Threshold consecutive
// invalid key/signature/nonce failures from one client IP (default 5;
// negative disables), every private call from that IP answers
// EGeneral:Temporary lockout for Duration (default 15m).
type LockoutSpec struct {
	Threshold int      `json:"threshold,omitempty"`
	Duration  Duration `json:"duration,omitempty"`
}

// AccountSpec is one simulated account.
type AccountSpec struct {
	ID      string         `json:"id"`
	History *HistoryConfig `json:"history,omitempty"`
	Keys    []KeySpec      `json:"keys,omitempty"`
}

// HistoryConfig asks for a generated history of about Entries ledger
// entries between From and To (RFC 3339).
type HistoryConfig struct {
	Entries int    `json:"entries"`
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
}

// KeySpec is one API key of an account. Secret must be the standard base64
// of 64 bytes, as real Kraken private keys are. Times are RFC 3339.
type KeySpec struct {
	Key         string         `json:"key"`
	Secret      string         `json:"secret"`
	Name        string         `json:"name,omitempty"`
	Permissions []string       `json:"permissions"`
	NonceWindow uint64         `json:"nonce_window,omitempty"`
	OTP         string         `json:"otp,omitempty"`
	QueryFrom   string         `json:"query_from,omitempty"`
	QueryTo     string         `json:"query_to,omitempty"`
	ValidUntil  string         `json:"valid_until,omitempty"`
	Tier        string         `json:"tier,omitempty"`
	RateLimit   *RateLimitSpec `json:"rate_limit,omitempty"`
	IPAllowlist []string       `json:"ip_allowlist,omitempty"`
}

// Duration is a time.Duration written in JSON as a Go duration string
// ("1.5s", "15m").
type Duration time.Duration

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	// An *json.UnmarshalTypeError gets the field's name added by the decoder.
	bad := &json.UnmarshalTypeError{Value: "value " + string(b) + " (want a Go duration such as \"10s\")",
		Type: reflect.TypeFor[Duration]()}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return bad
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return bad
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// Default history range when a history sets entries but no dates.
var (
	defaultHistoryFrom = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	defaultHistoryTo   = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
)

// LoadScenario reads and validates a scenario file.
func LoadScenario(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("krakensim: %w", err)
	}
	defer f.Close()
	sc, err := ParseScenario(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sc, nil
}

// ParseScenario decodes and validates a scenario. Unknown fields, trailing
// data and invalid values are errors; the error names the field or key.
func ParseScenario(r io.Reader) (*Scenario, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("krakensim: scenario: %w", err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("krakensim: scenario: trailing data after the JSON object")
	}
	if _, err := sc.compile(); err != nil {
		return nil, err
	}
	return &sc, nil
}

// Validate checks the scenario as ParseScenario does.
func (sc *Scenario) Validate() error {
	_, err := sc.compile()
	return err
}

// compiled is a validated scenario in the server's own types.
type compiled struct {
	seed        int64
	rate        RateLimit
	faults      Faults
	apiKeyInfo  bool
	exportDelay time.Duration
	lockout     Lockout
	pageSize    int
	status      string
	accounts    []compiledAccount
}

type compiledAccount struct {
	id      string
	entries int
	from    time.Time
	to      time.Time
	keys    []Key
}

func scenarioErr(format string, args ...any) error {
	return fmt.Errorf("krakensim: scenario: "+format, args...)
}

func (sc *Scenario) compile() (*compiled, error) {
	c := &compiled{seed: sc.Seed, apiKeyInfo: true, exportDelay: time.Duration(sc.ExportDelay),
		pageSize: sc.PageSize, status: sc.SystemStatus}
	if sc.PageSize < 0 || sc.PageSize > 1000 {
		return nil, scenarioErr("page_size %d out of range 1..1000", sc.PageSize)
	}
	switch sc.SystemStatus {
	case "", "online", "maintenance", "cancel_only", "post_only":
	default:
		return nil, scenarioErr("system_status %q: want online, maintenance, cancel_only or post_only", sc.SystemStatus)
	}
	if sc.GetAPIKeyInfo != nil {
		c.apiKeyInfo = *sc.GetAPIKeyInfo
	}
	var err error
	if c.rate, err = sc.RateLimit.compile(TierStarter, "rate_limit"); err != nil {
		return nil, err
	}
	if f := sc.Faults; f != nil {
		c.faults.Seed = sc.Seed
		if f.Seed != nil {
			c.faults.Seed = *f.Seed
		}
		if f.Rate != "" {
			r, err := strconv.ParseFloat(string(f.Rate), 64)
			if err != nil || r < 0 || r > 1 {
				return nil, scenarioErr("faults.rate %s: want a number in 0..1", f.Rate)
			}
			c.faults.Rate = r
		}
		for _, k := range f.Kinds {
			if !FaultKind(k).valid() {
				return nil, scenarioErr("faults.kinds: unknown fault kind %q (known: %s)", k, strings.Join(faultKindNames(), ", "))
			}
			c.faults.Kinds = append(c.faults.Kinds, FaultKind(k))
		}
		c.faults.SlowMin, c.faults.SlowMax = time.Duration(f.SlowMin), time.Duration(f.SlowMax)
		if c.faults.SlowMax != 0 && c.faults.SlowMax < c.faults.SlowMin {
			return nil, scenarioErr("faults.slow_max %v is below slow_min %v", c.faults.SlowMax, c.faults.SlowMin)
		}
	}
	if l := sc.Lockout; l != nil {
		c.lockout = Lockout{Threshold: l.Threshold, Duration: time.Duration(l.Duration)}
	}
	ids := map[string]bool{}
	keys := map[string]string{}
	for i, as := range sc.Accounts {
		where := fmt.Sprintf("accounts[%d]", i)
		if as.ID == "" {
			return nil, scenarioErr("%s: id is empty", where)
		}
		if strings.ContainsAny(as.ID, "/?#% ") {
			return nil, scenarioErr("%s: id %q must not contain '/', '?', '#', '%%' or spaces", where, as.ID)
		}
		if ids[as.ID] {
			return nil, scenarioErr("%s: duplicate account id %q", where, as.ID)
		}
		ids[as.ID] = true
		ca := compiledAccount{id: as.ID}
		if h := as.History; h != nil {
			if h.Entries < 0 {
				return nil, scenarioErr("%s.history.entries %d is negative", where, h.Entries)
			}
			ca.entries, ca.from, ca.to = h.Entries, defaultHistoryFrom, defaultHistoryTo
			if h.From != "" {
				if ca.from, err = time.Parse(time.RFC3339, h.From); err != nil {
					return nil, scenarioErr("%s.history.from: %v", where, err)
				}
			}
			if h.To != "" {
				if ca.to, err = time.Parse(time.RFC3339, h.To); err != nil {
					return nil, scenarioErr("%s.history.to: %v", where, err)
				}
			}
			if !ca.to.After(ca.from) {
				return nil, scenarioErr("%s.history: to %s is not after from %s", where, h.To, h.From)
			}
		}
		for j, ks := range as.Keys {
			k, err := ks.compile(fmt.Sprintf("%s.keys[%d]", where, j))
			if err != nil {
				return nil, err
			}
			if other, dup := keys[k.Key]; dup {
				return nil, scenarioErr("%s.keys[%d]: key %q is also a key of account %q", where, j, k.Key, other)
			}
			keys[k.Key] = as.ID
			ca.keys = append(ca.keys, k)
		}
		c.accounts = append(c.accounts, ca)
	}
	return c, nil
}

func (ks *KeySpec) compile(where string) (Key, error) {
	k := Key{Key: ks.Key, Secret: ks.Secret, Name: ks.Name, NonceWindow: ks.NonceWindow, OTP: ks.OTP}
	if ks.Key == "" {
		return k, scenarioErr("%s: key is empty", where)
	}
	where = fmt.Sprintf("%s (key %q)", where, ks.Key)
	if err := checkSecret(ks.Secret); err != nil {
		return k, scenarioErr("%s: secret: %v", where, err)
	}
	for _, p := range ks.Permissions {
		if _, ok := permByName[p]; !ok {
			return k, scenarioErr("%s: unknown permission %q (known: %s)", where, p, strings.Join(permNames[:], ", "))
		}
	}
	k.Permissions = append([]string(nil), ks.Permissions...)
	var err error
	for _, f := range []struct {
		name string
		src  string
		dst  *time.Time
	}{{"query_from", ks.QueryFrom, &k.QueryFrom}, {"query_to", ks.QueryTo, &k.QueryTo}, {"valid_until", ks.ValidUntil, &k.ValidUntil}} {
		if f.src == "" {
			continue
		}
		if *f.dst, err = time.Parse(time.RFC3339, f.src); err != nil {
			return k, scenarioErr("%s: %s: %v", where, f.name, err)
		}
	}
	if !k.QueryFrom.IsZero() && !k.QueryTo.IsZero() && k.QueryTo.Before(k.QueryFrom) {
		return k, scenarioErr("%s: query_to is before query_from", where)
	}
	if ks.Tier != "" || ks.RateLimit != nil {
		spec := ks.RateLimit
		if spec == nil {
			spec = &RateLimitSpec{}
		}
		if ks.Tier != "" {
			if spec.Tier != "" && spec.Tier != ks.Tier {
				return k, scenarioErr("%s: tier %q and rate_limit.tier %q disagree", where, ks.Tier, spec.Tier)
			}
			cp := *spec
			cp.Tier = ks.Tier
			spec = &cp
		}
		rl, err := spec.compile(RateLimit{}, where+".rate_limit")
		if err != nil {
			return k, err
		}
		k.RateLimit = &rl
	}
	for _, a := range ks.IPAllowlist {
		p, err := parsePrefix(a)
		if err != nil {
			return k, scenarioErr("%s: ip_allowlist: %v", where, err)
		}
		k.IPAllowlist = append(k.IPAllowlist, p)
	}
	return k, nil
}

// parsePrefix parses a CIDR prefix or a single address.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// checkSecret requires standard base64 of exactly 64 bytes.
func checkSecret(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("not standard base64: %v", err)
	}
	if len(b) != 64 {
		return fmt.Errorf("decodes to %d bytes, want 64 (a Kraken private key is base64 of 64 bytes)", len(b))
	}
	return nil
}

// compile resolves a rate-limit spec; def is used when spec is nil or sets
// no tier (the zero RateLimit means "the server's default").
func (rs *RateLimitSpec) compile(def RateLimit, where string) (RateLimit, error) {
	if rs == nil {
		return def, nil
	}
	rl := def
	if rs.Tier != "" {
		t, ok := Tiers[rs.Tier]
		if !ok {
			return rl, scenarioErr("%s.tier: unknown tier %q (want starter, intermediate or pro)", where, rs.Tier)
		}
		rl = t
	} else if rs.Max != "" || rs.DecayPerSec != "" || rs.HeavyCost != "" {
		if rl == (RateLimit{}) {
			rl = TierStarter
		}
	}
	for _, f := range []struct {
		name string
		src  json.Number
		dst  *Points
	}{{"max", rs.Max, &rl.Max}, {"decay_per_sec", rs.DecayPerSec, &rl.DecayPerSecond}, {"heavy_cost", rs.HeavyCost, &rl.HeavyCost}} {
		if f.src == "" {
			continue
		}
		p, err := ParsePoints(string(f.src))
		if err != nil {
			return rl, scenarioErr("%s.%s: %v", where, f.name, err)
		}
		*f.dst = p
	}
	if rl != (RateLimit{}) && rl.Max <= 0 {
		return rl, scenarioErr("%s.max must be positive", where)
	}
	return rl, nil
}

// ParsePoints parses a non-negative decimal ("15", "0.33") into Points,
// exactly; more than 6 decimals is an error.
func ParsePoints(s string) (Points, error) {
	intPart, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if intPart == "" && frac == "" {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	if len(frac) > 6 {
		return 0, fmt.Errorf("%q has more than 6 decimals", s)
	}
	if intPart == "" {
		intPart = "0"
	}
	digits := intPart + frac + strings.Repeat("0", 6-len(frac))
	if len(bytes.Trim([]byte(digits), "0123456789")) != 0 {
		return 0, fmt.Errorf("%q is not a non-negative decimal number", s)
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %v", s, err)
	}
	return Points(v), nil
}
