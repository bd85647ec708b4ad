package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally/exchange/kraken/krakensim"
)

// The contract for the web UI: the dashboard and the transactions
// pages answer at p95 under 50 ms with a 1,000,000-entry store and 20
// concurrent clients. BenchmarkServeLoad starts the real server (`serve`,
// in-process, on 127.0.0.1), logs in 20 users' sessions and has them fetch
// the dashboard and the transactions pages (the first and a few cursor
// pages, and filtered views) at the same time, each request after the
// previous answer. It reports p50/p95/p99 per page in ms, each page's p50
// when one client asks alone (its service time, without queueing), the
// number of requests, and the CPU per request (which, unlike latencies on
// a shared machine, does not depend on what else runs there). The
// dashboard's figures are computed in the background; the benchmark waits
// (bounded) until they are ready and measures the steady state after that.
// Run it at the contract's size with
//
//	go test -run '^$' -bench ServeLoad -benchtime 1x ./cmd/cointally \
//	    -load.entries 1000000 -load.dir /tmp/cointally-load-1m
//
// The first run builds the data directory (as BenchmarkGains1M does) and
// later runs reuse it. Without flags it uses a 20,000-entry history in a
// temporary directory, for a quick run (CI does not run it: the figures
// need the full size and a quiet machine).
var (
	loadEntries  = flag.Int("load.entries", 20_000, "ledger entries in BenchmarkServeLoad")
	loadDir      = flag.String("load.dir", "", "data directory of BenchmarkServeLoad, kept between runs (default: a temporary one)")
	loadClients  = flag.Int("load.clients", 20, "concurrent clients (each with its own session) in BenchmarkServeLoad")
	loadRequests = flag.Int("load.requests", 25, "requests per client and page in each iteration of BenchmarkServeLoad")
	loadReady    = flag.Duration("load.ready", 10*time.Minute, "longest wait for the dashboard's figures in BenchmarkServeLoad")
)

const loadPassword = "load-bench-password"

