// Package metering prices requests, keeps the usage ledger, and enforces budgets and rate limits.
//
// Money is integer, never float, until the edge (JSON cost_usd, CSV):
//   - prices are micro-USD per 1M tokens (Price), so $2.50/1M is 2_500_000;
//   - the exact cost of a request is tokens × price in pico-USD (1e-12 USD), an integer with no rounding;
//   - budgets, reservations and Record.CostMicros are micro-USD, rounded up from picos so a budget is never
//     under-charged.
//
// See README.md for the Redis key layout, the ledger file format and the fail modes.
package metering
