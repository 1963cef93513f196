package config

// validateRedis checks the redis section: a Redis Cluster (several addrs, or cluster: true) has only
// database 0 and no Sentinel master.
func validateRedis(r *RedisConfig, at reporter) {
	cluster := r.MasterName == "" && (len(r.Addrs) > 1 || r.Cluster)
	if cluster && r.DB != 0 {
		at("redis.db", "a Redis Cluster has only db 0, got %d", r.DB)
	}
	if r.Cluster && r.MasterName != "" {
		at("redis.cluster", "cluster and master_name (Sentinel) exclude each other")
	}
	if r.Cluster && len(r.Addrs) == 0 {
		at("redis.cluster", "needs the cluster's address in redis.addrs")
	}
}
