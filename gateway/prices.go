package gateway

import (
	"fmt"
	"strings"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/metering"
)

// Prices is the config's price table, as the gateway bills with it: for
// stages that record their own calls (the semantic cache's embeddings).
func Prices(c *config.Config) (metering.Prices, error) { return buildPrices(c) }

// buildPrices applies the config's price overrides (USD per 1M tokens) to
// the embedded table, in integer micro-USD.
func buildPrices(c *config.Config) (metering.Prices, error) {
	over := make(map[string]metering.Price, len(c.Metering.Prices))
	for name, p := range c.Metering.Prices {
		over[name] = toPrice(p)
	}
	// Aliases may also name an encoding (for the tokenizer only).
	aliases := make(map[string]string, len(c.Metering.Aliases))
	for a, m := range c.Metering.Aliases {
		if !strings.HasSuffix(m, "_base") {
			aliases[a] = m
		}
	}
	prices, err := metering.DefaultPrices().With(over, aliases, toPrice(c.Metering.FallbackPrice))
	if err != nil {
		return prices, fmt.Errorf("metering.prices: %w", err)
	}
	return prices, nil
}

func toPrice(p config.Price) metering.Price {
	return metering.Price{Input: usdToMicros(p.Input), CachedInput: usdToMicros(p.CachedInput),
		Output: usdToMicros(p.Output), Reasoning: usdToMicros(p.Reasoning)}
}
