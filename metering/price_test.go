package metering

import (
	"strings"
	"testing"
)

func TestDefaultPricesValid(t *testing.T) {
	if _, err := (Prices{}).With(defaultPriceTable, nil, Price{}); err != nil {
		t.Fatalf("embedded price table is invalid: %v", err)
	}
	p := DefaultPrices()
	for m, want := range defaultPriceTable {
		got, known := p.Lookup(m)
		if !known || got != want {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v, true", m, got, known, want)
		}
	}
}

func TestPriceLookupResolves(t *testing.T) {
	p := DefaultPrices()
	f := func(model, wantAs string) {
		t.Helper()
		got, known := p.Lookup(model)
		if wantAs == "" {
			if known {
				t.Errorf("Lookup(%q) known as %+v; want unknown", model, got)
			}
			return
		}
		if want := defaultPriceTable[wantAs]; !known || got != want {
			t.Errorf("Lookup(%q) = %+v, %v; want the price of %s %+v", model, got, known, wantAs, want)
		}
	}
	f("gpt-4o", "gpt-4o")
	f("GPT-4o", "gpt-4o")
	f("gpt-4o-2024-08-06", "gpt-4o")
	f("gpt-4o-mini-2024-07-18", "gpt-4o-mini")
	f("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini")
	f("gpt-4.1-2025-04-14", "gpt-4.1")
	f("o3-2025-04-16", "o3")
	f("o3-mini-2025-01-31", "o3-mini")
	f("o4-mini-2025-04-16", "o4-mini")
	f("gpt-5-nano-2025-08-07", "gpt-5-nano")
	f("openai/gpt-5", "gpt-5")
	f("text-embedding-3-small", "text-embedding-3-small")
	f("mock-gpt", "mock-gpt")
	f("gpt-4oo", "")     // not a '-' boundary
	f("gpt-4", "")       // a shorter name is not a prefix match
	f("llama-3-70b", "") // unknown
	f("", "")
}

func TestCostExactPicos(t *testing.T) {
	p := DefaultPrices()
	f := func(model string, u Usage, wantPicos, wantMicros int64, wantKnown bool) {
		t.Helper()
		picos, known := p.CostPicos(model, u)
		micros, _ := p.Cost(model, u)
		if picos != wantPicos || micros != wantMicros || known != wantKnown {
			t.Errorf("cost(%s, %+v) = %d picos, %d micros, known %v; want %d, %d, %v", model, u, picos, micros, known, wantPicos, wantMicros, wantKnown)
		}
	}
	// 800 uncached×0.15 + 200 cached×0.075 + 400 output×0.60 + 100 reasoning×0.60 ($/1M) = $0.000435.
	f("gpt-4o-mini", Usage{PromptTokens: 1000, CachedTokens: 200, CompletionTokens: 500, ReasoningTokens: 100}, 435_000_000, 435, true)
	f("gpt-4o-mini", Usage{PromptTokens: 1}, 150_000, 1, true) // $0.00000015 rounds up to 1 micro
	f("gpt-4o", Usage{PromptTokens: 1_000_000, CompletionTokens: 1_000_000}, 12_500_000_000_000, 12_500_000, true)
	f("text-embedding-3-small", Usage{PromptTokens: 3}, 60_000, 1, true)
	f("no-such-model", Usage{PromptTokens: 1000}, 0, 0, false)                                           // fallback price is zero by default
	f("gpt-4o", Usage{PromptTokens: -5, CompletionTokens: -1}, 0, 0, true)                               // negative usage never yields a negative cost
	f("gpt-4o", Usage{PromptTokens: 10, CachedTokens: 50}, 10*1_250_000, 13, true)                       // cached clamped to prompt
	f("gpt-4o", Usage{PromptTokens: maxTokensPerRequest * 10}, 100_000_000*2_500_000, 250_000_000, true) // capped, no overflow
}

func TestCostNoDriftOverManyRequests(t *testing.T) {
	p := DefaultPrices()
	var sum int64
	for range 1_000_000 {
		c, _ := p.CostPicos("gpt-4o-mini", Usage{PromptTokens: 1})
		sum += c
	}
	if got, want := FormatUSD(sum), "0.15"; got != want {
		t.Fatalf("1M one-token requests cost $%s; want exactly $%s", got, want)
	}
}

