// Package providertest holds what the provider packages' tests share: the
// golden-file harness, stream reading and fuzz checks, and the CPU-time
// benchmark metric. Only _test.go files import it.
package providertest
