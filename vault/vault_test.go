package vault_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cointally/cointally/vault"
)

// light are Argon2id parameters cheap enough to keep the tests fast under
// -race. Real vaults use vault.DefaultParams.
var light = vault.Params{Time: 1, MemoryKiB: 256, Threads: 1}

const (
	testPass  = "correct horse battery staple"
	otherPass = "Tr0ub4dor&3"
)

var modes = []vault.Mode{vault.ModeKeyFile, vault.ModePassphrase}

// open opens (or creates) the vault in dir in mode, with testPass in
// passphrase mode, and closes it when the test ends.
func open(t testing.TB, dir string, mode vault.Mode) *vault.Vault {
	t.Helper()
	v, err := openErr(dir, mode, testPass)
	if err != nil {
		t.Fatalf("opening %s vault: %v", mode, err)
	}
	t.Cleanup(func() { _ = v.Close() })
	return v
}

func openErr(dir string, mode vault.Mode, pass string) (*vault.Vault, error) {
	if mode == vault.ModeKeyFile {
		return vault.OpenKeyFile(dir)
	}
	return vault.OpenPassphrase(dir, []byte(pass), &light)
}

func mustSeal(t testing.TB, v *vault.Vault, plaintext, ad []byte) []byte {
	t.Helper()
	ct, err := v.Seal(plaintext, ad)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return ct
}

func mustOpen(t testing.TB, v *vault.Vault, ct, ad, want []byte) {
	t.Helper()
	got, err := v.Open(ct, ad)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Open = %q, want %q", got, want)
	}
}

func skipOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits on Windows")
	}
}

func perm(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// dirNames lists the names in dir, so tests can see that no temporary
// file is left behind.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	tests := []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"empty", nil, vault.AD("empty")},
		{"88-byte Kraken secret", []byte(strings.Repeat("k", 88)), vault.AD("kraken-api-secret", "acct-1")},
		{"all byte values, no AD", binary, nil},
		{"1 MiB", make([]byte, 1<<20), vault.AD("big")},
	}
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			v := open(t, t.TempDir(), mode)
			if got := v.Mode(); got != mode {
				t.Errorf("Mode() = %q, want %q", got, mode)
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					ct := mustSeal(t, v, tt.plaintext, tt.ad)
					if got, want := len(ct), len(tt.plaintext)+vault.Overhead; got != want {
						t.Errorf("len(ciphertext) = %d, want %d", got, want)
					}
					if ct[0] != 1 {
						t.Errorf("version byte = %d, want 1", ct[0])
					}
					if again := mustSeal(t, v, tt.plaintext, tt.ad); bytes.Equal(ct, again) {
						t.Error("two seals of the same plaintext are equal; nonce is not random")
					}
					mustOpen(t, v, ct, tt.ad, tt.plaintext)
				})
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	secret := []byte("kraken-private-key-0123456789")
	ad := vault.AD("kraken-api-secret", "acct-1")
	v := open(t, t.TempDir(), vault.ModeKeyFile)
	other := open(t, t.TempDir(), vault.ModeKeyFile)
	ct := mustSeal(t, v, secret, ad)

	withByte := func(i int, b byte) []byte {
		c := slices.Clone(ct)
		c[i] = b
		return c
	}
	tests := []struct {
		name string
		ct   []byte
		ad   []byte
		want error
	}{
		{"other account", ct, vault.AD("kraken-api-secret", "acct-2"), vault.ErrDecrypt},
		{"other purpose", ct, vault.AD("webhook-token", "acct-1"), vault.ErrDecrypt},
		{"no AD", ct, nil, vault.ErrDecrypt},
		{"sealed by another vault", mustSeal(t, other, secret, ad), ad, vault.ErrDecrypt},
		{"nil", nil, ad, vault.ErrCorrupt},
		{"version byte only", ct[:1], ad, vault.ErrCorrupt},
		{"one byte short of minimum", ct[:vault.Overhead-1], ad, vault.ErrCorrupt},
		{"tag cut off", ct[:len(ct)-16], ad, vault.ErrDecrypt},
		{"last byte cut off", ct[:len(ct)-1], ad, vault.ErrDecrypt},
		{"byte appended", append(slices.Clone(ct), 0), ad, vault.ErrDecrypt},
		{"version 0", withByte(0, 0), ad, vault.ErrUnsupportedVersion},
		{"version 2", withByte(0, 2), ad, vault.ErrUnsupportedVersion},
		{"nonce changed", withByte(5, ct[5]^1), ad, vault.ErrDecrypt},
		{"box changed", withByte(30, ct[30]^0x80), ad, vault.ErrDecrypt},
		{"tag changed", withByte(len(ct)-1, ct[len(ct)-1]^1), ad, vault.ErrDecrypt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := v.Open(tt.ct, tt.ad)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open = %q, %v; want error %v", got, err, tt.want)
			}
			if got != nil {
				t.Errorf("Open returned %d bytes with its error", len(got))
			}
			if msg := err.Error(); strings.Contains(msg, string(secret)) || strings.Contains(msg, "acct") {
				t.Errorf("error %q reveals the secret or the associated data", msg)
			}
		})
	}
}

