package semantic

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// KeyPrefix starts every key Store writes.
const KeyPrefix = "tg:cache:sem:"

// loadBatch is how many vectors Load fetches per MGET.
const loadBatch = 256

// MaxStoredPerScope caps a scope's sorted set: older members are dropped on Save (their vectors expire alone).
const MaxStoredPerScope = DefaultMaxPerScope

// Store keeps vectors in Redis beside the cache entries, so that each replica can fill its Index from them. Per
// scope (hashed, so no tenant or text appears in a key):
//
//	tg:cache:sem:{SCOPE}:v:ENTRY  string: guard tag, dimension, float32 components, entry key; expires with the entry
//	tg:cache:sem:{SCOPE}:i        sorted set of ENTRY by the time it was saved (ms), capped at MaxStoredPerScope,
//	                              so a replica can load what was saved since its last load
//
// The {SCOPE} hash tag keeps a scope's keys in one cluster slot, so Load's MGET works on Redis Cluster; different
// scopes spread over the slots. A purge by tenant or model works through the scope: the cache stage puts the
// (tenant, model) generation in it, so a purged generation's vectors are never read again and expire.
type Store struct {
	rdb redis.UniversalClient
}

// NewStore returns a Store on rdb.
func NewStore(rdb redis.UniversalClient) *Store { return &Store{rdb: rdb} }

// StoredVector is one vector as Load reads it back.
type StoredVector struct {
	EntryKey string
	Tag      uint64
	Vector   []float32
}

func scopeKey(scope string) string {
	h := sha256.Sum256([]byte(scope))
	return KeyPrefix + "{" + hex.EncodeToString(h[:16]) + "}"
}

func entryID(entryKey string) string {
	h := sha256.Sum256([]byte(entryKey))
	return hex.EncodeToString(h[:12])
}

// Save writes the vector of entryKey in scope with ttl (the entry's own), replacing an earlier one.
func (s *Store) Save(ctx context.Context, scope, entryKey string, tag uint64, vec []float32, ttl time.Duration) error {
	if ttl <= 0 || len(vec) == 0 {
		return errors.New("semantic: Save needs a positive ttl and a vector")
	}
	sk, id := scopeKey(scope), entryID(entryKey)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, sk+":v:"+id, encodeVector(entryKey, tag, vec), ttl)
		p.ZAdd(ctx, sk+":i", redis.Z{Score: float64(time.Now().UnixMilli()), Member: id})
		p.ZRemRangeByRank(ctx, sk+":i", 0, -MaxStoredPerScope-1)
		// The set lives as long as its longest-lived vector (to the next second): NX sets a first expiry, GT only
		// ever extends it.
		setTTL := ttl.Truncate(time.Second) + time.Second
		p.ExpireNX(ctx, sk+":i", setTTL)
		p.ExpireGT(ctx, sk+":i", setTTL)
		return nil
	})
	return err
}

// Delete removes the vector of entryKey from scope.
func (s *Store) Delete(ctx context.Context, scope, entryKey string) error {
	sk, id := scopeKey(scope), entryID(entryKey)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, sk+":v:"+id)
		p.ZRem(ctx, sk+":i", id)
		return nil
	})
	return err
}

// Load reads the live vectors saved in scope after since (zero: all), at most limit of them (the latest saved),
// oldest first, and drops from the sorted set the members whose vector expired or is unreadable. Replicas' clocks
// stamp the saves: a caller loading again passes its previous load's start minus a margin for skew (loading a
// vector twice is harmless).
func (s *Store) Load(ctx context.Context, scope string, since time.Time, limit int) ([]StoredVector, error) {
	sk := scopeKey(scope)
	from := "-inf"
	if !since.IsZero() {
		from = "(" + strconv.FormatInt(since.UnixMilli(), 10)
	}
	ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
		Key: sk + ":i", Start: "+inf", Stop: from, ByScore: true, Rev: true, Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, err
	}
	out := make([]StoredVector, 0, len(ids))
	var gone []any
	for start := 0; start < len(ids); start += loadBatch {
		batch := ids[start:min(start+loadBatch, len(ids))]
		keys := make([]string, len(batch))
		for i, id := range batch {
			keys[i] = sk + ":v:" + id
		}
		vals, err := s.rdb.MGet(ctx, keys...).Result()
		if err != nil {
			return nil, err
		}
		for i, v := range vals {
			raw, _ := v.(string)
			sv, ok := decodeVector(raw)
			if !ok {
				gone = append(gone, batch[i])
				continue
			}
			out = append(out, sv)
		}
	}
	if len(gone) > 0 {
		_ = s.rdb.ZRem(ctx, sk+":i", gone...).Err() // best effort: the next Load prunes them again
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 { // newest-first from Redis; the index wants oldest first
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// encodeVector lays out tag (8 bytes), dimension (4), components (4 each, little-endian), then the entry key.
func encodeVector(entryKey string, tag uint64, vec []float32) []byte {
	b := make([]byte, 0, 12+4*len(vec)+len(entryKey))
	b = binary.LittleEndian.AppendUint64(b, tag)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(vec)))
	for _, f := range vec {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return append(b, entryKey...)
}

// decodeVector reverses encodeVector; ok is false for a missing, truncated or corrupt value.
func decodeVector(raw string) (StoredVector, bool) {
	if len(raw) < 12 {
		return StoredVector{}, false
	}
	b := []byte(raw)
	tag := binary.LittleEndian.Uint64(b)
	dim := int(binary.LittleEndian.Uint32(b[8:]))
	if dim == 0 || dim > maxStoredDim || len(b) <= 12+4*dim {
		return StoredVector{}, false
	}
	vec := make([]float32, dim)
	for i := range vec {
		vec[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[12+4*i:]))
	}
	return StoredVector{EntryKey: string(b[12+4*dim:]), Tag: tag, Vector: vec}, true
}

// maxStoredDim rejects absurd dimensions in a corrupt value before allocating for them.
const maxStoredDim = 1 << 16
