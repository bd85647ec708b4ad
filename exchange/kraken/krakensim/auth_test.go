package krakensim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// Kraken's official API-Sign vectors (docs.kraken.com spot-rest-auth and
// custody-rest-auth), hard-coded.
func TestSignKrakenVectors(t *testing.T) {
	const secret = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
	tests := []struct {
		name, path, nonce, body, want string
	}{
		{"form body", "/0/private/AddOrder", "1616492376594",
			"nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25",
			"4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="},
		{"json body and query", "/0/private/GetCustodyTask?id=TGWOJ4JQPOTZT2", "1616492376594",
			`{"nonce":1616492376594}`,
			"2rM09q8HG7LvjivBitQUybwZ/DSeO8+i0U/at/wclH2Jma6gMaE/0Nw9dyLR+ykMd5eWCngSL4K58i6uJzXDCw=="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sign(secret, tt.path, tt.nonce, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Sign = %s, want %s", got, tt.want)
			}
			// The test client's independent signer agrees.
			if got := testSign(secret, tt.path, tt.nonce, []byte(tt.body)); got != tt.want {
				t.Errorf("testSign = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAuthAccepted(t *testing.T) {
	s, _ := newTestServer(t, testScenario(60))
	c := newClient(t, s, "ro", secretRO)
	if env := c.call("Balance", nil); len(env.Error) != 0 || env.Result == nil {
		t.Fatalf("signed form call: %+v", env)
	}

	// A JSON body signed as sent.
	body := []byte(`{"nonce": 99999999, "asset": "XBT"}`)
	r := httptest.NewRequest(http.MethodPost, "/0/private/Balance", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("API-Key", "ro")
	r.Header.Set("API-Sign", testSign(secretRO, "/0/private/Balance", "99999999", body))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if env := decodeEnvelope(t, w.Code, w.Body.Bytes()); len(env.Error) != 0 {
		t.Fatalf("signed JSON call: %+v", env)
	}
}

func TestAuthErrors(t *testing.T) {
	s, clk := newTestServer(t, testScenario(60))
	flip := func(b []byte) []byte { b[len(b)-1] ^= 1; return b }
	tests := []struct {
		name string
		req  func(c *client) *http.Request
		want string
	}{
		{"unknown key", func(c *client) *http.Request {
			c.key = "nope"
			return c.request("Balance", nil, nil)
		}, "EAPI:Invalid key"},
		{"missing key header", func(c *client) *http.Request {
			r := c.request("Balance", nil, nil)
			r.Header.Del("API-Key")
			return r
		}, "EAPI:Invalid key"},
		{"one body byte changed", func(c *client) *http.Request {
			return c.request("Balance", vals("asset", "XBT"), flip)
		}, "EAPI:Invalid signature"},
		{"wrong secret", func(c *client) *http.Request {
			c.secret = secretFull
			return c.request("Balance", nil, nil)
		}, "EAPI:Invalid signature"},
		{"signature not base64", func(c *client) *http.Request {
			r := c.request("Balance", nil, nil)
			r.Header.Set("API-Sign", "!!!")
			return r
		}, "EAPI:Invalid signature"},
		{"signed for another path", func(c *client) *http.Request {
			r := c.request("Balance", nil, nil)
			r.URL.Path = "/0/private/Ledgers"
			return r
		}, "EAPI:Invalid signature"},
		{"missing nonce", func(c *client) *http.Request {
			body := []byte("asset=XBT")
			r := httptest.NewRequest(http.MethodPost, "/0/private/Balance", bytes.NewReader(body))
			r.Header.Set("API-Key", "ro")
			r.Header.Set("API-Sign", testSign(secretRO, "/0/private/Balance", "", body))
			return r
		}, "EAPI:Invalid nonce"},
		{"nonce not a number", func(c *client) *http.Request {
			return c.request("Balance", vals("nonce", "12abc"), nil)
		}, "EAPI:Invalid nonce"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, s, "ro", secretRO)
			c.remote = "198.51.100." + strconv.Itoa(i+1) + ":1000" // one IP each: no lockout
			c.nonce = uint64(time.Now().UnixNano())
			w := c.do(tt.req(c))
			env := decodeEnvelope(t, w.Code, w.Body.Bytes())
			if len(env.Error) != 1 || env.Error[0] != tt.want || env.Result != nil {
				t.Errorf("got %+v, want [%s] and no result", env, tt.want)
			}
		})
	}
	_ = clk
}

func TestNonce(t *testing.T) {
	sc := testScenario(30)
	sc.Accounts[1].Keys = append(sc.Accounts[1].Keys,
		KeySpec{Key: "win", Secret: secretMisc, Permissions: readOnlyPerms, NonceWindow: 10})
	s, _ := newTestServer(t, sc)
	tests := []struct {
		name   string
		key    string
		nonces []uint64
		want   []string // "" = accepted
	}{
		{"increasing", "bob", []uint64{10, 11, 20}, []string{"", "", ""}},
		{"repeat and lower rejected", "bob", []uint64{100, 100, 99, 101}, []string{"", "EAPI:Invalid nonce", "EAPI:Invalid nonce", ""}},
		{"failure does not advance", "bob", []uint64{200, 150, 201}, []string{"", "EAPI:Invalid nonce", ""}},
		{"window accepts unseen lower", "win", []uint64{1000, 995, 991, 995, 990, 1000, 1001}, []string{
			"", "", "", "EAPI:Invalid nonce", "EAPI:Invalid nonce", "EAPI:Invalid nonce", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, s, tt.key, secretMisc)
			c.remote = "203.0.113.9:1"
			for i, n := range tt.nonces {
				env := c.call("Balance", vals("nonce", strconv.FormatUint(n, 10)))
				got := ""
				if len(env.Error) > 0 {
					got = env.Error[0]
				}
				if got != tt.want[i] {
					t.Errorf("nonce %d (#%d): got %q, want %q", n, i, got, tt.want[i])
				}
			}
		})
	}
}

// TestNonceNotAdvancedOnFailure: a call that fails authentication after
// its nonce was read (bad signature) leaves the stored nonce alone.
func TestNonceNotAdvancedOnFailure(t *testing.T) {
	s, _ := newTestServer(t, testScenario(30))
	c := newClient(t, s, "bob", secretMisc)
	c.result("Balance", vals("nonce", "100"))
	bad := newClient(t, s, "bob", secretRO) // wrong secret
	if got := bad.apiError("Balance", vals("nonce", "900000")); got != "EAPI:Invalid signature" {
		t.Fatal(got)
	}
	c.result("Balance", vals("nonce", "101"))
	// A permission failure does consume its nonce (the call was authenticated).
	if got := c.apiError("DepositMethods", vals("nonce", "102", "asset", "XBT")); got != "EGeneral:Permission denied" {
		t.Fatalf("DepositMethods: %s", got)
	}
	if got := c.apiError("Balance", vals("nonce", "102")); got != "EAPI:Invalid nonce" {
		t.Errorf("reusing the nonce of a permission-denied call: %s", got)
	}
}

func TestOTPAndExpiry(t *testing.T) {
	sc := testScenario(30)
	sc.Accounts[1].Keys = []KeySpec{
		{Key: "otp", Secret: secretMisc, Permissions: readOnlyPerms, OTP: "123456"},
		{Key: "old", Secret: secretMisc, Permissions: readOnlyPerms, ValidUntil: "2025-07-01T12:00:30Z"},
	}
	s, clk := newTestServer(t, sc)
	c := newClient(t, s, "otp", secretMisc)
	if got := c.apiError("Balance", nil); got != "EGeneral:Permission denied" {
		t.Errorf("missing otp: %s", got)
	}
	c.otp = "654321"
	if got := c.apiError("Balance", nil); got != "EAPI:Invalid signature" {
		t.Errorf("wrong otp: %s", got)
	}
	c.otp = "123456"
	c.result("Balance", nil)

	old := newClient(t, s, "old", secretMisc)
	old.result("Balance", nil)
	clk.Advance(30 * time.Second)
	if got := old.apiError("Balance", nil); got != "EAPI:Invalid key" {
		t.Errorf("expired key: %s", got)
	}
}

func TestLockout(t *testing.T) {
	sc := testScenario(30)
	sc.Lockout = &LockoutSpec{Threshold: 3, Duration: Duration(10 * time.Minute)}
	s, clk := newTestServer(t, sc)
	bad := newClient(t, s, "ro", secretFull) // wrong secret
	bad.remote = "192.0.2.77:5555"
	good := newClient(t, s, "ro", secretRO)
	good.remote = "192.0.2.77:5556"
	other := newClient(t, s, "bob", secretMisc)
	other.remote = "192.0.2.78:1"

	// A success in between resets the count.
	bad.apiError("Balance", nil)
	bad.apiError("Balance", nil)
	good.result("Balance", nil)
	for i := 0; i < 3; i++ {
		if got := bad.apiError("Balance", nil); got != "EAPI:Invalid signature" {
			t.Fatalf("failure %d: %s", i, got)
		}
	}
	if got := good.apiError("Balance", nil); got != "EGeneral:Temporary lockout" {
		t.Fatalf("after 3 failures, a good call from the same IP: %s", got)
	}
	other.result("Balance", nil) // another IP is unaffected
	if env := public(t, s, "Time", nil); len(env.Error) != 0 {
		t.Fatalf("public calls are not locked out: %v", env.Error)
	}
	clk.Advance(10*time.Minute - time.Second)
	if got := good.apiError("Balance", nil); got != "EGeneral:Temporary lockout" {
		t.Fatalf("before expiry: %s", got)
	}
	clk.Advance(time.Second)
	good.result("Balance", nil)

	st := s.Stats().Keys["ro"]
	if st.Errors["EGeneral:Temporary lockout"] != 2 || st.Errors["EAPI:Invalid signature"] != 5 {
		t.Errorf("stats errors: %v", st.Errors)
	}
}

// TestPermissions checks every endpoint against Kraken's permission table:
// a key with exactly the required set passes authentication, one lacking a
// required token is denied.
func TestPermissions(t *testing.T) {
	tests := []struct {
		method string
		params url.Values
		ok     [][]string // sufficient permission sets
		denied [][]string // insufficient ones
	}{
		{"Balance", nil, [][]string{{"query-funds"}}, [][]string{{"query-ledger", "query-open-trades"}}},
		{"BalanceEx", nil, [][]string{{"query-funds"}}, [][]string{{"query-ledger"}}},
		{"TradeBalance", nil, [][]string{{"query-open-trades"}}, [][]string{{"query-funds"}}},
		{"OpenOrders", nil, [][]string{{"query-open-trades"}}, [][]string{{"query-closed-trades"}}},
		{"ClosedOrders", nil, [][]string{{"query-closed-trades"}}, [][]string{{"query-open-trades"}}},
		{"QueryOrders", vals("txid", "OAAAAA-BBBBB-CCCCCC"), [][]string{{"query-open-trades"}, {"query-closed-trades"}}, [][]string{{"query-funds"}}},
		{"TradesHistory", nil, [][]string{{"query-closed-trades"}}, [][]string{{"query-open-trades", "query-ledger"}}},
		{"QueryTrades", vals("txid", "TAAAAA-BBBBB-CCCCCC"), [][]string{{"query-closed-trades"}}, [][]string{{"query-open-trades"}}},
		{"Ledgers", nil, [][]string{{"query-ledger"}}, [][]string{{"query-funds"}}},
		{"QueryLedgers", vals("id", "LAAAAA-BBBBB-CCCCCC"), [][]string{{"query-ledger"}}, [][]string{{"query-funds"}}},
		{"TradeVolume", nil, [][]string{{"query-funds"}}, [][]string{{"query-ledger"}}},
		{"AddExport", vals("report", "ledgers", "description", "x"), [][]string{{"export-data"}}, [][]string{{"query-ledger", "query-funds"}}},
		{"ExportStatus", vals("report", "ledgers"), [][]string{{"export-data"}}, [][]string{{"query-ledger"}}},
		{"DepositMethods", vals("asset", "XBT"), [][]string{{"query-funds", "add-funds"}}, [][]string{{"query-funds"}, {"add-funds"}}},
		{"DepositStatus", nil, [][]string{{"query-funds"}}, [][]string{{"add-funds"}}},
		{"WithdrawMethods", nil, [][]string{{"query-funds", "withdraw-funds"}}, [][]string{{"query-funds"}, {"withdraw-funds"}}},
		{"WithdrawAddresses", nil, [][]string{{"query-funds", "withdraw-funds"}}, [][]string{{"query-funds"}}},
		{"WithdrawStatus", nil, [][]string{{"withdraw-funds"}, {"query-ledger"}}, [][]string{{"query-funds"}}},
		{"Earn/Strategies", nil, [][]string{{}}, nil},
		{"Earn/Allocations", nil, [][]string{{"query-funds"}}, [][]string{{"earn-funds"}}},
		{"GetWebSocketsToken", nil, [][]string{{"create-ws-token"}}, [][]string{{"query-funds"}}},
		{"GetApiKeyInfo", nil, [][]string{{}}, nil},
		{"AddOrder", vals("pair", "XBTEUR", "type", "buy", "ordertype", "limit", "price", "20000", "volume", "0.01", "validate", "true"),
			[][]string{{"modify-trades"}}, [][]string{{"close-trades", "query-funds"}}},
		{"CancelOrder", vals("txid", "OAAAAA-BBBBB-CCCCCC"), [][]string{{"modify-trades"}, {"close-trades"}}, [][]string{{"query-open-trades"}}},
	}
	sc := testScenario(30)
	s, _ := newTestServer(t, sc)
	n := 0
	addKey := func(perms []string) *client {
		n++
		key := "perm-" + strconv.Itoa(n)
		if err := s.AddKey("alice", Key{Key: key, Secret: secretMisc, Permissions: perms}); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, s, key, secretMisc)
		c.remote = "192.0.2.200:1"
		return c
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			for _, perms := range tt.ok {
				env := addKey(perms).call(tt.method, tt.params)
				if len(env.Error) > 0 && env.Error[0] == "EGeneral:Permission denied" {
					t.Errorf("with %v: permission denied", perms)
				}
			}
			for _, perms := range tt.denied {
				env := addKey(perms).call(tt.method, tt.params)
				if len(env.Error) != 1 || env.Error[0] != "EGeneral:Permission denied" {
					t.Errorf("with %v: got %+v, want permission denied", perms, env)
				}
			}
		})
	}
}

