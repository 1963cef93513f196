// Package redisconn builds the gateway's Redis client from the redis config section: one node, Sentinel
// or Cluster (go-redis UniversalClient), with the timeouts the callers rely on and, on a Cluster, a
// client that follows a failover within seconds.
package redisconn

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/config"
)

// ClusterReload is how often a Cluster client re-reads the slot map while it has traffic (go-redis's
// default is 60s). A MOVED reply reloads it at once, but a dead master sends none: until the map is
// re-read, calls keep dialling it. Network errors also schedule a reload (followFailover).
const ClusterReload = 2 * time.Second

// New returns the client for c: several addrs or cluster: true is a Cluster, master_name is Sentinel,
// else one node.
func New(c config.RedisConfig) redis.UniversalClient {
	o := &redis.UniversalOptions{Addrs: c.Addrs, MasterName: c.MasterName, Username: c.Username,
		Password: c.Password, DB: c.DB, ContextTimeoutEnabled: true, IsClusterMode: c.Cluster,
		// go-redis caps a call's context deadline at the socket timeouts, so they are the longest any
		// caller allows: the limiter's retry (4 × timeout) and the ledger's batch (StoreTimeout, 2s).
		// Each call bounds itself with its context; these are only the backstop.
		DialTimeout: 5 * c.Timeout, ReadTimeout: SocketTimeout(c.Timeout), WriteTimeout: SocketTimeout(c.Timeout)}
	if c.TLS {
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if o.MasterName != "" || (len(o.Addrs) < 2 && !o.IsClusterMode) {
		return redis.NewUniversalClient(o)
	}
	co := o.Cluster()
	co.ClusterStateReloadInterval = ClusterReload
	cc := redis.NewClusterClient(co)
	cc.AddHook(followFailover{cc})
	return cc
}

// SocketTimeout is the sockets' read and write timeout for a per-call timeout.
func SocketTimeout(callTimeout time.Duration) time.Duration { return max(4*callTimeout, 2*time.Second) }

// followFailover schedules a slot-map reload when a call fails on the network (a master died): go-redis
// coalesces reloads, so a burst of failures costs one CLUSTER SLOTS.
type followFailover struct{ cc *redis.ClusterClient }

func (f followFailover) DialHook(next redis.DialHook) redis.DialHook { return next }

func (f followFailover) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		f.check(ctx, err)
		return err
	}
}

func (f followFailover) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		f.check(ctx, err)
		return err
	}
}

func (f followFailover) check(ctx context.Context, err error) {
	var ne net.Error
	var oe *net.OpError
	if err != nil && (errors.As(err, &oe) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		f.cc.ReloadState(ctx)
	}
}