// TestOpenTamperedOrTruncated flips every bit of a ciphertext and cuts it at
// every length: each must fail with a package error, and none may panic.
func TestOpenTamperedOrTruncated(t *testing.T) {
	t.Parallel()
	v := open(t, t.TempDir(), vault.ModeKeyFile)
	ad := vault.AD("tamper")
	ct := mustSeal(t, v, []byte("a secret of some length"), ad)
	isOurs := func(err error) bool {
		return errors.Is(err, vault.ErrDecrypt) || errors.Is(err, vault.ErrCorrupt) || errors.Is(err, vault.ErrUnsupportedVersion)
	}
	for i := range ct {
		for bit := range 8 {
			c := slices.Clone(ct)
			c[i] ^= 1 << bit
			if _, err := v.Open(c, ad); !isOurs(err) {
				t.Fatalf("byte %d bit %d flipped: Open error = %v", i, bit, err)
			}
		}
	}
	for n := range len(ct) {
		if _, err := v.Open(ct[:n], ad); !isOurs(err) {
			t.Fatalf("truncated to %d bytes: Open error = %v", n, err)
		}
	}
}

func TestKeyFileCreatedAndReused(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data") // does not exist yet
	v1, err := vault.OpenKeyFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	ad := vault.AD("kraken-api-secret", "acct-1")
	secret := []byte("sealed before re-open")
	ct := mustSeal(t, v1, secret, ad)
	key1, err := os.ReadFile(filepath.Join(dir, vault.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := v1.Close(); err != nil {
		t.Fatal(err)
	}

	v2 := open(t, dir, vault.ModeKeyFile)
	mustOpen(t, v2, ct, ad, secret)
	key2, err := os.ReadFile(filepath.Join(dir, vault.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key1, key2) {
		t.Error("re-open changed the key file")
	}
	if mode, err := vault.ModeOf(dir); mode != vault.ModeKeyFile || err != nil {
		t.Errorf("ModeOf = %q, %v; want %q", mode, err, vault.ModeKeyFile)
	}
	if got, want := dirNames(t, dir), []string{vault.HeaderFile, vault.KeyFile}; !slices.Equal(got, want) {
		t.Errorf("data dir holds %q, want %q", got, want)
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]fs.FileMode{
			dir:                                  0o700,
			filepath.Join(dir, vault.KeyFile):    0o600,
			filepath.Join(dir, vault.HeaderFile): 0o600,
		} {
			if got := perm(t, path); got != want {
				t.Errorf("%s has mode %04o, want %04o", path, got, want)
			}
		}
	}
}

func TestInsecureKeyFile(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	// Each setup leaves a key file in dir and returns the call that must
	// refuse it.
	setups := []struct {
		name  string
		setup func(t *testing.T, dir string) func() error
	}{
		{"re-open existing vault", func(t *testing.T, dir string) func() error {
			_ = open(t, dir, vault.ModeKeyFile)
			return func() error { _, err := vault.OpenKeyFile(dir); return err }
		}},
		{"first use with a key file already there", func(t *testing.T, dir string) func() error {
			if err := os.WriteFile(filepath.Join(dir, vault.KeyFile), []byte(base64.StdEncoding.EncodeToString(make([]byte, 32))), 0o600); err != nil {
				t.Fatal(err)
			}
			return func() error { _, err := vault.OpenKeyFile(dir); return err }
		}},
		{"switch from passphrase to a stale key file", func(t *testing.T, dir string) func() error {
			v := open(t, dir, vault.ModePassphrase)
			if err := os.WriteFile(filepath.Join(dir, vault.KeyFile), []byte(base64.StdEncoding.EncodeToString(make([]byte, 32))), 0o600); err != nil {
				t.Fatal(err)
			}
			return v.UseKeyFile
		}},
	}
	perms := []fs.FileMode{0o644, 0o640, 0o604, 0o660, 0o620, 0o602, 0o666, 0o770}
	for _, s := range setups {
		for _, p := range perms {
			t.Run(s.name+"/"+p.String(), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				call := s.setup(t, dir)
				path := filepath.Join(dir, vault.KeyFile)
				if err := os.Chmod(path, p); err != nil {
					t.Fatal(err)
				}
				err := call()
				if !errors.Is(err, vault.ErrInsecurePermissions) {
					t.Fatalf("error = %v, want ErrInsecurePermissions", err)
				}
				if want := "chmod 600 " + path; !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not tell the user to run %q", err, want)
				}
			})
		}
	}

	t.Run("owner read-only is fine", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		_ = open(t, dir, vault.ModeKeyFile)
		if err := os.Chmod(filepath.Join(dir, vault.KeyFile), 0o400); err != nil {
			t.Fatal(err)
		}
		_ = open(t, dir, vault.ModeKeyFile)
	})
}

