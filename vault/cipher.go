package vault

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// formatVersion is the first byte of every ciphertext this build writes.
const formatVersion = 1

const (
	keySize     = chacha20poly1305.KeySize    // 32
	nonceSize   = chacha20poly1305.NonceSizeX // 24
	tagSize     = chacha20poly1305.Overhead   // 16
	headerBytes = 1 + nonceSize
)

// Overhead (41) is the number of bytes that sealing adds to a plaintext: one
// version byte, the 24-byte nonce and the 16-byte authentication tag.
const Overhead = headerBytes + tagSize

// AD builds associated data from parts, such as a purpose and an account
// ID. Each part is prefixed with its length, so that different lists of parts
// never give the same bytes: AD("ab", "c") differs from AD("a", "bc"),
// which plain concatenation would confuse.
func AD(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += binary.MaxVarintLen64 + len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// seal encrypts plaintext under key, authenticating ad, in the format
// version | nonce | box.
func seal(key, plaintext, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("vault: seal: %w", err)
	}
	out := make([]byte, headerBytes, headerBytes+len(plaintext)+tagSize)
	out[0] = formatVersion
	nonce := out[1:headerBytes]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("vault: seal: reading random nonce: %w", err)
	}
	return aead.Seal(out, nonce, plaintext, ad), nil
}

// open reverses seal. It reports ErrUnsupportedVersion, ErrCorrupt or
// ErrDecrypt, never panics, and never puts input bytes in the error.
func open(key, ciphertext, ad []byte) ([]byte, error) {
	if len(ciphertext) == 0 {
		return nil, fmt.Errorf("%w: ciphertext is empty", ErrCorrupt)
	}
	if v := ciphertext[0]; v != formatVersion {
		return nil, fmt.Errorf("%w: ciphertext has version %d, this build reads version %d", ErrUnsupportedVersion, v, formatVersion)
	}
	if len(ciphertext) < Overhead {
		return nil, fmt.Errorf("%w: ciphertext is %d bytes, shorter than the minimum of %d (truncated?)", ErrCorrupt, len(ciphertext), Overhead)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("vault: open: %w", err)
	}
	plaintext, err := aead.Open(nil, ciphertext[1:headerBytes], ciphertext[headerBytes:], ad)
	if err != nil {
		return nil, fmt.Errorf("%w: ciphertext was altered, or sealed with different associated data or by another vault", ErrDecrypt)
	}
	return plaintext, nil
}

// newKey returns a random 32-byte key.
func newKey() ([]byte, error) { return randomBytes(keySize) }

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("vault: reading random bytes: %w", err)
	}
	return b, nil
}
