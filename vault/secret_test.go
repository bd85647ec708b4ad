package vault_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/cointally/cointally/vault"
)

type account struct {
	Name   string
	Key    vault.Secret
	KeyPtr *vault.Secret
	key    vault.Secret // unexported: fmt prints it by reflection
}

func TestSecretNeverShown(t *testing.T) {
	t.Parallel()
	const plain = "s3cr3t-Kraken-Private-Key=="
	s := vault.NewSecret([]byte(plain))
	a := account{Name: "main", Key: s, KeyPtr: &s, key: s}

	sprintf := func(format string, args ...any) func(t *testing.T) string {
		return func(*testing.T) string { return fmt.Sprintf(format, args...) }
	}
	marshal := func(v any) func(t *testing.T) string {
		return func(t *testing.T) string {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	logWith := func(newHandler func(*bytes.Buffer) slog.Handler, args ...any) func(t *testing.T) string {
		return func(*testing.T) string {
			var buf bytes.Buffer
			slog.New(newHandler(&buf)).Info("account added", args...)
			return buf.String()
		}
	}
	text := func(w *bytes.Buffer) slog.Handler { return slog.NewTextHandler(w, nil) }
	jsonH := func(w *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(w, nil) }

	tests := []struct {
		name  string
		out   func(t *testing.T) string
		exact string // if set, the whole output
	}{
		{"%v", sprintf("%v", s), "[redacted]"},
		{"%+v", sprintf("%+v", s), "[redacted]"},
		{"%#v", sprintf("%#v", s), "[redacted]"},
		{"%s", sprintf("%s", s), "[redacted]"},
		{"%q", sprintf("%q", s), "[redacted]"},
		{"%x", sprintf("%x", s), "[redacted]"},
		{"%X", sprintf("%X", s), "[redacted]"},
		{"% x", sprintf("% x", s), "[redacted]"},
		{"%d", sprintf("%d", s), "[redacted]"},
		{"%30s", sprintf("%30s", s), "[redacted]"},
		{"%p", sprintf("%p", s), ""},
		{"%v pointer", sprintf("%v", &s), "[redacted]"},
		{"%x pointer", sprintf("%x", &s), "[redacted]"},
		{"Sprint", func(*testing.T) string { return fmt.Sprint(s) }, "[redacted]"},
		{"String", func(*testing.T) string { return s.String() }, "[redacted]"},
		{"GoString", func(*testing.T) string { return s.GoString() }, "[redacted]"},
		{"struct %v", sprintf("%v", a), ""},
		{"struct %+v", sprintf("%+v", a), ""},
		{"struct %#v", sprintf("%#v", a), ""},
		{"struct pointer %+v", sprintf("%+v", &a), ""},
		{"slice", sprintf("%v %x", []vault.Secret{s}, []vault.Secret{s}), "[[redacted]] [[redacted]]"},
		{"map", sprintf("%v", map[string]vault.Secret{"k": s}), "map[k:[redacted]]"},
		{"any", sprintf("%v", any(s)), "[redacted]"},
		{"error", func(*testing.T) string { return fmt.Errorf("bad key %v: %w", s, errors.New("x")).Error() }, "bad key [redacted]: x"},
		{"json", marshal(s), `"[redacted]"`},
		{"json struct", marshal(a), `{"Name":"main","Key":"[redacted]","KeyPtr":"[redacted]"}`},
		{"json map key", marshal(map[string]vault.Secret{"k": s}), `{"k":"[redacted]"}`},
		{"MarshalText", func(t *testing.T) string {
			b, err := s.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}, "[redacted]"},
		{"slog text", logWith(text, "secret", s, "account", a, "ptr", &s), ""},
		{"slog json", logWith(jsonH, "secret", s, "account", a, "ptr", &s), ""},
		{"slog group", logWith(text, slog.Group("g", slog.Any("secret", s))), ""},
		{"slog Any", logWith(jsonH, slog.Any("secret", s)), ""},
	}
	leaks := []string{plain, hex.EncodeToString([]byte(plain)), strings.ToUpper(hex.EncodeToString([]byte(plain))),
		base64.StdEncoding.EncodeToString([]byte(plain)), fmt.Sprint([]byte(plain))}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := tt.out(t)
			for _, leak := range leaks {
				if strings.Contains(out, leak) {
					t.Fatalf("output %q reveals the secret", out)
				}
			}
			if tt.exact != "" && out != tt.exact {
				t.Errorf("output = %q, want %q", out, tt.exact)
			}
			if tt.exact == "" && !strings.Contains(out, "[redacted]") && !strings.Contains(out, "0x") {
				t.Errorf("output %q shows neither [redacted] nor an address", out)
			}
		})
	}
}

func TestSecretRevealWipe(t *testing.T) {
	t.Parallel()
	b := []byte("private")
	s := vault.NewSecret(b)
	cp := s
	if got := string(s.Reveal()); got != "private" {
		t.Errorf("Reveal = %q", got)
	}
	if s.Len() != 7 {
		t.Errorf("Len = %d, want 7", s.Len())
	}
	s.Wipe()
	if !bytes.Equal(b, make([]byte, 7)) {
		t.Errorf("after Wipe the bytes are %q, want zeros", b)
	}
	if cp.Reveal() != nil || cp.Len() != 0 {
		t.Errorf("a copy still reveals %q after Wipe", cp.Reveal())
	}
	s.Wipe() // twice is fine

	var zero vault.Secret
	zero.Wipe()
	if zero.Reveal() != nil || zero.Len() != 0 || zero.String() != "[redacted]" {
		t.Error("zero Secret is not empty and redacted")
	}

	v := open(t, t.TempDir(), vault.ModeKeyFile)
	ct := mustSeal(t, v, []byte("opened as a Secret"), nil)
	got, err := v.OpenSecret(ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Reveal()) != "opened as a Secret" {
		t.Errorf("OpenSecret = %q", got.Reveal())
	}
	if _, err := v.OpenSecret(ct, []byte("wrong")); !errors.Is(err, vault.ErrDecrypt) {
		t.Errorf("OpenSecret with wrong AD: error = %v, want ErrDecrypt", err)
	}
}

func TestHint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, want string
	}{
		{"", ""},
		{"a", "****"},
		{"abcdefgh", "****"},
		{"abcdefghijkl", "****"},          // 12: would show 8 of 12
		{"abcdefghijklmno", "****"},       // 15: would show more than half
		{"abcdefghijklmnop", "abcd…mnop"}, // 16: shows half
		{"Kx9fQ2hT8pLmN3vR7sYwZ1aB4cD6eF0gH5jK8lM2nP4qR6sT9uVwXyZa", "Kx9f…XyZa"}, // a 56-character Kraken API key
		{"ключ-ключ-ключ-ключ", "ключ…ключ"},                                      // counts characters, not bytes
	}
	for _, tt := range tests {
		if got := vault.Hint(tt.key); got != tt.want {
			t.Errorf("Hint(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