func BenchmarkServeLoad(b *testing.B) {
	dir := *loadDir
	if dir == "" {
		dir = b.TempDir()
	}
	if _, err := os.Stat(filepath.Join(dir, "cointally.db")); errors.Is(err, os.ErrNotExist) {
		start := time.Now()
		if err := buildBenchData(dir, *loadEntries); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %s (%d entries) in %v", dir, *loadEntries, time.Since(start))
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	// Market data for prices the cache lacks comes from the emulator.
	sim, err := krakensim.New(&krakensim.Scenario{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	simSrv := httptest.NewServer(sim)
	defer simSrv.Close()
	vars := map[string]string{"COINTALLY_DATA_DIR": dir, "HOME": dir, "COINTALLY_KRAKEN_URL": simSrv.URL}
	var stdout, stderr syncBuffer
	newEnv := func(stdin string) *env {
		return &env{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
			getenv: func(k string) string { return vars[k] }, stdinIsTerminal: func() bool { return false },
			readPassword: func() ([]byte, error) { return nil, errors.New("no terminal") }, now: time.Now}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The local user owns the bench account; give it a password (once).
	if err := run(ctx, []string{"user", "add", "local"}, newEnv(loadPassword+"\n")); err != nil && !strings.Contains(err.Error(), "exists already") {
		b.Fatalf("user add: %v\n%s", err, stderr.String())
	}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--sync-interval", "24h"}, newEnv(""))
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				b.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			b.Error("serve did not stop within 30 s")
		}
	}()
	base := waitServing(b, &stdout, &stderr, done)

	transport := &http.Transport{MaxIdleConnsPerHost: 2 * *loadClients, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	clients := make([]*http.Client, *loadClients)
	for i := range clients {
		clients[i] = loadLogin(b, base, transport)
	}

	// Steady state: the dashboard's figures are computed.
	start := time.Now()
	for {
		body := loadGet(b, clients[0], base+"/")
		if !strings.Contains(body, `id="portfolio-status"`) {
			if !strings.Contains(body, "Total value") {
				b.Fatalf("the dashboard shows no total value once ready: nothing to measure\n%.3000s", body)
			}
			break
		}
		if time.Since(start) > *loadReady {
			b.Fatalf("the dashboard's figures were not ready within %v", *loadReady)
		}
		time.Sleep(500 * time.Millisecond)
	}
	b.Logf("dashboard figures ready after %v", time.Since(start).Round(time.Millisecond))

	pages := map[string][]string{"dashboard": {"/"}}
	if tx := transactionPages(b, clients[0], base, 4); tx != nil {
		pages["transactions"] = tx
		// Filtered views: an asset, a type, and both with a date range.
		pages["transactions-filtered"] = []string{"/transactions?asset=XXBT", "/transactions?type=deposit",
			"/transactions?asset=ZEUR&type=trade&from=2020-01-01&to=2020-12-31"}
	} else {
		b.Log("GET /transactions: no such page yet; only the dashboard is measured")
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range pages {
			if !yield(n) {
				return
			}
		}
	})

	// Service time: one client alone, so the figure is what a request
	// costs, without the queueing of 20 at once.
	alone := map[string]time.Duration{}
	for _, name := range names {
		var solo []time.Duration
		for range 5 {
			for _, path := range pages[name] {
				t0 := time.Now()
				if err := loadFetch(ctx, clients[0], base+path); err != nil {
					b.Fatalf("%s: %v", path, err)
				}
				solo = append(solo, time.Since(t0))
			}
		}
		slices.Sort(solo)
		alone[name] = percentile(solo, 0.5)
	}

	lat := map[string][]time.Duration{}
	var mu sync.Mutex
	cpu0 := processCPU()
	b.ResetTimer()
	for b.Loop() {
		rctx, rcancel := context.WithTimeout(ctx, 5*time.Minute)
		var wg sync.WaitGroup
		errc := make(chan error, len(clients))
		for ci, c := range clients {
			wg.Go(func() {
				local := map[string][]time.Duration{}
				for r := range *loadRequests {
					for _, name := range names {
						paths := pages[name]
						path := paths[(ci+r)%len(paths)]
						t0 := time.Now()
						if err := loadFetch(rctx, c, base+path); err != nil {
							errc <- fmt.Errorf("%s: %w", path, err)
							return
						}
						local[name] = append(local[name], time.Since(t0))
					}
				}
				mu.Lock()
				for n, d := range local {
					lat[n] = append(lat[n], d...)
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		rcancel()
		close(errc)
		for err := range errc {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	total := 0
	for _, name := range names {
		d := lat[name]
		slices.Sort(d)
		total += len(d)
		ms := func(p float64) float64 { return float64(percentile(d, p)) / float64(time.Millisecond) }
		b.ReportMetric(ms(0.50), name+"-p50-ms")
		b.ReportMetric(ms(0.95), name+"-p95-ms")
		b.ReportMetric(ms(0.99), name+"-p99-ms")
		b.ReportMetric(float64(alone[name])/float64(time.Millisecond), name+"-alone-p50-ms")
		b.Logf("%s: %d requests over %v, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms; alone p50 %.1f ms",
			name, len(d), pages[name], ms(0.50), ms(0.95), ms(0.99), float64(d[len(d)-1])/float64(time.Millisecond),
			float64(alone[name])/float64(time.Millisecond))
	}
	b.ReportMetric(float64(total), "requests")
	// CPU per request (server and load generator together, one process):
	// unlike the latencies, it does not depend on what else the machine
	// is running.
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(total), "cpu-ms/req")
	b.ReportMetric(0, "ns/op")
}

// processCPU is the CPU time (user and system) the process has used,
// from /proc/self/stat in clock ticks of 10 ms (Linux; 0 elsewhere).
func processCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name: state is the first, utime the
	// 12th and stime the 13th.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	var user, sys int64
	fmt.Sscan(f[11], &user)
	fmt.Sscan(f[12], &sys)
	return time.Duration(user+sys) * 10 * time.Millisecond
}

// percentile returns the p-th quantile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// waitServing waits for serve's address line and returns the base URL.
func waitServing(b *testing.B, stdout, stderr *syncBuffer, done chan error) string {
	b.Helper()
	deadline := time.After(60 * time.Second)
	re := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`)
	for {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			b.Fatalf("serve stopped: %v\n%s", err, stderr.String())
		case <-deadline:
			b.Fatalf("serve did not start within 60 s:\n%s", stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

var loadCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// loadLogin logs a new session in through the login form.
func loadLogin(b *testing.B, base string, tr http.RoundTripper) *http.Client {
	b.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: tr, Timeout: 60 * time.Second}
	m := loadCSRF.FindStringSubmatch(loadGet(b, c, base+"/login"))
	if m == nil {
		b.Fatal("the login form has no csrf_token")
	}
	resp, err := c.PostForm(base+"/login", url.Values{"username": {"local"}, "password": {loadPassword}, "csrf_token": {html.UnescapeString(m[1])}})
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" {
		b.Fatalf("login: %s, at %s", resp.Status, resp.Request.URL.Path)
	}
	return c
}

func loadGet(b *testing.B, c *http.Client, u string) string {
	b.Helper()
	resp, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %s\n%.1000s", u, resp.Status, body)
	}
	return string(body)
}

// loadFetch is one measured request: the whole page must arrive with 200
// and the session must still hold (no redirect to the login page).
func loadFetch(ctx context.Context, c *http.Client, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path == "/login" {
		return fmt.Errorf("%s (at %s)", resp.Status, resp.Request.URL.Path)
	}
	return nil
}

var nextLink = regexp.MustCompile(`<a[^>]*href="(/transactions\?[^"]*)"[^>]*rel="next"|<a[^>]*rel="next"[^>]*href="(/transactions\?[^"]*)"`)

// transactionPages returns the first transactions page and up to n-1
// pages after it (following the next links), or nil when the server has
// no transactions page.
func transactionPages(b *testing.B, c *http.Client, base string, n int) []string {
	b.Helper()
	resp, err := c.Get(base + "/transactions")
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	paths := []string{"/transactions"}
	for len(paths) < n {
		body := loadGet(b, c, base+paths[len(paths)-1])
		m := nextLink.FindStringSubmatch(body)
		if m == nil {
			b.Logf("%s has no next link (rel=\"next\")", paths[len(paths)-1])
			break
		}
		paths = append(paths, html.UnescapeString(m[1]+m[2]))
	}
	return paths
}
