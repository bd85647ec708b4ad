package vault

// DEKForTest returns a copy of the data-encryption key, so the leak test can
// look for it in the data directory.
func (v *Vault) DEKForTest() []byte {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return append([]byte(nil), v.dek...)
}
