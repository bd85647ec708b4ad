package kraken

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
)

func TestNewClientCredentialErrors(t *testing.T) {
	t.Parallel()
	valid := testPrivateKey
	tests := []struct {
		name      string
		apiKey    string
		priv      string
		wantField string
		wantIn    string
	}{
		{"empty private key", testAPIKey, "", "private key", "empty"},
		{"private key truncated", testAPIKey, valid[:60], "private key", "88"},
		{"private key truncated at quad", testAPIKey, valid[:64], "private key", "decodes to 48 bytes"},
		{"private key with inner space", testAPIKey, valid[:20] + " " + valid[20:], "private key", "space or line break at character 21"},
		{"private key url-safe", testAPIKey, strings.ReplaceAll(valid, "/", "_"), "private key", "'-' or '_'"},
		{"private key with quotes", testAPIKey, `"` + valid + `"`, "private key", "not base64 at character 1"},
		{"private key is an API key", testAPIKey, base64.StdEncoding.EncodeToString(make([]byte, 42)), "private key", "swapped"},
		{"empty API key", "", valid, "API key", "empty"},
		{"API key with space", "abc def", valid, "API key", "character 4"},
		{"API key is a private key", valid, valid, "API key", "swapped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewClient(WithCredentials(tt.apiKey, tt.priv))
			var ce *CredentialError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CredentialError", err)
			}
			if ce.Field != tt.wantField {
				t.Errorf("Field = %q, want %q", ce.Field, tt.wantField)
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q does not contain %q", err, tt.wantIn)
			}
			if tt.priv != "" && len(tt.priv) > 8 && strings.Contains(err.Error()+ce.UserMessage(), tt.priv) {
				t.Errorf("error repeats the private key")
			}
		})
	}
}

func TestNewClientTrimsPastedWhitespace(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithCredentials(" "+testAPIKey+"\n", "\t"+testPrivateKey+"\r\n"))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	if c.apiKey != testAPIKey {
		t.Errorf("apiKey = %q", c.apiKey)
	}
}

func TestNewClientBadBaseURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"ftp://x", "api.kraken.com", "http://"} {
		if _, err := NewClient(WithBaseURL(u)); err == nil {
			t.Errorf("WithBaseURL(%q): no error", u)
		}
	}
}

// leakForms are the private key as text, decoded bytes in hex and base64,
// and the raw bytes: none may appear in any output.
func leakForms(t *testing.T) []string {
	raw, err := base64.StdEncoding.DecodeString(testPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return []string{testPrivateKey, testPrivateKey[:20], hex.EncodeToString(raw)[:20], string(raw[:8]),
		fmt.Sprint(raw[:4])[1:10], "otp-secret-123"}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithCredentials(testAPIKey, testPrivateKey), WithOTP("otp-secret-123"))
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logBuf, nil))
	logger.Info("client", "client", c, "secret", c.secret, "otp", c.otp, "value", *c.secret)
	logger.Info("any", slog.Any("secret", c.secret))
	js, _ := json.Marshal(struct {
		S *Secret
		V Secret
	}{c.secret, *c.secret})

	outputs := map[string]string{"log": logBuf.String(), "json": string(js)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q"} {
		outputs[verb+" client"] = fmt.Sprintf(verb, c)
		outputs[verb+" *client"] = fmt.Sprintf(verb, *c)
		outputs[verb+" secret"] = fmt.Sprintf(verb, c.secret)
		outputs[verb+" secret value"] = fmt.Sprintf(verb, *c.secret)
		outputs[verb+" otp"] = fmt.Sprintf(verb, c.otp)
		outputs[verb+" struct holding secret"] = fmt.Sprintf(verb, struct{ S *Secret }{c.secret})
	}
	for name, out := range outputs {
		for _, leak := range leakForms(t) {
			if strings.Contains(out, leak) {
				t.Errorf("%s output %q contains secret material %q", name, out, leak)
			}
		}
	}
	if !strings.Contains(outputs["%v client"], "TEST…") {
		t.Errorf("String() = %q, want the redacted API key prefix", outputs["%v client"])
	}
	if got := c.otp.Reveal(); got != "otp-secret-123" {
		t.Errorf("Reveal = %q", got)
	}
}

// A Secret held by value in an unexported field of another struct is printed
// by reflection, without its Format method; the bytes must still not show.
func TestSecretInsideStructDoesNotLeak(t *testing.T) {
	t.Parallel()
	s := NewSecret("otp-VALUE-1234")
	type holder struct {
		name string
		sec  Secret
		ptr  *Secret
	}
	h := holder{name: "x", sec: *s, ptr: s}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		out := fmt.Sprintf(verb, h)
		if strings.Contains(out, "otp-VALUE-1234") || strings.Contains(out, fmt.Sprintf("%x", "otp-VALUE-1234")) {
			t.Errorf("%s of a struct holding a Secret leaks it: %s", verb, out)
		}
	}
}
