package kraken

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// readVector parses a KEY=value vector file; nil if it is missing.
func readVector(t *testing.T, name string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, name))
	if err != nil {
		t.Logf("vector file %s not available (%v); using the hard-coded values only", name, err)
		return nil
	}
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

func TestSignOfficialVectors(t *testing.T) {
	t.Parallel()
	type vector struct {
		key, nonce, body, path, want string
	}
	tests := []struct {
		name  string
		file  string
		body  string // field holding the signed body in the file
		fixed vector
	}{
		{
			name: "spot form body",
			file: "signature-vector.txt",
			body: "EncodedPayload",
			fixed: vector{
				key:   "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==",
				nonce: "1616492376594",
				body:  "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25",
				path:  "/0/private/AddOrder",
				want:  "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==",
			},
		},
		{
			name: "custody JSON body with query in path",
			file: "signature-vector-custody-json.txt",
			body: "ActualSignedBody",
			fixed: vector{
				key:   "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==",
				nonce: "1616492376594",
				body:  `{"nonce":1616492376594}`,
				path:  "/0/private/GetCustodyTask?id=TGWOJ4JQPOTZT2",
				want:  "2rM09q8HG7LvjivBitQUybwZ/DSeO8+i0U/at/wclH2Jma6gMaE/0Nw9dyLR+ykMd5eWCngSL4K58i6uJzXDCw==",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vectors := map[string]vector{"hard-coded": tt.fixed}
			if m := readVector(t, tt.file); m != nil {
				vectors["file"] = vector{key: m["PrivateKey"], nonce: m["Nonce"], body: m[tt.body], path: m["URIPath"], want: m["API-Sign"]}
				if vectors["file"] != tt.fixed {
					t.Errorf("file %s differs from the hard-coded vector: %+v", tt.file, vectors["file"])
				}
			}
			for src, v := range vectors {
				secret, err := ParsePrivateKey(v.key)
				if err != nil {
					t.Fatalf("%s: ParsePrivateKey: %v", src, err)
				}
				n, err := strconv.ParseUint(v.nonce, 10, 64)
				if err != nil {
					t.Fatalf("%s: nonce: %v", src, err)
				}
				if got := Sign(secret, v.path, n, []byte(v.body)); got != v.want {
					t.Errorf("%s: Sign = %s, want %s", src, got, v.want)
				}
			}
		})
	}
}

// The custody file notes that signing the form body instead of the JSON
// body gives a different value; the signature must depend on the body.
func TestSignDependsOnEveryInput(t *testing.T) {
	t.Parallel()
	secret, err := ParsePrivateKey(testPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	base := Sign(secret, "/0/private/GetCustodyTask?id=TGWOJ4JQPOTZT2", 1616492376594, []byte("nonce=1616492376594"))
	if want := "2ZC5iGTjrWLCzekqY5obpHf3HDHI4cbFjBIjQobb9BuX/2eYMYce3PXI+QmmbBlxwlwNWK25XTQGgmFX5S7NDw=="; base != want {
		t.Errorf("form-body variant = %s, want %s", base, want)
	}
	for name, got := range map[string]string{
		"path":  Sign(secret, "/0/private/GetCustodyTask", 1616492376594, []byte("nonce=1616492376594")),
		"nonce": Sign(secret, "/0/private/GetCustodyTask?id=TGWOJ4JQPOTZT2", 1616492376595, []byte("nonce=1616492376594")),
		"body":  Sign(secret, "/0/private/GetCustodyTask?id=TGWOJ4JQPOTZT2", 1616492376594, []byte("nonce=1616492376594&x=1")),
	} {
		if got == base {
			t.Errorf("changing the %s did not change the signature", name)
		}
	}
}