// TestConcurrentFirstUse opens a new vault from many goroutines at once.
// They must agree on one key file and one DEK: each can open what every
// other one sealed. Goroutines race on the same files as processes would.
func TestConcurrentFirstUse(t *testing.T) {
	t.Parallel()
	const n = 8
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			for round := range 5 {
				dir := filepath.Join(t.TempDir(), "data")
				vaults := make([]*vault.Vault, n)
				cts := make([][]byte, n)
				errs := make([]error, n)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						<-start
						v, err := openErr(dir, mode, testPass)
						if err != nil {
							errs[i] = err
							return
						}
						vaults[i] = v
						cts[i], errs[i] = v.Seal([]byte{byte(i)}, vault.AD("goroutine"))
					})
				}
				close(start)
				wg.Wait()
				if err := errors.Join(errs...); err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				for i, v := range vaults {
					for j, ct := range cts {
						got, err := v.Open(ct, vault.AD("goroutine"))
						if err != nil || !bytes.Equal(got, []byte{byte(j)}) {
							t.Fatalf("round %d: vault %d cannot open what vault %d sealed: %v", round, i, j, err)
						}
					}
					_ = v.Close()
				}
				want := []string{vault.HeaderFile}
				if mode == vault.ModeKeyFile {
					want = append(want, vault.KeyFile)
				}
				if got := dirNames(t, dir); !slices.Equal(got, want) {
					t.Fatalf("round %d: data dir holds %q, want %q", round, got, want)
				}
			}
		})
	}
}

