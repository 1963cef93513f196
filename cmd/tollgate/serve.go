package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
)

func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", os.Getenv("TOLLGATE_CONFIG"), "config file (env TOLLGATE_CONFIG); empty = embedded default")
	listen := fs.String("listen", os.Getenv("TOLLGATE_LISTEN"), "listen address (env TOLLGATE_LISTEN); overrides the config")
	opsListen := fs.String("ops-listen", os.Getenv("TOLLGATE_OPS_LISTEN"),
		"ops listener address or off (env TOLLGATE_OPS_LISTEN); overrides ops.listen")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	override := func(c *config.Config) {
		if *listen != "" {
			c.Listen = *listen
		}
		if *opsListen != "" {
			c.Ops.Listen = *opsListen
		}
	}
	load := func() (*config.Config, error) {
		c, err := config.Load(*cfgPath)
		if err == nil {
			override(c)
		}
		return c, err
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		fmt.Fprintf(stderr, "%s: log.level: %v\n", cfg.Source, err)
		return 1
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)
	if err := gateway.CheckExposure(cfg, cfg.Listen); err != nil { // before anything starts
		fmt.Fprintln(stderr, "tollgate:", err)
		return 1
	}
	app, err := newApp(cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "tollgate:", err)
		return 1
	}
	var watcher *config.Watcher
	if *cfgPath != "" {
		apply := func(c *config.Config) error {
			override(c)
			return app.reload(c)
		}
		watcher = config.NewWatcher(*cfgPath, 0, apply, log)
		defer watcher.Close()
		app.gw.SetReloadFunc(func() error {
			c, err := load()
			if err != nil {
				return err
			}
			return app.reload(c)
		})
	}

	errc := make(chan error, 2)
	if cfg.Ops.Listen != config.OpsListenOff {
		ln, err := net.Listen("tcp", cfg.Ops.Listen)
		if err != nil {
			fmt.Fprintf(stderr, "tollgate: ops listener (ops.listen, or off): %v\n", err)
			_ = app.shutdown(context.Background())
			return 1
		}
		go func() { errc <- app.gw.ServeOps(ln) }()
	}
	go func() { errc <- app.gw.ListenAndServe() }()
	app.startBiasSchedule(cfg.Evals.BiasSchedule, cfg.Listen)
	app.startEvalsReport(&cfg.Evals)
	log.Info("tollgate listening", "addr", cfg.Listen, "ops", cfg.Ops.Listen, "config", cfg.Source,
		"models", len(cfg.Models), "auth", len(cfg.Keys) > 0)

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	for {
		select {
		case err := <-errc:
			if err != nil && !errors.Is(err, context.Canceled) {
				fmt.Fprintln(stderr, "tollgate:", err)
				return 1
			}
			return 0
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				if watcher != nil {
					watcher.Trigger()
				} else {
					log.Info("SIGHUP ignored: running the embedded default config")
				}
				continue
			}
			log.Info("shutting down", "signal", sig.String())
			ctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
			err := app.shutdown(ctx)
			cancel()
			if err != nil {
				log.Error("shutdown", "err", err)
				return 1
			}
			return 0
		}
	}
}
