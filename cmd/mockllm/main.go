// Command mockllm serves the OpenAI-compatible mock upstream of package mockllm on a TCP address.
//
//	mockllm --listen 127.0.0.1:18080 --latency 20ms --ttft 100ms --tokens-per-sec 50 --error-rate 0.01
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

	"github.com/tollgate-ai/tollgate/mockllm"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "mockllm:", err)
		os.Exit(2)
	}
}

// run parses args, serves until ctx is done, and calls ready (if set) with the bound address.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(addr string)) error {
	fs := flag.NewFlagSet("mockllm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o mockllm.Options
	listen := fs.String("listen", "127.0.0.1:18080", "TCP address to listen on")
	fs.DurationVar(&o.Latency, "latency", 0, "delay before response headers, e.g. 20ms")
	fs.DurationVar(&o.TTFT, "ttft", 0, "extra delay before the first streamed chunk")
	fs.Float64Var(&o.TokensPerSec, "tokens-per-sec", 0, "stream pacing in tokens per second; 0 = as fast as possible")
	fs.Float64Var(&o.ErrorRate, "error-rate", 0, "probability in [0,1] of answering --error-status instead")
	fs.Float64Var(&o.RefusalRate, "refusal-rate", 0, "probability in [0,1] that a chat answer is a refusal (drawn from a hash of the prompt and --seed)")
	fs.IntVar(&o.ErrorStatus, "error-status", mockllm.DefaultErrorStatus, "status of injected errors (4xx or 5xx)")
	fs.Int64Var(&o.Seed, "seed", 0, "seed mixed into every generated text and embedding")
	fs.IntVar(&o.MaxTokens, "max-tokens", mockllm.DefaultMaxTokens, "completion length when the request sets no max_tokens")
	fs.StringVar(&o.Embeddings, "embeddings", mockllm.EmbeddingsRandom, "embedding vectors: random (one per distinct input) or lexical (similar texts, similar vectors)")
	fs.Func("planted-bias", "terms=WORD|WORD…,effect=refusal|negative|short,rate=R: chats whose user messages name a term get the effect with probability R (drawn from a hash of the prompt and --seed)", func(v string) error {
		pb, err := mockllm.ParsePlantedBias(v)
		o.PlantedBias = pb
		return err
	})
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; all settings are flags, see --help", fs.Args())
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("invalid flag: %w", err)
	}
	o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	s := mockllm.New(o)
	o.Logger.Info("mockllm listening", "addr", ln.Addr().String(), "latency", o.Latency, "ttft", o.TTFT,
		"tokens_per_sec", o.TokensPerSec, "error_rate", o.ErrorRate)
	if ready != nil {
		ready(ln.Addr().String())
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	o.Logger.Info("mockllm shutting down")
	if err := s.Close(); err != nil {
		return err
	}
	return <-served
}
