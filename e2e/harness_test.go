package e2e

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cointally/cointally/exchange/kraken/krakensim"
)

// secretOf is a deterministic, valid Kraken private key (64 bytes, standard
// base64) for an API key.
func secretOf(apiKey string) string {
	sum := sha512.Sum512([]byte("cointally e2e secret " + apiKey))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// chromiumPath finds the browser, or skips the test (fails under CI=true:
// CI must never skip the browser tests silently).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("COINTALLY_CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("COINTALLY_CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH: the browser tests need Debian's chromium package (run .ci/chromium.sh, or set COINTALLY_CHROMIUM)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// binary builds cmd/cointally once per test process (with -race when the
// tests run with it, so CI reuses its compiled packages and the server runs
// under the race detector), or returns COINTALLY_E2E_BIN.
func binary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("COINTALLY_E2E_BIN"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cointally-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "cointally")
		args := []string{"build", "-o", builtBin}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, "github.com/cointally/cointally/cmd/cointally")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		_ = os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// lockedBuffer collects a process's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// app is a data directory, the emulator it syncs from, and the binary.
type app struct {
	t       *testing.T
	bin     string
	sim     *httptest.Server
	dataDir string
	env     []string
	outputs lockedBuffer // every output of every command, for the leak check
}

func newApp(t *testing.T, sc *krakensim.Scenario) *app {
	t.Helper()
	sim, err := krakensim.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	a := &app{t: t, bin: binary(t), sim: srv, dataDir: t.TempDir()}
	// cointally wants its data directory 0700; t.TempDir makes it 0755.
	if err := os.Chmod(a.dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	a.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"COINTALLY_DATA_DIR=" + a.dataDir,
		"COINTALLY_KRAKEN_URL=" + srv.URL,
	}
	return a
}

// run runs one command of the binary with stdin and returns its stdout.
func (a *app) run(stdin string, args ...string) string {
	a.t.Helper()
	defer func(t0 time.Time) { a.t.Logf("cointally %s: %v", args[0], time.Since(t0).Round(time.Millisecond)) }(time.Now())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.bin, args...)
	cmd.Env = a.env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	a.outputs.Write(stdout.Bytes())
	a.outputs.Write(stderr.Bytes())
	if err != nil {
		a.t.Fatalf("cointally %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// runJSON runs a command and decodes its JSON output into v.
func (a *app) runJSON(v any, args ...string) {
	a.t.Helper()
	out := a.run("", args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		a.t.Fatalf("cointally %s: decoding its JSON: %v\n%.2000s", strings.Join(args, " "), err, out)
	}
}

var servingRE = regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`)

// serve starts `cointally serve` on a free loopback port and returns its
// base URL. The server is interrupted and waited for at cleanup.
func (a *app) serve() string {
	a.t.Helper()
	cmd := exec.Command(a.bin, "serve", "--listen", "127.0.0.1:0", "--sync-interval", "24h")
	cmd.Env = a.env
	cmd.Stdout, cmd.Stderr = &a.outputs, &a.outputs
	if err := cmd.Start(); err != nil {
		a.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	a.t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				a.t.Errorf("cointally serve ended with %v after an interrupt\n%s", err, a.outputs.String())
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			a.t.Errorf("cointally serve did not stop within 15 s of an interrupt")
		}
	})
	deadline := time.After(30 * time.Second)
	for {
		if m := servingRE.FindStringSubmatch(a.outputs.String()); m != nil {
			base := m[1]
			resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/healthz")
			if err != nil {
				a.t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || string(body) != "ok" {
				a.t.Fatalf("GET /healthz without a session: %s %q %v, want 200 ok", resp.Status, body, err)
			}
			return base
		}
		select {
		case err := <-exited:
			a.t.Fatalf("cointally serve exited: %v\n%s", err, a.outputs.String())
		case <-deadline:
			a.t.Fatalf("cointally serve did not say where it serves within 30 s:\n%s", a.outputs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// browser is one headless Chromium tab and everything it wrote to its
// console.
type browser struct {
	t     *testing.T
	ctx   context.Context // the tab; steps derive their timeouts from it
	base  string          // the server's URL
	shots string          // the screenshot directory
	pages []string        // the HTML of every page seen, for the leak check

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
	output  lockedBuffer // the browser process's own output
}

// newBrowser starts Chromium (the system binary, never a download) with a
// fresh profile and opens a tab.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	b := &browser{t: t, base: base, shots: screenshotDir(t)}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&b.output),
	)
	// The whole browser session is bounded: nothing waits for ever.
	root, cancelRoot := context.WithTimeout(context.Background(), 4*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelRoot()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v\n%s", chromiumPath(t), err, b.output.String())
	}
	b.ctx = ctx
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	return b
}

func screenshotDir(t *testing.T) string {
	if d := os.Getenv("COINTALLY_E2E_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// step runs actions with a timeout.
func (b *browser) step(what string, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (at %s)", what, err, b.location())
	}
}

// submit clicks a submit button and waits for the page it leads to; it
// returns that page's HTTP status.
func (b *browser) submit(what, button string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		b.t.Fatalf("%s: %v (at %s)", what, err, b.location())
	}
	b.capture()
	return resp.Status
}

// open navigates to a path of the server and returns the HTTP status.
func (b *browser) open(path string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("opening %s: %v", path, err)
	}
	b.capture()
	return resp.Status
}

// capture keeps the current page's HTML for the leak check.
func (b *browser) capture() {
	b.t.Helper()
	b.pages = append(b.pages, b.html())
}

func (b *browser) html() string {
	b.t.Helper()
	return eval[string](b, `document.documentElement.outerHTML`)
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return loc
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v (at %s)", expr, err, b.location())
	}
	return v
}

// waitFor polls a JavaScript condition until it is true or timeout passes.
// Errors while a page is replaced by another (a reload) are retried.
func (b *browser) waitFor(what, cond string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		lastErr = err
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not within %v (last error %v) at %s\n%.3000s", what, timeout, lastErr, b.location(), b.html())
		}
		if b.ctx.Err() != nil {
			b.t.Fatalf("%s: %v", what, b.ctx.Err())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// text returns the visible text of the first element matching a CSS
// selector ("" when there is none).
func (b *browser) text(selector string) string {
	b.t.Helper()
	sel, _ := json.Marshal(selector)
	return eval[string](b, `(document.querySelector(`+string(sel)+`) || {innerText: ""}).innerText`)
}

// screenshot saves a PNG of the whole page as name.png.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		b.t.Fatalf("screenshot %s is not a PNG", name)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// consoleProblems lists the console errors, uncaught exceptions and
// Content-Security-Policy reports the pages produced.
func (b *browser) consoleProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.console {
		csp := strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy")
		if m.Type == chromedp.ConsoleError || m.IsException() || csp {
			out = append(out, fmt.Sprintf("%s %s:%d %s", m.Type, m.URL, m.Line+1, m.Text))
		}
	}
	return out
}

// consoleCount is how many console messages were seen, to show that the
// listener works.
func (b *browser) consoleCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.console)
}
