package vault

import "errors"

// Errors returned by this package. Every error wraps at most one of these
// and says which file or what input caused it, so test for them with
// [errors.Is]. No error ever contains a secret, a passphrase, a key, the
// associated data or the ciphertext.
var (
	// ErrNotFound: the directory holds no vault (no vault.json), or a
	// key-file vault has lost its key file.
	ErrNotFound = errors.New("vault: not found")

	// ErrWrongMode: the vault exists but uses the other mode, for example
	// OpenKeyFile on a vault that is protected by a passphrase.
	ErrWrongMode = errors.New("vault: wrong mode")

	// ErrWrongPassphrase: the passphrase does not unlock the vault (or the
	// header's KDF fields were altered, which cannot be told apart).
	ErrWrongPassphrase = errors.New("vault: wrong passphrase")

	// ErrWrongKey: the key file does not unlock the vault: it is not the key
	// file the vault was created with, or vault.json was altered.
	ErrWrongKey = errors.New("vault: key file does not match vault")

	// ErrInsecurePermissions: the key file can be read or written by users
	// other than its owner. The error tells the user to run chmod 600.
	ErrInsecurePermissions = errors.New("vault: insecure permissions")

	// ErrCorrupt: a header, key file or ciphertext is malformed: truncated,
	// badly encoded, of the wrong length, or with values out of range.
	ErrCorrupt = errors.New("vault: corrupt data")

	// ErrUnsupportedVersion: a header or ciphertext has a format version this
	// build does not know, most likely written by a newer cointally.
	ErrUnsupportedVersion = errors.New("vault: unsupported format version")

	// ErrDecrypt: a well-formed ciphertext failed authentication. It was
	// altered, or it was sealed with different associated data or by
	// another vault.
	ErrDecrypt = errors.New("vault: decryption failed")

	// ErrInvalid: an argument is invalid, such as an empty passphrase or
	// Argon2id parameters out of range.
	ErrInvalid = errors.New("vault: invalid argument")

	// ErrClosed: the Vault has been closed.
	ErrClosed = errors.New("vault: closed")
)
