package vault_test

import (
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/cointally/cointally/vault"
)

func Example() {
	dataDir, err := os.MkdirTemp("", "cointally-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dataDir)

	// On first use there is no vault yet. The caller (the CLI) picks the
	// mode: a passphrase if the user gave one, otherwise the key file.
	if _, err := vault.ModeOf(dataDir); errors.Is(err, vault.ErrNotFound) {
		fmt.Println("no vault yet")
	}
	v, err := vault.OpenKeyFile(dataDir)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	// Seal the private key bound to its account, and store the result in
	// the account's row.
	ad := vault.AD("kraken-api-secret", "account-1")
	sealed, err := v.Seal([]byte("the private key"), ad)
	if err != nil {
		log.Fatal(err)
	}

	// Later: open it as a Secret, which never shows up in logs.
	secret, err := v.OpenSecret(sealed, ad)
	if err != nil {
		log.Fatal(err)
	}
	defer secret.Wipe()
	fmt.Println("secret:", secret, "length:", secret.Len())
	fmt.Println("key:", vault.Hint("Kx9fQ2hT8pLmN3vR7sYwZ1aB4cD6eF0gH5jK8lM2nP4qR6sT9uVwXyZa"))

	// Sealed for another account, it does not open.
	_, err = v.Open(sealed, vault.AD("kraken-api-secret", "account-2"))
	fmt.Println(errors.Is(err, vault.ErrDecrypt))

	// Output:
	// no vault yet
	// secret: [redacted] length: 15
	// key: Kx9f…XyZa
	// true
}

func ExampleVault_UsePassphrase() {
	dataDir, err := os.MkdirTemp("", "cointally-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dataDir)

	v, err := vault.OpenKeyFile(dataDir)
	if err != nil {
		log.Fatal(err)
	}
	sealed, err := v.Seal([]byte("the private key"), nil)
	if err != nil {
		log.Fatal(err)
	}

	// Protect the vault with a passphrase from now on. Real callers pass
	// nil for DefaultParams; this example uses cheap ones to run fast.
	params := &vault.Params{Time: 1, MemoryKiB: 1024, Threads: 1}
	if err := v.UsePassphrase([]byte("correct horse battery staple"), params); err != nil {
		log.Fatal(err)
	}
	_ = v.Close()

	mode, err := vault.ModeOf(dataDir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("mode:", mode)

	_, err = vault.OpenPassphrase(dataDir, []byte("wrong"), nil)
	fmt.Println(errors.Is(err, vault.ErrWrongPassphrase))

	v, err = vault.OpenPassphrase(dataDir, []byte("correct horse battery staple"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	plain, err := v.Open(sealed, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(plain))

	// Output:
	// mode: passphrase
	// true
	// the private key
}
