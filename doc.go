// Package cointally holds the application's nouns and contracts: assets,
// accounts, ledger entries, events, lots and disposals, the interfaces that
// stores and exchange connectors implement, and the one error type with a
// Kind that every layer wraps. It imports nothing of the project but money.
package cointally
