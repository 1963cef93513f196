package gateway

import (
	"fmt"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/anthropic"
)

// newProvider builds the translation of an upstream of a translated kind
// (config.IsTranslated); nil for the OpenAI-shaped kinds, whose requests
// and answers pass as they are.
func newProvider(cfg config.Upstream) (providers.Provider, error) {
	switch cfg.Kind {
	case config.KindAnthropic:
		return anthropic.New(cfg.APIKey, cfg.Anthropic), nil
	case config.KindGemini, config.KindBedrock:
		return nil, fmt.Errorf("upstream %s: kind %s: not built", cfg.Name, cfg.Kind)
	}
	return nil, nil
}