// TestConcurrentUse seals and opens from several goroutines while another
// one switches modes and passphrases, for the race detector, and checks
// that the vault opens in whatever mode it ends in.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v := open(t, dir, vault.ModeKeyFile)
	ad := vault.AD("concurrent")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				plain := []byte{byte(i), byte(j)}
				ct, err := v.Seal(plain, ad)
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := v.Open(ct, ad); err != nil || !bytes.Equal(got, plain) {
					t.Errorf("Open = %v, %v", got, err)
					return
				}
			}
		})
	}
	switches := []func() error{
		func() error { return v.UsePassphrase([]byte(testPass), &light) },
		func() error {
			err := v.ChangePassphrase([]byte(otherPass))
			if errors.Is(err, vault.ErrWrongMode) {
				return nil // ran while the vault was in key-file mode
			}
			return err
		},
		v.UseKeyFile,
	}
	for _, sw := range switches {
		wg.Go(func() {
			if err := sw(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	ct := mustSeal(t, v, []byte("after"), ad)
	var reopened *vault.Vault
	var err error
	switch mode := v.Mode(); mode {
	case vault.ModeKeyFile:
		reopened, err = vault.OpenKeyFile(dir)
	default:
		// Either passphrase may have been set last.
		if reopened, err = vault.OpenPassphrase(dir, []byte(testPass), nil); errors.Is(err, vault.ErrWrongPassphrase) {
			reopened, err = vault.OpenPassphrase(dir, []byte(otherPass), nil)
		}
	}
	if err != nil {
		t.Fatalf("re-open in %s mode: %v", v.Mode(), err)
	}
	defer reopened.Close()
	mustOpen(t, reopened, ct, ad, []byte("after"))
}

func TestPassphrase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v := open(t, dir, vault.ModePassphrase)
	ad := vault.AD("kraken-api-secret", "acct-1")
	secret := []byte("passphrase-protected")
	ct := mustSeal(t, v, secret, ad)

	tests := []struct {
		name   string
		pass   string
		params *vault.Params
		want   error
	}{
		{"right passphrase", testPass, &light, nil},
		{"right passphrase, params from header", testPass, nil, nil},
		{"right passphrase, other params ignored", testPass, &vault.Params{Time: 2, MemoryKiB: 512, Threads: 2}, nil},
		{"wrong passphrase", otherPass, &light, vault.ErrWrongPassphrase},
		{"trailing newline is a different passphrase", testPass + "\n", nil, vault.ErrWrongPassphrase},
		{"empty passphrase", "", nil, vault.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := vault.OpenPassphrase(dir, []byte(tt.pass), tt.params)
			if !errors.Is(err, tt.want) {
				t.Fatalf("OpenPassphrase error = %v, want %v", err, tt.want)
			}
			if err != nil {
				if tt.pass != "" && strings.Contains(err.Error(), tt.pass) {
					t.Errorf("error %q reveals the passphrase", err)
				}
				return
			}
			defer v.Close()
			mustOpen(t, v, ct, ad, secret)
		})
	}

	h := readHeader(t, dir)
	kdf := h["kdf"].(map[string]any)
	if kdf["algorithm"] != "argon2id" || kdf["time"] != 1.0 || kdf["memory_kib"] != 256.0 || kdf["threads"] != 1.0 {
		t.Errorf("header kdf = %v, want argon2id with the light params", kdf)
	}
	if mode, err := vault.ModeOf(dir); mode != vault.ModePassphrase || err != nil {
		t.Errorf("ModeOf = %q, %v; want %q", mode, err, vault.ModePassphrase)
	}
	if got, want := dirNames(t, dir), []string{vault.HeaderFile}; !slices.Equal(got, want) {
		t.Errorf("data dir holds %q, want %q", got, want)
	}
}

func TestChangePassphrase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v := open(t, dir, vault.ModePassphrase)
	ad := vault.AD("kraken-api-secret", "acct-1")
	secret := []byte("sealed under the old passphrase")
	ct := mustSeal(t, v, secret, ad)
	before := readHeader(t, dir)

	if err := v.ChangePassphrase([]byte(otherPass)); err != nil {
		t.Fatal(err)
	}
	mustOpen(t, v, ct, ad, secret) // the open vault keeps working

	if _, err := vault.OpenPassphrase(dir, []byte(testPass), nil); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Errorf("old passphrase: error = %v, want ErrWrongPassphrase", err)
	}
	v2, err := vault.OpenPassphrase(dir, []byte(otherPass), nil)
	if err != nil {
		t.Fatalf("new passphrase: %v", err)
	}
	defer v2.Close()
	mustOpen(t, v2, ct, ad, secret)

	after := readHeader(t, dir)
	b, a := before["kdf"].(map[string]any), after["kdf"].(map[string]any)
	if b["salt"] == a["salt"] {
		t.Error("ChangePassphrase kept the salt")
	}
	if b["memory_kib"] != a["memory_kib"] || b["time"] != a["time"] {
		t.Errorf("ChangePassphrase changed the params: %v -> %v", b, a)
	}

	if err := v.ChangePassphrase(nil); !errors.Is(err, vault.ErrInvalid) {
		t.Errorf("empty new passphrase: error = %v, want ErrInvalid", err)
	}
	kf := open(t, t.TempDir(), vault.ModeKeyFile)
	if err := kf.ChangePassphrase([]byte(otherPass)); !errors.Is(err, vault.ErrWrongMode) {
		t.Errorf("key-file vault: error = %v, want ErrWrongMode", err)
	}
}

