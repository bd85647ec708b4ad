package krakensim

import (
	"strings"
	"testing"
	"time"
)

func TestParseScenarioErrors(t *testing.T) {
	key := func(extra string) string {
		return `{"seed":1,"accounts":[{"id":"a","keys":[{"key":"K1","secret":"` + secretMisc + `","permissions":["query-funds"]` + extra + `}]}]}`
	}
	tests := []struct {
		name, in, want string
	}{
		{"unknown top-level field", `{"seed":1,"sede":2,"accounts":[]}`, `unknown field "sede"`},
		{"unknown nested field", key(`,"colour":"red"`), `unknown field "colour"`},
		{"unknown rate field", `{"rate_limit":{"tier":"pro","burst":3},"accounts":[]}`, `unknown field "burst"`},
		{"secret not base64", `{"accounts":[{"id":"a","keys":[{"key":"K9","secret":"not base64!","permissions":[]}]}]}`, `"K9"`},
		{"secret too short", `{"accounts":[{"id":"a","keys":[{"key":"K8","secret":"c2hvcnQ=","permissions":[]}]}]}`, `key "K8"): secret: decodes to 5 bytes`},
		{"unknown permission", `{"accounts":[{"id":"a","keys":[{"key":"K7","secret":"` + secretMisc + `","permissions":["query-funds","trade-everything"]}]}]}`, `unknown permission "trade-everything"`},
		{"bad date", `{"accounts":[{"id":"a","history":{"entries":10,"from":"2020-01-01","to":"2021-01-01T00:00:00Z"}}]}`, `accounts[0].history.from`},
		{"bad key date", key(`,"valid_until":"tomorrow"`), `valid_until`},
		{"unknown tier", `{"rate_limit":{"tier":"platinum"},"accounts":[]}`, `unknown tier "platinum"`},
		{"unknown fault kind", `{"faults":{"rate":0.5,"kinds":["meteor"]},"accounts":[]}`, `unknown fault kind "meteor"`},
		{"fault rate out of range", `{"faults":{"rate":1.5},"accounts":[]}`, `faults.rate`},
		{"duplicate key", `{"accounts":[{"id":"a","keys":[{"key":"K","secret":"` + secretMisc + `","permissions":[]}]},{"id":"b","keys":[{"key":"K","secret":"` + secretMisc + `","permissions":[]}]}]}`, `"K" is also a key of account "a"`},
		{"duplicate account", `{"accounts":[{"id":"a"},{"id":"a"}]}`, `duplicate account id "a"`},
		{"trailing data", `{"accounts":[]} {}`, `trailing data`},
		{"bad duration", `{"export_delay":"soon","accounts":[]}`, `export_delay`},
		{"too many decimals", `{"rate_limit":{"decay_per_sec":0.1234567},"accounts":[]}`, `more than 6 decimals`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestParseScenario(t *testing.T) {
	in := `{"seed": 1,
 "rate_limit": {"max": 15, "decay_per_sec": 0.33, "heavy_cost": 4},
 "faults": {"rate": 0.25, "kinds": ["http_520", "slow"], "slow_min": "10ms", "slow_max": "20ms"},
 "get_api_key_info": false,
 "export_delay": "30s",
 "lockout": {"threshold": 3, "duration": "1m"},
 "accounts": [{"id": "alice",
   "history": {"entries": 50, "from": "2019-01-01T00:00:00Z", "to": "2025-06-30T00:00:00Z"},
   "keys": [{"key": "API KEY", "secret": "` + secretMisc + `", "name": "tracker", "tier": "pro",
             "nonce_window": 5, "otp": "x", "query_from": "2020-01-01T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z",
             "ip_allowlist": ["127.0.0.1", "10.0.0.0/8"],
             "permissions": ["query-funds", "query-open-trades", "query-closed-trades", "query-ledger"]}]}]}`
	sc, err := ParseScenario(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	c, err := sc.compile()
	if err != nil {
		t.Fatal(err)
	}
	if c.rate != (RateLimit{Max: 15 * Point, DecayPerSecond: 330_000, HeavyCost: 4 * Point}) {
		t.Errorf("rate %+v", c.rate)
	}
	if c.faults.Rate != 0.25 || len(c.faults.Kinds) != 2 || c.faults.SlowMax != 20*time.Millisecond || c.faults.Seed != 1 {
		t.Errorf("faults %+v", c.faults)
	}
	if c.apiKeyInfo || c.exportDelay != 30*time.Second || c.lockout.Threshold != 3 || c.lockout.Duration != time.Minute {
		t.Errorf("server %+v", c)
	}
	k := c.accounts[0].keys[0]
	if k.RateLimit == nil || *k.RateLimit != TierPro || k.NonceWindow != 5 || k.OTP != "x" || len(k.IPAllowlist) != 2 ||
		k.QueryFrom.Year() != 2020 || k.ValidUntil.Year() != 2030 || k.Name != "tracker" {
		t.Errorf("key %+v", k)
	}
}

func TestSampleScenario(t *testing.T) {
	sc, err := LoadScenario("testdata/sample.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Accounts) == 0 || len(sc.Accounts[0].Keys) == 0 {
		t.Fatalf("sample has no account with a key: %+v", sc)
	}
	for _, p := range sc.Accounts[0].Keys[0].Permissions {
		if p != "query-funds" && p != "query-open-trades" && p != "query-closed-trades" && p != "query-ledger" && p != "export-data" {
			t.Errorf("sample key is not read-only: %s", p)
		}
	}
}
