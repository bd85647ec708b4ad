package main

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlstore"
)

// testSecret returns a deterministic, valid Kraken private key for a label.
func testSecret(label string) string {
	sum := sha512.Sum512([]byte("cointally test secret " + label))
	return base64.StdEncoding.EncodeToString(sum[:])
}

var readOnly = []string{"query-funds", "query-open-trades", "query-closed-trades", "query-ledger"}

// Keys of the test scenario: API key -> permissions (and extra settings).
var testKeys = []struct {
	account string
	spec    krakensim.KeySpec
}{
	{"alice", krakensim.KeySpec{Key: "alice-read-only-key-0001", Permissions: append([]string{"export-data"}, readOnly...)}},
	{"alice", krakensim.KeySpec{Key: "alice-second-key-0002", Permissions: readOnly}},
	{"alice", krakensim.KeySpec{Key: "alice-withdraw-key-0003", Permissions: append([]string{"withdraw-funds"}, readOnly...)}},
	{"alice", krakensim.KeySpec{Key: "alice-no-ledger-key-0004", Permissions: []string{"query-funds", "query-open-trades", "query-closed-trades"}}},
	{"alice", krakensim.KeySpec{Key: "alice-dated-key-0005", Permissions: readOnly, QueryFrom: "2024-01-01T00:00:00Z"}},
	{"alice", krakensim.KeySpec{Key: "alice-trading-key-0006", Permissions: append([]string{"modify-trades"}, readOnly...)}},
	{"bob", krakensim.KeySpec{Key: "bob-read-only-key-0007", Permissions: readOnly}},
}

func secretOf(key string) string { return testSecret(key) }

type harness struct {
	t       *testing.T
	sim     *krakensim.Server
	srv     *httptest.Server
	dataDir string
	vars    map[string]string
	outputs bytes.Buffer // every stdout and stderr, for the leak check
}

type harnessOption func(*krakensim.Scenario)

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	yes := true
	sc := &krakensim.Scenario{
		Seed:          7,
		RateLimit:     &krakensim.RateLimitSpec{Max: "100", DecayPerSec: "100"},
		GetAPIKeyInfo: &yes,
		Accounts: []krakensim.AccountSpec{
			{ID: "alice", History: &krakensim.HistoryConfig{Entries: 300, From: "2022-01-01T00:00:00Z", To: "2025-06-30T00:00:00Z"}},
			{ID: "bob", History: &krakensim.HistoryConfig{Entries: 100, From: "2023-01-01T00:00:00Z", To: "2025-06-30T00:00:00Z"}},
		},
	}
	for _, k := range testKeys {
		spec := k.spec
		spec.Secret = secretOf(spec.Key)
		for i := range sc.Accounts {
			if sc.Accounts[i].ID == k.account {
				sc.Accounts[i].Keys = append(sc.Accounts[i].Keys, spec)
			}
		}
	}
	for _, o := range opts {
		o(sc)
	}
	sim, err := krakensim.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	h := &harness{t: t, sim: sim, srv: srv, dataDir: t.TempDir()}
	// cointally creates its data directory 0700; t.TempDir makes it 0755.
	if err := os.Chmod(h.dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	h.vars = map[string]string{"COINTALLY_KRAKEN_URL": srv.URL, "COINTALLY_DATA_DIR": h.dataDir, "HOME": t.TempDir()}
	return h
}

