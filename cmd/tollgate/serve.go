package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/tollgate-ai/tollgate/config"
)

func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", os.Getenv("TOLLGATE_CONFIG"), "config file (env TOLLGATE_CONFIG); empty = embedded default")
	listen := fs.String("listen", os.Getenv("TOLLGATE_LISTEN"), "listen address (env TOLLGATE_LISTEN); overrides the config")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	load := func() (*config.Config, error) {
		c, err := config.Load(*cfgPath)
		if err == nil && *listen != "" {
			c.Listen = *listen
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
	app, err := newApp(cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "tollgate:", err)
		return 1
	}
	var watcher *config.Watcher
	if *cfgPath != "" {
		apply := func(c *config.Config) error {
			if *listen != "" {
				c.Listen = *listen
			}
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

	errc := make(chan error, 1)
	go func() { errc <- app.gw.ListenAndServe() }()
	log.Info("tollgate listening", "addr", cfg.Listen, "config", cfg.Source, "models", len(cfg.Models), "auth", len(cfg.Keys) > 0)

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
