// Package vault encrypts secrets at rest, such as the private key of an
// exchange API key, so that the database and its backups never hold them in
// the clear.
//
// # Design: envelope encryption
//
// A random 32-byte data-encryption key (DEK) seals every secret with
// XChaCha20-Poly1305. The DEK is stored only wrapped, that is sealed by a
// key-encryption key (KEK). The KEK comes from one of two places, the
// vault's [Mode]:
//
//   - [ModeKeyFile]: the KEK is 32 random bytes in the key file
//     ([KeyFile], "vault.key"), created on first use in the data directory
//     with mode 0600.
//   - [ModePassphrase]: the KEK is Argon2id(passphrase, salt, params). The
//     random salt and the parameters are stored in the header, so the
//     parameters can change later.
//
// Secrets are sealed with the DEK, never with the KEK. Changing the
// passphrase ([Vault.ChangePassphrase]) or switching between the modes
// ([Vault.UsePassphrase], [Vault.UseKeyFile]) re-wraps the DEK and rewrites
// the header. No secret is re-encrypted and no user has to enter an API key
// again.
//
// The library never reads the environment or a terminal. The caller decides
// the mode (for cointally: a passphrase when COINTALLY_PASSPHRASE is set or
// the user asks for one) and passes the passphrase in. [ModeOf] tells the
// caller which mode an existing vault uses, so that it knows whether to ask.
//
// # What is stored where
//
// In the data directory:
//
//   - vault.json ([HeaderFile]), mode 0600: a small JSON header with the
//     format version, the mode, the wrapped DEK and, in passphrase mode, the
//     KDF name, salt and Argon2id parameters. For example:
//
//     {"version":1,"mode":"passphrase","kdf":{"algorithm":"argon2id",
//     "salt":"…","time":3,"memory_kib":65536,"threads":2},"dek":"…"}
//
//   - vault.key ([KeyFile]), mode 0600, in key-file mode only: the KEK as
//     one line of standard base64. A vault refuses to use a key file that
//     other users can read or write ([ErrInsecurePermissions]). Switching
//     to passphrase mode deletes it.
//
// Both files are written through a temporary file in the same directory.
// They are created with an exclusive hard link (or O_EXCL where the file
// system has no hard links), so that when several processes open a new
// vault at once exactly one key and one DEK win and every process uses
// them. They are replaced with an atomic rename.
//
// The sealed secrets are not stored by this package: [Vault.Seal] returns
// bytes that the caller keeps next to the record they belong to (for
// cointally, the account row in the database).
//
// # Formats
//
// A sealed secret (and the wrapped DEK in the header) is
//
//	version (1 byte, currently 1) | nonce (24 bytes) | XChaCha20-Poly1305 box
//
// where the box is the ciphertext followed by the 16-byte Poly1305 tag, so
// sealing adds [Overhead] bytes. Nonces come from crypto/rand; with 24-byte
// nonces random choice is safe for any number of secrets this application
// will ever seal.
//
// # Associated data
//
// Every [Vault.Seal] and [Vault.Open] takes associated data (AD): bytes that
// are authenticated but not encrypted. Bind each secret to its owner and
// purpose, for example AD("kraken-api-secret", accountID). A ciphertext
// copied to another row, or opened for another purpose, then fails with
// [ErrDecrypt] instead of yielding another account's key. [AD] encodes its
// parts unambiguously, which naive concatenation does not.
//
// # Threat model
//
// The vault protects secrets against someone who reads data they should not:
//
//   - In passphrase mode, a copy of the whole data directory, the database
//     or a backup of either reveals nothing without the passphrase. The
//     attacker can only guess passphrases offline, at the cost of one
//     Argon2id evaluation per guess; a weak passphrase remains weak.
//   - In key-file mode, a database dump or database backup reveals nothing
//     on its own. But the key file sits in the data directory: a copy of the
//     whole data directory (or a backup that includes vault.key) carries the
//     key with it, and the secrets can be decrypted. Key-file mode protects
//     database dumps, not a copy of the data directory. Keep vault.key out of
//     backups that leave the machine, or use a passphrase.
//
// The vault does not protect against an attacker who runs code as the
// cointally user, reads its memory, or changes its binary while the vault
// is open. [Secret] and [Vault.Close] wipe what they can, but Go gives no
// guarantee that no copy of a key remains in memory.
//
// Re-wrapping does not revoke old copies: an old vault.json together with
// the old passphrase or old key file still unlocks the same DEK. If a
// passphrase or key file has leaked, rotate the exchange API keys.
//
// # Backups
//
// Back up vault.json together with the database, and in key-file mode keep
// a copy of vault.key somewhere safe and separate. Losing the header, or the
// key file in key-file mode, makes every sealed secret unreadable; the user
// would have to enter the API keys again.
//
// # Concurrency
//
// A [Vault] is safe for concurrent use. Several processes may open the same
// directory; because changing the mode or the passphrase never changes the
// DEK, a process that already holds an open Vault keeps working when
// another one re-wraps the key. Change the passphrase or the mode from one
// process at a time: when two do it at once, the last header written wins.
package vault