// run runs one command in-process and returns its stdout, stderr and exit status.
func (h *harness) run(stdin string, args ...string) (string, string, int) {
	h.t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{
		stdin:           strings.NewReader(stdin),
		stdout:          &stdout,
		stderr:          &stderr,
		getenv:          func(k string) string { return h.vars[k] },
		stdinIsTerminal: func() bool { return false },
		readPassword:    func() ([]byte, error) { return nil, errors.New("no terminal in tests") },
		now:             time.Now,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := exitCode(run(ctx, args, e), &stderr)
	h.outputs.Write(stdout.Bytes())
	h.outputs.Write(stderr.Bytes())
	return stdout.String(), stderr.String(), code
}

func (h *harness) mustRun(stdin string, args ...string) string {
	h.t.Helper()
	out, errOut, code := h.run(stdin, args...)
	if code != 0 {
		h.t.Fatalf("cointally %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func keyInput(key string) string { return key + "\n" + secretOf(key) + "\n" }

func (h *harness) accounts() []accountJSON {
	h.t.Helper()
	var list []accountJSON
	if err := json.Unmarshal([]byte(h.mustRun("", "account", "list", "--json")), &list); err != nil {
		h.t.Fatal(err)
	}
	return list
}

// assertNoSecretLeak searches the data directory and every output for the
// private keys (as text and as decoded bytes) and extra secrets.
func (h *harness) assertNoSecretLeak(extra ...string) {
	h.t.Helper()
	var needles [][]byte
	for _, k := range testKeys {
		s := secretOf(k.spec.Key)
		raw, _ := base64.StdEncoding.DecodeString(s)
		needles = append(needles, []byte(s), raw, []byte(s[:24]))
	}
	for _, x := range extra {
		needles = append(needles, []byte(x))
	}
	check := func(where string, data []byte) {
		for _, n := range needles {
			if bytes.Contains(data, n) {
				h.t.Errorf("a secret (%d bytes) appears in %s", len(n), where)
			}
		}
	}
	check("command output", h.outputs.Bytes())
	files := 0
	err := filepath.WalkDir(h.dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		check(path, data)
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if files == 0 {
		h.t.Fatal("the data directory is empty: nothing was checked")
	}
}

func TestAccountAddReadOnlyKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	out := h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice")
	for _, want := range []string{"GetApiKeyInfo", "Data → Query ledger entries", "read-only", `Connected Kraken account "alice"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	list := h.accounts()
	if len(list) != 1 {
		t.Fatalf("account list has %d accounts, want 1", len(list))
	}
	a := list[0]
	if a.Name != "alice" || a.Exchange != "kraken" || a.Status != "ok" || a.KeyHint != "alic…0001" || a.LastSync != nil {
		t.Errorf("account = %+v", a)
	}
	if strings.Join(a.Permissions, ",") != "query-funds,query-ledger,query-open-trades,query-closed-trades,export-data" {
		t.Errorf("permissions = %v", a.Permissions)
	}
	if a.Added.IsZero() || len(a.Warnings) != 0 {
		t.Errorf("added = %v, warnings = %v", a.Added, a.Warnings)
	}
	// The raw JSON has exactly the contract's field names.
	var raw []map[string]any
	if err := json.Unmarshal([]byte(h.mustRun("", "account", "list", "--json")), &raw); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"name", "exchange", "key_hint", "permissions", "added", "last_sync", "status"} {
		if _, ok := raw[0][f]; !ok {
			t.Errorf("account list --json lacks %q", f)
		}
	}
	// A second account with the same name is refused.
	if _, errOut, code := h.run(keyInput("alice-second-key-0002"), "account", "add", "kraken", "--name", "alice"); code == 0 || !strings.Contains(errOut, "exists already") {
		t.Errorf("duplicate name: exit %d, %s", code, errOut)
	}
	h.assertNoSecretLeak()
}

func TestAccountAddRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     string
		args    []string
		wantErr string // in stderr; empty means accepted
		wantOut string
	}{
		{name: "withdraw", key: "alice-withdraw-key-0003", wantErr: "Funds permissions → Withdraw", wantOut: "dangerous"},
		{name: "trading", key: "alice-trading-key-0006", wantErr: "Create & modify orders"},
		{name: "withdraw allowed", key: "alice-withdraw-key-0003", args: []string{"--allow-risky-permissions"}, wantOut: "accepted, with a standing warning"},
		{name: "no ledger", key: "alice-no-ledger-key-0004", wantErr: `tick "Data → Query ledger entries"`, wantOut: "missing"},
		{name: "dated key", key: "alice-dated-key-0005", wantOut: "entries outside that range will be missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			args := append([]string{"account", "add", "kraken", "--name", "acct"}, tt.args...)
			out, errOut, code := h.run(keyInput(tt.key), args...)
			if tt.wantErr != "" {
				if code == 0 || !strings.Contains(errOut, tt.wantErr) {
					t.Fatalf("exit %d, stderr %q; want refusal mentioning %q", code, errOut, tt.wantErr)
				}
				if n := len(h.accounts()); n != 0 {
					t.Errorf("a refused key was stored (%d accounts)", n)
				}
			} else if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, out)
			}
			if tt.name == "withdraw allowed" {
				a := h.accounts()[0]
				if len(a.Warnings) == 0 || !strings.Contains(a.Warnings[0], "dangerous permissions") {
					t.Errorf("a risky key has no standing warning: %v", a.Warnings)
				}
			}
			h.assertNoSecretLeak()
		})
	}
}

func disableKeyInfo(sc *krakensim.Scenario) {
	no := false
	sc.GetAPIKeyInfo = &no
}

func TestAccountAddWithoutGetApiKeyInfo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, disableKeyInfo)
	out := h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice", "--json")
	var audit auditJSON
	if err := json.Unmarshal([]byte(out), &audit); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if audit.Method != "read-only probes" || audit.Verdict != "accepted" {
		t.Fatalf("audit = %+v", audit)
	}
	present := map[string]string{}
	for _, p := range audit.Permissions {
		present[p.Permission] = p.Present
	}
	want := map[string]string{"query-funds": "yes", "query-ledger": "yes", "query-open-trades": "yes", "query-closed-trades": "yes",
		"export-data": "yes", "withdraw-funds": "no", "add-funds": "no", "modify-trades": "not verified", "earn-funds": "not verified"}
	for tok, p := range want {
		if present[tok] != p {
			t.Errorf("%s present = %q, want %q", tok, present[tok], p)
		}
	}
	// The withdraw probe finds the dangerous permission.
	_, errOut, code := h.run(keyInput("alice-withdraw-key-0003"), "account", "add", "kraken", "--name", "risky")
	if code == 0 || !strings.Contains(errOut, "Withdraw") {
		t.Errorf("withdraw key by probes: exit %d, %s", code, errOut)
	}
	// No order was sent, not even a validate-only one.
	stats := h.sim.Stats()
	for key, ks := range stats.Keys {
		if ks.Calls["AddOrder"] != 0 {
			t.Errorf("key %s sent %d AddOrder calls without --probe-trading", key, ks.Calls["AddOrder"])
		}
	}
	// With --probe-trading a validate-only order finds the trading permission.
	_, errOut, code = h.run(keyInput("alice-trading-key-0006"), "account", "add", "kraken", "--name", "trader", "--probe-trading")
	if code == 0 || !strings.Contains(errOut, "Create & modify orders") {
		t.Errorf("trading key with --probe-trading: exit %d, %s", code, errOut)
	}
	if n := h.sim.Stats().Keys["alice-trading-key-0006"].Calls["AddOrder"]; n != 1 {
		t.Errorf("--probe-trading sent %d AddOrder calls, want 1", n)
	}
}

func TestMalformedKeys(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	good := secretOf("alice-read-only-key-0001")
	tests := []struct {
		name, stdin, want string
	}{
		{"empty", "", "API key"},
		{"one line", "alice-read-only-key-0001\n", "private key"},
		{"not base64", "alice-read-only-key-0001\nnot*base64*at*all\n", "private key"},
		{"too short", "alice-read-only-key-0001\n" + good[:40] + "\n", "private key"},
		{"swapped", good + "\nalice-read-only-key-0001\n", "private key"},
		{"space in key", "alice read only\n" + good + "\n", "API key"},
	}
	for _, tt := range tests {
		_, errOut, code := h.run(tt.stdin, "account", "add", "kraken", "--name", "x")
		if code == 0 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d, stderr %q, want a message naming the %s", tt.name, code, errOut, tt.want)
		}
		if strings.Count(errOut, "\n") > 1 {
			t.Errorf("%s: the reason is not one line: %q", tt.name, errOut)
		}
	}
	if calls := h.sim.Stats().Keys["alice-read-only-key-0001"].Calls; len(calls) != 0 {
		t.Errorf("malformed input still reached Kraken: %v", calls)
	}
	h.assertNoSecretLeak()
}

func TestWrongPrivateKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	stdin := "alice-read-only-key-0001\n" + secretOf("some other key") + "\n"
	_, errOut, code := h.run(stdin, "account", "add", "kraken", "--name", "alice")
	if code == 0 || !strings.Contains(strings.ToLower(errOut), "private key") {
		t.Fatalf("wrong private key: exit %d, %q", code, errOut)
	}
	// An unknown API key gets its own explanation.
	_, errOut, code = h.run(keyInput("no-such-key-at-all"), "account", "add", "kraken", "--name", "alice")
	if code == 0 || !strings.Contains(errOut, "API key") {
		t.Fatalf("unknown key: exit %d, %q", code, errOut)
	}
	h.assertNoSecretLeak(secretOf("some other key"))
}

func TestRevokedKeyNeedsNewKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice")
	h.mustRun("", "doctor")
	// A data directory other users can read is reported.
	if err := os.Chmod(h.dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, _, code := h.run("", "doctor"); code == 0 || !strings.Contains(out, "chmod 700") {
		t.Errorf("doctor with a 0755 data directory: exit %d\n%s", code, out)
	}
	if err := os.Chmod(h.dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if !h.sim.RevokeKey("alice-read-only-key-0001") {
		t.Fatal("no key to revoke")
	}
	_, errOut, code := h.run("", "account", "audit", "alice")
	if code == 0 || !strings.Contains(errOut, "API key") {
		t.Fatalf("audit of a revoked key: exit %d, %q", code, errOut)
	}
	a := h.accounts()[0]
	if a.Status != "needs-new-key" || !strings.Contains(a.StatusReason, "account rotate alice") {
		t.Fatalf("after revocation: status %q, reason %q", a.Status, a.StatusReason)
	}
	out, _, code := h.run("", "doctor")
	if code == 0 || !strings.Contains(out, "PROBLEM  account alice") {
		t.Errorf("doctor with a revoked key: exit %d\n%s", code, out)
	}
	// Rotating to a working key of the same account restores it.
	h.mustRun(keyInput("alice-second-key-0002"), "account", "rotate", "alice")
	if a := h.accounts()[0]; a.Status != "ok" || a.KeyHint != "alic…0002" {
		t.Errorf("after rotation: %+v", a)
	}
	h.mustRun("", "account", "audit", "alice")
	h.assertNoSecretLeak()
}

// Another program using the same key pushes Kraken's nonce past ours: the
// client retries once, then says what is going on.
func TestSharedKeyNonceClash(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice")
	// The other program uses nanosecond nonces, far above ours.
	nonce := strconv.FormatInt(time.Now().Add(time.Hour).UnixNano(), 10)
	body := "nonce=" + nonce
	sig, err := krakensim.Sign(secretOf("alice-read-only-key-0001"), "/0/private/Balance", nonce, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", h.srv.URL+"/0/private/Balance", strings.NewReader(body))
	req.Header.Set("API-Key", "alice-read-only-key-0001")
	req.Header.Set("API-Sign", sig)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, errOut, code := h.run("", "account", "audit", "alice")
	if code == 0 || !strings.Contains(errOut, "another program") {
		t.Fatalf("nonce clash: exit %d, %q", code, errOut)
	}
	if n := h.sim.Stats().Keys["alice-read-only-key-0001"].Errors["EAPI:Invalid nonce"]; n != 2 {
		t.Errorf("invalid nonce errors = %d, want 2 (one retry, then stop)", n)
	}
}

func TestRotateRefusesAnotherAccount(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice")
	// Store some of alice's real ledger entries, as a sync would.
	seedEntries(t, h, "alice", 30)
	_, errOut, code := h.run(keyInput("bob-read-only-key-0007"), "account", "rotate", "alice")
	if code == 0 || !strings.Contains(errOut, "different Kraken account") {
		t.Fatalf("rotate to bob's key: exit %d, %q", code, errOut)
	}
	if a := h.accounts()[0]; a.KeyHint != "alic…0001" {
		t.Errorf("a refused rotation changed the key: %+v", a)
	}
	h.mustRun(keyInput("alice-second-key-0002"), "account", "rotate", "alice")
	if a := h.accounts()[0]; a.KeyHint != "alic…0002" {
		t.Errorf("rotation did not take: %+v", a)
	}
	h.assertNoSecretLeak()
}

func TestRemove(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice")
	h.mustRun(keyInput("bob-read-only-key-0007"), "account", "add", "kraken", "--name", "bob")
	h.mustRun("", "account", "remove", "alice")
	list := h.accounts()
	if len(list) != 1 || list[0].Name != "bob" {
		t.Fatalf("after remove: %+v", list)
	}
	if _, errOut, code := h.run("", "account", "remove", "alice"); code == 0 || !strings.Contains(errOut, "alice") {
		t.Errorf("removing a missing account: exit %d, %q", code, errOut)
	}
}

func TestPassphraseVault(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const pass = "correct horse battery staple 42"
	h.vars["COINTALLY_PASSPHRASE"] = pass
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice")
	h.mustRun("", "account", "audit", "alice")
	h.vars["COINTALLY_PASSPHRASE"] = "wrong passphrase"
	if _, errOut, code := h.run("", "account", "audit", "alice"); code == 0 || !strings.Contains(errOut, "passphrase") {
		t.Errorf("wrong passphrase: exit %d, %q", code, errOut)
	}
	delete(h.vars, "COINTALLY_PASSPHRASE")
	if _, errOut, code := h.run("", "account", "audit", "alice"); code == 0 || !strings.Contains(errOut, "COINTALLY_PASSPHRASE") {
		t.Errorf("no passphrase: exit %d, %q", code, errOut)
	}
	h.assertNoSecretLeak(pass)
}

func TestDataDirResolution(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		flag string
		vars map[string]string
		want string
	}{
		{"/x/flag", map[string]string{"COINTALLY_DATA_DIR": "/x/env", "HOME": "/home/u"}, "/x/flag"},
		{"", map[string]string{"COINTALLY_DATA_DIR": "/x/env", "HOME": "/home/u"}, "/x/env"},
		{"", map[string]string{"XDG_DATA_HOME": "/x/xdg", "HOME": "/home/u"}, "/x/xdg/cointally"},
		{"", map[string]string{"HOME": "/home/u"}, "/home/u/.local/share/cointally"},
	}
	for _, tt := range tests {
		got, err := resolveDataDir(tt.flag, env(tt.vars))
		if err != nil || got != tt.want {
			t.Errorf("resolveDataDir(%q, %v) = %q, %v; want %q", tt.flag, tt.vars, got, err, tt.want)
		}
	}
	if _, err := resolveDataDir("", env(nil)); err == nil {
		t.Error("no HOME and no setting: want an error")
	}
}

func TestUnknownCommandAndUsage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, errOut, code := h.run("", "frobnicate"); code == 0 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	if out := h.mustRun("", "help"); !strings.Contains(out, "account add kraken") {
		t.Errorf("help: %s", out)
	}
	if _, _, code := h.run(""); code != 2 {
		t.Errorf("no arguments: exit %d, want 2", code)
	}
}

// seedEntries stores the newest n ledger entries of a simulated account in
// the account's store, as a sync would have.
func seedEntries(t *testing.T, h *harness, name string, n int) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(h.dataDir, "cointally.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.EnsureLocalUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acct, err := st.Account(ctx, u.ID, name)
	if err != nil {
		t.Fatal(err)
	}
	sa := h.sim.Account(name)
	sa.Mu.RLock()
	src := sa.Entries[len(sa.Entries)-n:]
	var entries []cointally.Entry
	for _, e := range src {
		info, _ := krakensim.AssetByID(e.Asset)
		entries = append(entries, cointally.Entry{
			ID: e.ID, RefID: e.RefID, Time: e.Time.Time(), Type: e.Type, Subtype: e.Subtype, Aclass: "currency",
			Asset: e.Asset, Amount: money.MustParse(krakensim.FormatFixed(e.Amount, info.Decimals)),
			Fee: money.MustParse(krakensim.FormatFixed(e.Fee, info.Decimals)), HasBalance: true,
			Balance: money.MustParse(krakensim.FormatFixed(e.Balance, info.Decimals)), Source: cointally.SourceAPI,
			Raw: []byte("{}"),
		})
	}
	sa.Mu.RUnlock()
	if _, err := st.PutEntries(ctx, acct.ID, entries, nil); err != nil {
		t.Fatal(err)
	}
}

func TestLedgerJSON(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice")
	if out := h.mustRun("", "ledger", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("empty ledger = %q, want []", out)
	}
	seedEntries(t, h, "alice", 30)
	var got []map[string]any
	if err := json.Unmarshal([]byte(h.mustRun("", "ledger", "--account", "alice", "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 30 {
		t.Fatalf("ledger has %d entries, want 30", len(got))
	}
	sa := h.sim.Account("alice")
	sa.Mu.RLock()
	want := sa.Entries[len(sa.Entries)-30:]
	sa.Mu.RUnlock()
	byID := map[string]map[string]any{}
	for _, g := range got {
		for _, f := range []string{"id", "refid", "time", "type", "subtype", "asset", "amount", "fee", "balance"} {
			if _, ok := g[f]; !ok {
				t.Fatalf("entry lacks %q: %v", f, g)
			}
		}
		byID[g["id"].(string)] = g
	}
	for _, w := range want {
		g := byID[w.ID]
		info, _ := krakensim.AssetByID(w.Asset)
		if g == nil || g["asset"] != w.Asset || g["time"] != w.Time.Time().Format(time.RFC3339Nano) ||
			!money.MustParse(g["amount"].(string)).Equal(money.MustParse(krakensim.FormatFixed(w.Amount, info.Decimals))) {
			t.Errorf("entry %s = %v", w.ID, g)
		}
	}
	if _, errOut, code := h.run("", "ledger", "--account", "nobody"); code == 0 || !strings.Contains(errOut, "nobody") {
		t.Errorf("unknown account: exit %d, %q", code, errOut)
	}
}

func TestSyncBalancesReconcile(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice", "--tier", "100:100")
	var res struct {
		Accounts []map[string]any `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(h.mustRun("", "sync", "--json")), &res); err != nil {
		t.Fatal(err)
	}
	sa := h.sim.Account("alice")
	sa.Mu.RLock()
	total := len(sa.Entries)
	simBal := sa.Balances()
	sa.Mu.RUnlock()
	if len(res.Accounts) != 1 {
		t.Fatalf("sync --json = %+v", res)
	}
	got := res.Accounts[0]
	for _, f := range []string{"name", "new_entries", "total_entries", "calls", "seconds", "reconciled"} {
		if _, ok := got[f]; !ok {
			t.Errorf("sync --json lacks %q", f)
		}
	}
	if got["name"] != "alice" || got["new_entries"] != float64(total) || got["total_entries"] != float64(total) || got["reconciled"] != true {
		t.Errorf("first sync = %v, want %d new and total entries, reconciled", got, total)
	}
	// An up-to-date account costs one Ledgers call (plus one per other stream).
	before := h.sim.Stats().Keys["alice-read-only-key-0001"].Calls["Ledgers"]
	if err := json.Unmarshal([]byte(h.mustRun("", "sync", "--json", "alice")), &res); err != nil {
		t.Fatal(err)
	}
	if got := res.Accounts[0]; got["new_entries"] != float64(0) || got["total_entries"] != float64(total) {
		t.Errorf("second sync = %v", got)
	}
	if n := h.sim.Stats().Keys["alice-read-only-key-0001"].Calls["Ledgers"] - before; n != 1 {
		t.Errorf("an up-to-date sync made %d Ledgers calls, want 1", n)
	}
	if a := h.accounts()[0]; a.LastSync == nil {
		t.Errorf("last_sync not set after a sync: %+v", a)
	}

	// balances --json: canonical symbols, staked variants folded in.
	var bals []map[string]string
	if err := json.Unmarshal([]byte(h.mustRun("", "balances", "--json")), &bals); err != nil {
		t.Fatal(err)
	}
	want := map[string]money.Amount{}
	for asset, v := range simBal {
		info, _ := krakensim.AssetByID(asset)
		base := krakensim.DisplayCode(asset)
		if info.Base != "" {
			base = krakensim.DisplayCode(info.Base)
		}
		want[base] = want[base].Add(money.MustParse(krakensim.FormatFixed(v, info.Decimals)))
	}
	gotBal := map[string]string{}
	for _, b := range bals {
		gotBal[b["asset"]] = b["amount"]
	}
	for asset, v := range want {
		if v.IsZero() {
			continue
		}
		if g, ok := gotBal[asset]; !ok || !money.MustParse(g).Equal(v) {
			t.Errorf("balance %s = %q, want %s (all: %v)", asset, g, v, gotBal)
		}
	}
	if _, ok := gotBal["XXBT"]; ok {
		t.Errorf("balances use a legacy code: %v", gotBal)
	}

	// reconcile: ok now, exit 0, with the contract's fields.
	var rep map[string]any
	if err := json.Unmarshal([]byte(h.mustRun("", "reconcile", "--json")), &rep); err != nil {
		t.Fatal(err)
	}
	accts := rep["accounts"].([]any)
	a0 := accts[0].(map[string]any)
	if a0["name"] != "alice" || a0["ok"] != true || len(a0["chains"].([]any)) == 0 {
		t.Fatalf("reconcile = %v", a0)
	}
	ch := a0["chains"].([]any)[0].(map[string]any)
	for _, f := range []string{"asset", "entries", "breaks", "ledger_balance", "live_balance", "difference"} {
		if _, ok := ch[f]; !ok {
			t.Errorf("chain lacks %q: %v", f, ch)
		}
	}
}

// A key limited to a date range imports a short history; the proof shows
// the gap and reconcile exits 3.
func TestReconcileShowsDateRangeGap(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	out, errOut, code := h.run(keyInput("alice-dated-key-0005"), "account", "add", "kraken", "--name", "alice", "--tier", "100:100")
	if code != 0 {
		t.Fatalf("add: %d %s %s", code, out, errOut)
	}
	h.run("", "sync")
	out, _, code = h.run("", "reconcile")
	if code != 3 || !strings.Contains(out, "DOES NOT reconcile") || !strings.Contains(out, "entries missing before") {
		t.Fatalf("reconcile of a date-limited import: exit %d\n%s", code, out)
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	e := &env{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv:          func(string) string { return "" },
		stdinIsTerminal: func() bool { return false },
		readPassword:    func() ([]byte, error) { return nil, errors.New("no terminal") },
		now:             time.Now,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	if err := run(ctx, []string{"demo", "--data-dir", dir}, e); err != nil {
		t.Fatalf("demo: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"read-only", "first import through Kraken's export report", "BTC", "demo reconciles"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+stderr.String(), demoSecret()) {
		t.Error("the demo printed its private key")
	}
}

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeSyncsOnScheduleAndAnswersHealthz(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice", "--tier", "100:100")
	var stdout, stderr syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return h.vars[k] }, stdinIsTerminal: func() bool { return false },
		readPassword: func() ([]byte, error) { return nil, errors.New("no terminal") }, now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0"}, e) }()
	var addr string
	for addr == "" {
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if out := stdout.String(); strings.Contains(out, "http://") {
			addr = strings.Fields(out[strings.Index(out, "http://"):])[0]
		}
	}
	resp, err := http.Get(addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 16)
	n, _ := resp.Body.Read(body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body[:n]) != "ok" {
		t.Fatalf("/healthz = %d %q", resp.StatusCode, body[:n])
	}
	// The scheduler syncs the never-synced account at once.
	deadline := time.Now().Add(45 * time.Second)
	for {
		if a := h.accounts()[0]; a.LastSync != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scheduler did not sync within 45 s; stderr:\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after cancel: %v", err)
	}
}

func TestAccountSet(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice")
	out := h.mustRun("", "account", "set", "alice", "--sync-interval", "6h", "--tier", "intermediate")
	if !strings.Contains(out, "every 6h0m0s") || !strings.Contains(out, "intermediate") {
		t.Fatalf("account set: %s", out)
	}
	if a := h.accounts()[0]; a.Tier != "intermediate" {
		t.Errorf("tier = %q", a.Tier)
	}
	for _, args := range [][]string{
		{"account", "set", "alice"},
		{"account", "set", "alice", "--sync-interval", "5s"},
		{"account", "set", "alice", "--tier", "fast"},
		{"account", "set", "nobody", "--tier", "pro"},
	} {
		if _, _, code := h.run("", args...); code == 0 {
			t.Errorf("%v: exit 0, want a refusal", args)
		}
	}
	if out := h.mustRun("", "account", "set", "alice", "--sync-interval", "default"); !strings.Contains(out, "default schedule") {
		t.Errorf("reset to default: %s", out)
	}
}

// Switching the vault to a passphrase and changing it re-wraps the key:
// the stored key keeps working without being entered again.
func TestVaultPassphraseChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice")
	if _, errOut, code := h.run("short\n", "vault", "passphrase"); code == 0 || !strings.Contains(errOut, "too short") {
		t.Errorf("short passphrase: exit %d, %q", code, errOut)
	}
	h.mustRun("first passphrase 1\n", "vault", "passphrase")
	if _, errOut, code := h.run("", "account", "audit", "alice"); code == 0 || !strings.Contains(errOut, "COINTALLY_PASSPHRASE") {
		t.Errorf("audit without the passphrase: exit %d, %q", code, errOut)
	}
	h.vars["COINTALLY_PASSPHRASE"] = "first passphrase 1"
	h.mustRun("", "account", "audit", "alice")
	h.mustRun("second passphrase 2\n", "vault", "passphrase")
	if _, _, code := h.run("", "account", "audit", "alice"); code == 0 {
		t.Error("the old passphrase still opens the vault")
	}
	h.vars["COINTALLY_PASSPHRASE"] = "second passphrase 2"
	h.mustRun("", "account", "audit", "alice")
	h.mustRun("", "vault", "keyfile")
	delete(h.vars, "COINTALLY_PASSPHRASE")
	h.mustRun("", "account", "audit", "alice")
	h.assertNoSecretLeak("first passphrase 1", "second passphrase 2")
}

// TestBackToBackSyncsKeepTheCounter: Kraken's call counter outlives a
// process, so each sync starts from the counter that the one before it (or
// the key's test when it was added) left, saved with the account, and
// waits instead of being refused.
func TestBackToBackSyncsKeepTheCounter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(sc *krakensim.Scenario) {
		sc.RateLimit = &krakensim.RateLimitSpec{Max: "8", DecayPerSec: "4", HeavyCost: "2"}
	})
	const key = "alice-read-only-key-0001"
	h.mustRun(keyInput(key), "account", "add", "kraken", "--name", "alice", "--tier", "8:4")
	h.mustRun("", "sync", "alice")
	first := h.sim.Stats().Keys[key]
	h.mustRun("", "sync", "alice")
	h.mustRun("", "sync", "alice")
	st := h.sim.Stats().Keys[key]
	if n := st.Errors["EAPI:Rate limit exceeded"]; n != 0 {
		t.Errorf("%d rate-limit errors over three syncs in a row", n)
	}
	if st.Calls["Ledgers"] <= first.Calls["Ledgers"] {
		t.Fatalf("the later syncs made no Ledgers calls")
	}
}