func TestIPAllowlist(t *testing.T) {
	sc := testScenario(30)
	sc.Accounts[1].Keys[0].IPAllowlist = []string{"10.1.0.0/16"}
	s, _ := newTestServer(t, sc)
	c := newClient(t, s, "bob", secretMisc)
	c.remote = "10.1.2.3:4"
	c.result("Balance", nil)
	c.remote = "10.2.2.3:4"
	if got := c.apiError("Balance", nil); got != "EGeneral:Permission denied" {
		t.Errorf("outside allow-list: %s", got)
	}
}

func TestGetAPIKeyInfo(t *testing.T) {
	sc := testScenario(30)
	sc.Accounts[1].Keys[0].Name = "tracker"
	sc.Accounts[1].Keys[0].NonceWindow = 5
	sc.Accounts[1].Keys[0].QueryFrom = "2021-01-01T00:00:00Z"
	s, _ := newTestServer(t, sc)
	c := newClient(t, s, "bob", secretMisc)
	var info struct {
		Name        string   `json:"apiKeyName"`
		Key         string   `json:"apiKey"`
		Nonce       string   `json:"nonce"`
		Window      int      `json:"nonceWindow"`
		Permissions []string `json:"permissions"`
		QueryFrom   string   `json:"queryFrom"`
		QueryTo     string   `json:"queryTo"`
		ValidUntil  string   `json:"validUntil"`
		IPs         []string `json:"ipAllowlist"`
	}
	mustJSON(t, c.result("GetApiKeyInfo", nil), &info)
	if info.Name != "tracker" || info.Key != "bob" || info.Window != 5 || info.Nonce != strconv.FormatUint(c.nonce, 10) ||
		info.QueryFrom != "1609459200" || info.QueryTo != "0" || info.ValidUntil != "0" {
		t.Errorf("info = %+v", info)
	}
	if len(info.Permissions) != 4 || info.Permissions[0] != "query-funds" {
		t.Errorf("permissions = %v", info.Permissions)
	}

	sc = testScenario(30)
	off := false
	sc.GetAPIKeyInfo = &off
	s, _ = newTestServer(t, sc)
	c = newClient(t, s, "bob", secretMisc)
	w := c.do(c.request("GetApiKeyInfo", nil, nil))
	if w.Code != http.StatusNotFound || w.Body.String() != `{"error":["EGeneral:Unknown method"]}` {
		t.Errorf("disabled GetApiKeyInfo: %d %s", w.Code, w.Body)
	}
}

