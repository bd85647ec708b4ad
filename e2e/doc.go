// Package e2e holds the end-to-end tests of the web UI: they build the
// cointally binary, run `cointally serve` on 127.0.0.1 against an in-process
// Kraken emulator (krakensim), and drive Debian's headless Chromium through
// the pages with chromedp, as a person would: log in, add a Kraken key, watch
// the first import, read the dashboard, the transactions and the tax pages,
// and the same pages again on a phone-sized screen.
//
// The tests need the chromium command (.ci/chromium.sh installs Debian's
// package). Without it they skip, except under CI=true, where they fail: CI
// never skips them silently. No browser is ever downloaded.
//
// Screenshots (PNG) go to the directory in COINTALLY_E2E_SCREENSHOTS, or to
// a temporary directory that is removed after the test. COINTALLY_E2E_BIN
// runs a prebuilt binary instead of building one, and COINTALLY_CHROMIUM
// names the browser binary.
//
// The package has no code outside its tests.
package e2e