// TestSwitchModes goes key file -> passphrase -> new passphrase -> key file
// and checks after each step that every secret sealed so far still opens,
// by the running vault and by a fresh open in the new mode, and that the
// old mode no longer opens the vault.
func TestSwitchModes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v := open(t, dir, vault.ModeKeyFile)
	ad := vault.AD("kraken-api-secret", "acct-1")
	sealed := map[string][]byte{} // plaintext -> ciphertext

	pass := testPass
	steps := []struct {
		name      string
		do        func() error
		mode      vault.Mode
		wrongMode vault.Mode
		keyFile   bool // vault.key exists afterwards
	}{
		{"start in key-file mode", func() error { return nil }, vault.ModeKeyFile, vault.ModePassphrase, true},
		{"use passphrase", func() error { return v.UsePassphrase([]byte(testPass), &light) }, vault.ModePassphrase, vault.ModeKeyFile, false},
		{"use new passphrase and params", func() error {
			pass = otherPass
			return v.UsePassphrase([]byte(otherPass), &vault.Params{Time: 2, MemoryKiB: 128, Threads: 1})
		}, vault.ModePassphrase, vault.ModeKeyFile, false},
		{"use key file", v.UseKeyFile, vault.ModeKeyFile, vault.ModePassphrase, true},
		{"use key file again", v.UseKeyFile, vault.ModeKeyFile, vault.ModePassphrase, true},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		plain := "sealed after " + step.name
		sealed[plain] = mustSeal(t, v, []byte(plain), ad)

		if got := v.Mode(); got != step.mode {
			t.Errorf("%s: Mode() = %q, want %q", step.name, got, step.mode)
		}
		if got, err := vault.ModeOf(dir); got != step.mode || err != nil {
			t.Errorf("%s: ModeOf = %q, %v; want %q", step.name, got, err, step.mode)
		}
		fresh, err := openErr(dir, step.mode, pass)
		if err != nil {
			t.Fatalf("%s: re-open: %v", step.name, err)
		}
		for plain, ct := range sealed {
			mustOpen(t, v, ct, ad, []byte(plain))
			mustOpen(t, fresh, ct, ad, []byte(plain))
		}
		_ = fresh.Close()
		if _, err := openErr(dir, step.wrongMode, pass); !errors.Is(err, vault.ErrWrongMode) {
			t.Errorf("%s: open in %s mode: error = %v, want ErrWrongMode", step.name, step.wrongMode, err)
		}
		_, err = os.Stat(filepath.Join(dir, vault.KeyFile))
		if exists := err == nil; exists != step.keyFile {
			t.Errorf("%s: key file exists = %v, want %v", step.name, exists, step.keyFile)
		}
		if step.keyFile && runtime.GOOS != "windows" {
			if got := perm(t, filepath.Join(dir, vault.KeyFile)); got != 0o600 {
				t.Errorf("%s: key file has mode %04o, want 0600", step.name, got)
			}
		}
		want := []string{vault.HeaderFile}
		if step.keyFile {
			want = append(want, vault.KeyFile)
		}
		if got := dirNames(t, dir); !slices.Equal(got, want) {
			t.Errorf("%s: data dir holds %q, want %q", step.name, got, want)
		}
	}
}

