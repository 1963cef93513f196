package metering

import "github.com/VictoriaMetrics/metrics"

// Metric handles are created once here; label values come from small fixed sets.
var (
	unknownPriceTotal = metrics.NewCounter(`tollgate_cost_unknown_price_total`)

	ledgerRecordsTotal     = metrics.NewCounter(`tollgate_ledger_records_total`)
	ledgerDuplicatesTotal  = metrics.NewCounter(`tollgate_ledger_duplicates_total`)
	ledgerSpooledQueueFull = metrics.NewCounter(`tollgate_ledger_spooled_total{reason="queue_full"}`)
	ledgerSpooledStoreDown = metrics.NewCounter(`tollgate_ledger_spooled_total{reason="store_error"}`)
	ledgerSpooledClosed    = metrics.NewCounter(`tollgate_ledger_spooled_total{reason="closed"}`)
	ledgerReplayedTotal    = metrics.NewCounter(`tollgate_ledger_replayed_total`)
	ledgerCorruptTotal     = metrics.NewCounter(`tollgate_ledger_corrupt_records_total`)
	ledgerDroppedTotal     = metrics.NewCounter(`tollgate_ledger_dropped_total`)
	queueDroppedLedger     = metrics.NewCounter(`tollgate_queue_dropped_total{queue="ledger"}`)
	// queueDroppedLedgerSpilled counts records the full queue refused (they went to the spool, not lost).
	queueDroppedLedgerSpilled = metrics.NewCounter(`tollgate_queue_overflow_total{queue="ledger"}`)
	ledgerStoreErrorsTotal    = metrics.NewCounter(`tollgate_ledger_store_errors_total`)
	ledgerFlaggedTotal        = metrics.NewCounter(`tollgate_ledger_flagged_records_total`)
	// ledgerLateTotal counts records written to Redis after their hour's idempotency window closed.
	ledgerLateTotal = metrics.NewCounter(`tollgate_ledger_late_records_total`)
	// ledgerArchivedTotal counts records handed from the Redis streams to the archive's day files.
	ledgerArchivedTotal      = metrics.NewCounter(`tollgate_ledger_archived_total`)
	ledgerArchiveErrorsTotal = metrics.NewCounter(`tollgate_ledger_archive_errors_total`)
	// ledgerUnreplicatedTotal counts Redis batches that reached fewer replicas than asked (then spooled).
	ledgerUnreplicatedTotal = metrics.NewCounter(`tollgate_ledger_unreplicated_batches_total`)
	// ledgerQueryKeysTotal counts aggregate hashes read by usage queries (days × shards each).
	ledgerQueryKeysTotal = metrics.NewCounter(`tollgate_ledger_query_keys_total`)

	rateFallbackTotal    = metrics.NewCounter(`tollgate_ratelimit_fallback_total`)
	rateRedisErrorsTotal = metrics.NewCounter(`tollgate_ratelimit_redis_errors_total`)
	// rateRedisRetries counts limiter calls retried after a first attempt failed (not yet an outage).
	rateRedisRetries = metrics.NewCounter(`tollgate_ratelimit_redis_retries_total`)
	// rateCircuitTrips counts the limiter declaring Redis down (tripAfter failed calls in a row).
	rateCircuitTrips = metrics.NewCounter(`tollgate_ratelimit_redis_down_total`)
	// rateLeaseErrors counts lease top-ups or returns that failed (what they held stays counted).
	rateLeaseErrors  = metrics.NewCounter(`tollgate_ratelimit_lease_errors_total`)
	rateSettleErrors = metrics.NewCounter(`tollgate_ratelimit_settle_errors_total`)
	rateDeniedRate   = metrics.NewCounter(`tollgate_ratelimit_denied_total{kind="rate"}`)
	rateDeniedBudget = metrics.NewCounter(`tollgate_ratelimit_denied_total{kind="budget"}`)
)
