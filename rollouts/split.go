package rollouts

// buckets is the split's resolution: a percent step of 0.01 %.
const buckets = 10000

// bucket hashes a rollout's model and a request's sticky value (the user
// or key) into [0, buckets): the same on every replica and every restart,
// so a user stays with one variant while the percent holds, and a user on
// the candidate at 5 % is still on it at 25 %. FNV-1a, inlined to stay
// allocation-free.
func bucket(model, sticky string) int32 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for i := 0; i < len(model); i++ {
		h ^= uint64(model[i])
		h *= prime
	}
	h ^= 0xff // separator: ("ab","c") and ("a","bc") differ
	h *= prime
	for i := 0; i < len(sticky); i++ {
		h ^= uint64(sticky[i])
		h *= prime
	}
	// Finish with a multiply-xorshift so nearby keys spread over buckets.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return int32(h % buckets)
}

// percentBuckets turns a step's percent into the buckets sent to the
// candidate.
func percentBuckets(p float64) int32 {
	b := int32(p*buckets/100 + 0.5)
	return min(max(b, 0), buckets)
}