func TestModeOf(t *testing.T) {
	t.Parallel()
	keyFileDir, passDir := t.TempDir(), t.TempDir()
	_ = open(t, keyFileDir, vault.ModeKeyFile)
	_ = open(t, passDir, vault.ModePassphrase)
	tests := []struct {
		name string
		dir  string
		want vault.Mode
		err  error
	}{
		{"key file", keyFileDir, vault.ModeKeyFile, nil},
		{"passphrase", passDir, vault.ModePassphrase, nil},
		{"empty dir", t.TempDir(), "", vault.ErrNotFound},
		{"missing dir", filepath.Join(t.TempDir(), "nope"), "", vault.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := vault.ModeOf(tt.dir)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("ModeOf = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func readHeader(t *testing.T, dir string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, vault.HeaderFile))
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func writeFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func editHeader(edit func(h map[string]any)) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		h := readHeader(t, dir)
		edit(h)
		data, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, vault.HeaderFile, data)
	}
}

func editKDF(edit func(kdf map[string]any)) func(t *testing.T, dir string) {
	return editHeader(func(h map[string]any) { edit(h["kdf"].(map[string]any)) })
}

func TestDamagedFiles(t *testing.T) {
	t.Parallel()
	randomKey := make([]byte, 32)
	if _, err := rand.Read(randomKey); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		mode    vault.Mode
		damage  func(t *testing.T, dir string)
		want    error
		modeErr bool // ModeOf reports it too
	}{
		{"header not JSON", vault.ModeKeyFile, func(t *testing.T, dir string) { writeFile(t, dir, vault.HeaderFile, []byte("{oops")) }, vault.ErrCorrupt, true},
		{"header empty", vault.ModePassphrase, func(t *testing.T, dir string) { writeFile(t, dir, vault.HeaderFile, nil) }, vault.ErrCorrupt, true},
		{"header from the future", vault.ModeKeyFile, editHeader(func(h map[string]any) { h["version"] = 2 }), vault.ErrUnsupportedVersion, true},
		{"header version 0", vault.ModeKeyFile, editHeader(func(h map[string]any) { h["version"] = 0 }), vault.ErrCorrupt, true},
		{"unknown mode", vault.ModeKeyFile, editHeader(func(h map[string]any) { h["mode"] = "hsm" }), vault.ErrCorrupt, true},
		{"wrapped key truncated", vault.ModeKeyFile, editHeader(func(h map[string]any) { h["dek"] = h["dek"].(string)[:20] }), vault.ErrCorrupt, true},
		{"wrapped key not base64", vault.ModeKeyFile, editHeader(func(h map[string]any) { h["dek"] = "!!!" }), vault.ErrCorrupt, true},
		{"wrapped key altered", vault.ModeKeyFile, editHeader(func(h map[string]any) {
			dek, _ := base64.StdEncoding.DecodeString(h["dek"].(string))
			dek[40] ^= 1
			h["dek"] = base64.StdEncoding.EncodeToString(dek)
		}), vault.ErrWrongKey, false},
		{"key-file mode with kdf", vault.ModePassphrase, editHeader(func(h map[string]any) { h["mode"] = "keyfile" }), vault.ErrCorrupt, true},
		{"passphrase mode without kdf", vault.ModeKeyFile, editHeader(func(h map[string]any) { h["mode"] = "passphrase" }), vault.ErrCorrupt, true},
		{"key file missing", vault.ModeKeyFile, func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, vault.KeyFile)); err != nil {
				t.Fatal(err)
			}
		}, vault.ErrNotFound, false},
		{"key file not base64", vault.ModeKeyFile, func(t *testing.T, dir string) { writeFile(t, dir, vault.KeyFile, []byte("not a key\n")) }, vault.ErrCorrupt, false},
		{"key file too short", vault.ModeKeyFile, func(t *testing.T, dir string) {
			writeFile(t, dir, vault.KeyFile, []byte(base64.StdEncoding.EncodeToString(randomKey[:16])))
		}, vault.ErrCorrupt, false},
		{"key file is another key", vault.ModeKeyFile, func(t *testing.T, dir string) {
			writeFile(t, dir, vault.KeyFile, []byte(base64.StdEncoding.EncodeToString(randomKey)))
		}, vault.ErrWrongKey, false},
		{"key file is a directory", vault.ModeKeyFile, func(t *testing.T, dir string) {
			path := filepath.Join(dir, vault.KeyFile)
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, vault.ErrCorrupt, false},
		{"unknown kdf", vault.ModePassphrase, editKDF(func(k map[string]any) { k["algorithm"] = "scrypt" }), vault.ErrCorrupt, true},
		{"salt too short", vault.ModePassphrase, editKDF(func(k map[string]any) { k["salt"] = "AAAA" }), vault.ErrCorrupt, true},
		{"time 0", vault.ModePassphrase, editKDF(func(k map[string]any) { k["time"] = 0 }), vault.ErrCorrupt, true},
		{"time huge", vault.ModePassphrase, editKDF(func(k map[string]any) { k["time"] = 1 << 30 }), vault.ErrCorrupt, true},
		{"memory huge", vault.ModePassphrase, editKDF(func(k map[string]any) { k["memory_kib"] = 1 << 31 }), vault.ErrCorrupt, true},
		{"threads 0", vault.ModePassphrase, editKDF(func(k map[string]any) { k["threads"] = 0 }), vault.ErrCorrupt, true},
		// The KDF settings are bound to the wrapped key, so weakening them
		// cannot be told apart from a wrong passphrase.
		{"time altered", vault.ModePassphrase, editKDF(func(k map[string]any) { k["time"] = 2 }), vault.ErrWrongPassphrase, false},
		{"salt altered", vault.ModePassphrase, editKDF(func(k map[string]any) { k["salt"] = base64.StdEncoding.EncodeToString(randomKey[:16]) }), vault.ErrWrongPassphrase, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			_ = open(t, dir, tt.mode)
			tt.damage(t, dir)
			if _, err := openErr(dir, tt.mode, testPass); !errors.Is(err, tt.want) {
				t.Errorf("open error = %v, want %v", err, tt.want)
			}
			_, err := vault.ModeOf(dir)
			if tt.modeErr && !errors.Is(err, tt.want) {
				t.Errorf("ModeOf error = %v, want %v", err, tt.want)
			}
			if !tt.modeErr && err != nil {
				t.Errorf("ModeOf error = %v, want nil", err)
			}
		})
	}
}

func TestInvalidArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		pass   string
		params *vault.Params
	}{
		{"empty passphrase", "", nil},
		{"time 0", testPass, &vault.Params{Time: 0, MemoryKiB: 256, Threads: 1}},
		{"time too large", testPass, &vault.Params{Time: 101, MemoryKiB: 256, Threads: 1}},
		{"threads 0", testPass, &vault.Params{Time: 1, MemoryKiB: 256, Threads: 0}},
		{"memory below 8 KiB per thread", testPass, &vault.Params{Time: 1, MemoryKiB: 15, Threads: 2}},
		{"memory above 4 GiB", testPass, &vault.Params{Time: 1, MemoryKiB: 4<<20 + 1, Threads: 1}},
	}
	existing := open(t, t.TempDir(), vault.ModeKeyFile)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if _, err := vault.OpenPassphrase(dir, []byte(tt.pass), tt.params); !errors.Is(err, vault.ErrInvalid) {
				t.Errorf("OpenPassphrase error = %v, want ErrInvalid", err)
			}
			if _, err := vault.ModeOf(dir); !errors.Is(err, vault.ErrNotFound) {
				t.Errorf("after a refused create, ModeOf error = %v, want ErrNotFound", err)
			}
			if err := existing.UsePassphrase([]byte(tt.pass), tt.params); !errors.Is(err, vault.ErrInvalid) {
				t.Errorf("UsePassphrase error = %v, want ErrInvalid", err)
			}
		})
	}
	if existing.Mode() != vault.ModeKeyFile {
		t.Error("a refused UsePassphrase changed the mode")
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	v := open(t, t.TempDir(), vault.ModePassphrase)
	ct := mustSeal(t, v, []byte("x"), nil)
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	calls := map[string]func() error{
		"Seal":             func() error { _, err := v.Seal([]byte("x"), nil); return err },
		"Open":             func() error { _, err := v.Open(ct, nil); return err },
		"OpenSecret":       func() error { _, err := v.OpenSecret(ct, nil); return err },
		"ChangePassphrase": func() error { return v.ChangePassphrase([]byte(otherPass)) },
		"UsePassphrase":    func() error { return v.UsePassphrase([]byte(otherPass), &light) },
		"UseKeyFile":       v.UseKeyFile,
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, vault.ErrClosed) {
			t.Errorf("%s after Close: error = %v, want ErrClosed", name, err)
		}
	}
}

func TestAD(t *testing.T) {
	t.Parallel()
	distinct := [][]string{
		{"ab", "c"},
		{"a", "bc"},
		{"abc"},
		{"a", "b", "c"},
		{"a", "", "bc"},
		{""},
		{},
	}
	seen := map[string][]string{}
	for _, parts := range distinct {
		key := string(vault.AD(parts...))
		if prev, ok := seen[key]; ok {
			t.Errorf("AD(%q) == AD(%q)", parts, prev)
		}
		seen[key] = parts
	}

	v := open(t, t.TempDir(), vault.ModeKeyFile)
	ct := mustSeal(t, v, []byte("x"), vault.AD("acct", "12"))
	if _, err := v.Open(ct, vault.AD("acct1", "2")); !errors.Is(err, vault.ErrDecrypt) {
		t.Errorf("Open with shifted AD parts: error = %v, want ErrDecrypt", err)
	}
}