func TestRoutes(t *testing.T) {
	s, _ := newTestServer(t, testScenario(30))
	tests := []struct {
		method, path string
		wantCode     int
		wantBody     string
	}{
		{"POST", "/0/private/NoSuchMethod", 404, `{"error":["EGeneral:Unknown method"]}`},
		{"GET", "/0/public/NoSuchMethod", 404, `{"error":["EGeneral:Unknown method"]}`},
		{"GET", "/somewhere", 404, `{"error":["EGeneral:Unknown method"]}`},
		{"GET", "/0/private/Balance", 405, ""},
		{"PUT", "/0/public/Time", 405, ""},
		{"GET", "/_sim/nothing", 404, `{"error":["EGeneral:Unknown method"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			if w.Code != tt.wantCode {
				t.Errorf("code %d, want %d", w.Code, tt.wantCode)
			}
			if tt.wantBody != "" && w.Body.String() != tt.wantBody {
				t.Errorf("body %s, want %s", w.Body, tt.wantBody)
			}
			var env map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
				t.Errorf("body is not JSON: %s", w.Body)
			}
		})
	}
}

func TestRevokeKey(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, testScenario(30))
	if err := s.AddKey("alice", Key{Key: "to-revoke", Secret: secretMisc, Permissions: []string{"query-funds"}}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s, "to-revoke", secretMisc)
	if env := c.call("Balance", nil); len(env.Error) != 0 || env.Result == nil {
		t.Fatalf("before revoking: %+v", env.Error)
	}
	if !s.RevokeKey("to-revoke") {
		t.Fatal("RevokeKey reported the key missing")
	}
	if got := c.apiError("Balance", nil); got != "EAPI:Invalid key" {
		t.Fatalf("after revoking: %q, want EAPI:Invalid key", got)
	}
	if s.RevokeKey("to-revoke") {
		t.Fatal("RevokeKey of a revoked key reported true")
	}
}
