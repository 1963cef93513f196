package main

import (
	"net"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/evals/bias"
)

// startBiasSchedule runs evals.bias_schedule through the gateway's own
// listener (a wildcard address is reached on loopback) until shutdown.
func (a *app) startBiasSchedule(s config.BiasSchedule, listen string) {
	if !s.Enabled || len(s.Models) == 0 {
		return
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		a.log.Error("bias schedule: not started", "listen", listen, "err", err)
		return
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	stop := bias.StartSchedule(bias.ScheduleOptions{
		BaseURL: "http://" + net.JoinHostPort(host, port), Key: s.Key, Models: s.Models, Suite: s.Suite,
		Every: orDuration(s.Every, config.DefaultBiasEvery), FirstDelay: orDuration(s.FirstDelay, config.DefaultBiasFirstDelay),
		Limit: s.Limit, Concurrency: orInt(s.Concurrency, config.DefaultBiasConcurrency), Logger: a.log,
	})
	a.closers = append(a.closers, closerFunc(stop))
}

type closerFunc func()

func (f closerFunc) Close() error { f(); return nil }

func orDuration[T ~int64](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

func orInt(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}
