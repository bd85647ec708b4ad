package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const sampleScenario = "../../exchange/kraken/krakensim/testdata/sample.json"

// smallScenario writes a quick scenario to a temporary file.
func smallScenario(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.json")
	const sc = `{"seed": 3, "accounts": [{"id": "alice",
  "history": {"entries": 300, "from": "2021-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
  "keys": [{"key": "k", "secret": "a3Jha2Vuc2ltIHNhbXBsZSBrZXk6IG5vdCBhIHJlYWwgS3Jha2VuIHNlY3JldCwgYSB0ZXN0IGZpeHR1cmUuLg==",
            "permissions": ["query-ledger"]}]}]}`
	if err := os.WriteFile(p, []byte(sc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"--listen", "127.0.0.1:0", "--scenario", smallScenario(t)}, pw, &stderr)
		pw.Close()
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	lineCh := make(chan string, 1)
	go func() {
		if lines.Scan() {
			lineCh <- lines.Text()
		}
		close(lineCh)
		io.Copy(io.Discard, pr)
	}()
	var line string
	select {
	case line = <-lineCh:
	case err := <-done:
		t.Fatalf("run returned early: %v (%s)", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("no ready line within 30s")
	}
	m := regexp.MustCompile(`^krakensim listening on (http://127\.0\.0\.1:([0-9]+))$`).FindStringSubmatch(line)
	if m == nil || m[2] == "0" {
		t.Fatalf("ready line %q", line)
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	resp, err := hc.Get(m[1] + "/0/public/Time")
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Error  []string
		Result struct {
			Unixtime int64 `json:"unixtime"`
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if err != nil || len(env.Error) != 0 || env.Result.Unixtime == 0 {
		t.Fatalf("Time: %+v %v", env, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
	if _, err := hc.Get(m[1] + "/0/public/Time"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestExport(t *testing.T) {
	tests := []struct {
		args   []string
		header string
	}{
		{[]string{"--report", "ledgers"}, `"txid","refid","time","type","subtype","aclass","subclass","asset","wallet","amount","fee","balance","amountusd","feeusd","balanceusd","feecurrency"`},
		{[]string{"--report", "ledgers", "--generation", "A"}, `"txid","refid","time","type","subtype","aclass","asset","amount","fee","balance"`},
		{[]string{"--report", "trades"}, `"txid","ordertxid","pair","time","type","ordertype","price","cost","fee","vol","margin","misc","ledgers"`},
	}
	sc := smallScenario(t)
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"export", "--scenario", sc, "--account", "alice"}, tt.args...)
			if err := run(t.Context(), args, &out, &errb); err != nil {
				t.Fatalf("run: %v (%s)", err, errb.String())
			}
			lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
			if lines[0] != tt.header {
				t.Errorf("header %s\nwant %s", lines[0], tt.header)
			}
			if len(lines) < 20 {
				t.Errorf("only %d lines", len(lines))
			}
		})
	}
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"export", "--scenario", sc, "--account", "nobody"}, &out, &errb); err == nil {
		t.Error("unknown account: no error")
	}
	if err := run(t.Context(), []string{"export", "--scenario", sc, "--account", "alice", "--report", "orders"}, &out, &errb); err == nil {
		t.Error("unknown report: no error")
	}
}

func TestSampleScenarioLoads(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(t.Context(), []string{"export", "--scenario", sampleScenario, "--account", "alice", "--report", "trades"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v (%s)", err, errb.String())
	}
}