// TestNoLeakToDisk seals a recognisable secret, as text and as the raw bytes
// its base64 decodes to, stores the ciphertexts in the data directory as a
// database would, goes through every mode change, and then checks that no
// file in the data directory holds the secret, the passphrases or the DEK
// in any common encoding.
func TestNoLeakToDisk(t *testing.T) {
	t.Parallel()
	raw := make([]byte, 64)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	text := base64.StdEncoding.EncodeToString(raw) // what Kraken shows the user: 88 characters

	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			v := open(t, dir, mode)
			dek := v.DEKForTest()
			ad := vault.AD("kraken-api-secret", "acct-1")
			var db bytes.Buffer
			store := func() {
				for _, plain := range [][]byte{[]byte(text), raw} {
					ct := mustSeal(t, v, plain, ad)
					db.Write(ct)
					db.WriteString(base64.StdEncoding.EncodeToString(ct))
				}
				writeFile(t, dir, "cointally.db", db.Bytes())
			}
			store()
			steps := []func() error{
				func() error { return v.UsePassphrase([]byte(testPass), &light) },
				func() error { return v.ChangePassphrase([]byte(otherPass)) },
				v.UseKeyFile,
			}
			for _, step := range steps {
				if err := step(); err != nil {
					t.Fatal(err)
				}
				store()
			}

			needles := map[string][]byte{}
			for name, b := range map[string][]byte{"secret": raw, "dek": dek, "passphrase": []byte(testPass), "new passphrase": []byte(otherPass)} {
				needles[name] = b
				needles[name+" as hex"] = []byte(hex.EncodeToString(b))
				needles[name+" as base64"] = []byte(base64.StdEncoding.EncodeToString(b))
				needles[name+" as raw base64"] = []byte(base64.RawStdEncoding.EncodeToString(b))
			}
			needles["secret text"] = []byte(text) // the same as "secret as base64"; named for the report
			files := 0
			err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				files++
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				for name, needle := range needles {
					if bytes.Contains(data, needle) {
						t.Errorf("%s holds the %s", path, name)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if files < 3 {
				t.Errorf("walked %d files, want vault.json, vault.key and cointally.db", files)
			}
		})
	}
}

func FuzzOpen(f *testing.F) {
	v, err := vault.OpenKeyFile(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	ad := vault.AD("fuzz")
	secret := []byte("fuzz seed secret")
	ct := mustSeal(f, v, secret, ad)
	f.Add(ct)
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add(ct[:vault.Overhead])
	f.Add(ct[:len(ct)-1])
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := v.Open(data, ad)
		switch {
		case err == nil:
			if !bytes.Equal(got, secret) {
				t.Fatalf("Open accepted forged input: %q", got)
			}
		case !errors.Is(err, vault.ErrDecrypt) && !errors.Is(err, vault.ErrCorrupt) && !errors.Is(err, vault.ErrUnsupportedVersion):
			t.Fatalf("Open error %v is not a package error", err)
		}
	})
}

// A Kraken private key is 64 bytes, shown as 88 characters of base64.
var kraken88 = []byte(strings.Repeat("x", 88))

func BenchmarkSeal(b *testing.B) {
	v := open(b, b.TempDir(), vault.ModeKeyFile)
	ad := vault.AD("kraken-api-secret", "acct-1")
	b.SetBytes(int64(len(kraken88)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Seal(kraken88, ad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	v := open(b, b.TempDir(), vault.ModeKeyFile)
	ad := vault.AD("kraken-api-secret", "acct-1")
	ct := mustSeal(b, v, kraken88, ad)
	b.SetBytes(int64(len(kraken88)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Open(ct, ad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnlockDefaultParams measures what a user waits for at startup in
// passphrase mode: one Argon2id run with DefaultParams.
func BenchmarkUnlockDefaultParams(b *testing.B) {
	dir := b.TempDir()
	v, err := vault.OpenPassphrase(dir, []byte(testPass), nil)
	if err != nil {
		b.Fatal(err)
	}
	_ = v.Close()
	b.ReportAllocs()
	for b.Loop() {
		v, err := vault.OpenPassphrase(dir, []byte(testPass), nil)
		if err != nil {
			b.Fatal(err)
		}
		_ = v.Close()
	}
}
