package main

import (
	"context"
	"log/slog"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
)

// app wires the gateway and its stages together.
type app struct {
	gw  *gateway.Server
	log *slog.Logger
}

func newApp(cfg *config.Config, log *slog.Logger) (*app, error) {
	gw, err := gateway.New(cfg, gateway.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	return &app{gw: gw, log: log}, nil
}

func (a *app) reload(cfg *config.Config) error { return a.gw.Reload(cfg) }

func (a *app) shutdown(ctx context.Context) error { return a.gw.Shutdown(ctx) }