func TestPricesWithOverridesAndAliases(t *testing.T) {
	p, err := DefaultPrices().With(map[string]Price{"my-model": {Input: 1_000_000, Output: 3_000_000}},
		map[string]string{"smart": "gpt-4o", "mine": "my-model"}, Price{Input: 5_000_000, Output: 5_000_000})
	if err != nil {
		t.Fatal(err)
	}
	if pr, known := p.Lookup("smart"); !known || pr != defaultPriceTable["gpt-4o"] {
		t.Errorf("alias smart = %+v, %v; want gpt-4o's price", pr, known)
	}
	if c, known := p.Cost("mine", Usage{CompletionTokens: 1_000_000}); !known || c != 3_000_000 {
		t.Errorf("cost via alias mine = %d, %v; want 3000000, true", c, known)
	}
	if c, known := p.Cost("unknown-x", Usage{PromptTokens: 1_000_000}); known || c != 5_000_000 {
		t.Errorf("unknown model cost = %d, %v; want fallback 5000000, false", c, known)
	}

	bad := func(over map[string]Price, alias map[string]string, fallback Price, wantErr string) {
		t.Helper()
		_, err := DefaultPrices().With(over, alias, fallback)
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("With(%v, %v, %v) error = %v; want it to mention %q", over, alias, fallback, err, wantErr)
		}
	}
	bad(map[string]Price{"x": {Input: -1}}, nil, Price{}, "negative")
	bad(map[string]Price{"x": {Output: maxPricePerM + 1}}, nil, Price{}, "not USD")
	bad(map[string]Price{" ": {}}, nil, Price{}, "empty model name")
	bad(nil, map[string]string{"a": "nope"}, Price{}, `points to model "nope"`)
	bad(nil, nil, Price{Input: -3}, "default price")
}

func TestWorstCaseMicros(t *testing.T) {
	p := DefaultPrices()
	// 1000 prompt × $2.50/1M + 4000 output × $10/1M = $0.0425.
	if got := p.WorstCaseMicros("gpt-4o", 1000, 4000); got != 42_500 {
		t.Fatalf("WorstCaseMicros = %d; want 42500", got)
	}
	if got := p.WorstCaseMicros("gpt-4o", -1, -1); got != 0 {
		t.Fatalf("WorstCaseMicros with negative input = %d; want 0", got)
	}
}

func TestParseUSD(t *testing.T) {
	f := func(in string, want int64, wantErr bool) {
		t.Helper()
		got, err := ParseUSD(in)
		if (err != nil) != wantErr || got != want {
			t.Errorf("ParseUSD(%q) = %d, %v; want %d, error %v", in, got, err, want, wantErr)
		}
	}
	f("2.50", 2_500_000, false)
	f("0.075", 75_000, false)
	f("$1", 1_000_000, false)
	f(".5", 500_000, false)
	f(" 10.000001 ", 10_000_001, false)
	f("", 0, true)
	f("-1", 0, true)
	f("1.0000001", 0, true)
	f("abc", 0, true)
	f("1e3", 0, true)
	f("1.-5", 0, true)
	f("99999999999999999999", 0, true)
}

func TestFormatUSD(t *testing.T) {
	f := func(picos int64, want string) {
		t.Helper()
		if got := FormatUSD(picos); got != want {
			t.Errorf("FormatUSD(%d) = %q; want %q", picos, got, want)
		}
	}
	f(0, "0")
	f(1_500_000, "0.0000015")
	f(2_500_000_000_000, "2.5")
	f(1, "0.000000000001")
	f(-1_000_000_000_000, "-1")
}

func TestUsageValidate(t *testing.T) {
	f := func(u Usage, wantErr string) {
		t.Helper()
		err := u.Validate()
		if wantErr == "" && err != nil || wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("Validate(%+v) = %v; want %q", u, err, wantErr)
		}
	}
	f(Usage{PromptTokens: 10, CompletionTokens: 5, CachedTokens: 10, ReasoningTokens: 5}, "")
	f(Usage{PromptTokens: -1}, "prompt_tokens is negative")
	f(Usage{PromptTokens: 1, CachedTokens: 2}, "cached_tokens 2 exceed prompt_tokens 1")
	f(Usage{CompletionTokens: 1, ReasoningTokens: 2}, "reasoning_tokens 2 exceed")
	f(Usage{CompletionTokens: maxTokensPerRequest + 1}, "completion_tokens is above")
}

func TestBillSetsCostAndFlagsUnknown(t *testing.T) {
	p := DefaultPrices()
	r := &Record{ModelRequested: "gpt-4o", ModelServed: "gpt-4o-mini", Usage: Usage{PromptTokens: 1000}}
	p.Bill(r)
	if r.CostPicos != 150_000_000 || r.CostMicros != 150 || r.Flags != 0 {
		t.Fatalf("billed %+v; want the served model's price: 150000000 picos, 150 micros, no flag", r)
	}
	r = &Record{ModelRequested: "mystery", Usage: Usage{PromptTokens: 1000}}
	p.Bill(r)
	if r.Flags&FlagUnknownPrice == 0 || r.Flags.String() != "unknown_price" {
		t.Fatalf("unknown model flags = %v; want unknown_price", r.Flags)
	}
}
