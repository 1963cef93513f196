package metering

import (
	"math/rand/v2"
	"strings"
	"testing"
)

const mockAnswer = `{"id":"chatcmpl-9fdab44d6cb3bb956f3ea9ac","object":"chat.completion","created":1796601761,"model":"mock-gpt","choices":[{"index":0,"message":{"role":"assistant","content":"are others person pay very the then way most great short run its because used remember","refusal":null},"logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":19,"completion_tokens":16,"total_tokens":35},"system_fingerprint":"fp_mockllm"}`

// answerCases are buffered answers around every rule scanUsage has: what it
// takes, what it leaves to the parse.
var answerCases = []string{
	mockAnswer,
	" \n" + mockAnswer + "\r\n\t ",
	`{"choices": [{"index": 0, "message": {"content": "hi"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12, "prompt_tokens_details": {"cached_tokens": 2}, "completion_tokens_details": {"reasoning_tokens": 3}}}`,
	`{"usage":{"prompt_tokens":1,"completion_tokens":2},"usage":{"prompt_tokens":9,"completion_tokens":9}}`,
	`{"us\u0061ge":{"prompt_tokens":1,"completion_tokens":2}}`,
	`{"usage":{"prompt_tok\u0065ns":1,"completion_tokens":2}}`,
	`{"choices":[{"fin\u0069sh_reason":"stop"}],"usage":{"prompt_tokens":1}}`,
	`{"choices":[{"finish_reason":"st\u006fp"}],"usage":{"prompt_tokens":1}}`,
	`{"choices":[{"finish_reason":"tool_calls"},{"finish_reason":"stop"}],"usage":{}}`,
	`{"choices":[{"finish_reason":null}],"usage":{"prompt_tokens":1}}`,
	`{"choices":[{"finish_reason":7}],"usage":{"prompt_tokens":1}}`,
	`{"choices":[{"finish_reason":"weird"}],"usage":{"prompt_tokens":1}}`,
	`{"choices":[],"usage":{"prompt_tokens":1}}`,
	`{"choices":[[1]],"usage":{"prompt_tokens":1}}`,
	`{"choices":{"0":{"finish_reason":"stop"}},"usage":{"prompt_tokens":1}}`,
	`{"choices":"x","usage":{"prompt_tokens":1}}`,
	`{"usage":null,"choices":[{"message":{"content":"counted"},"finish_reason":"stop"}]}`,
	`{"usage":[1,2],"choices":[{"text":"a"}]}`,
	`{"usage":{"total_tokens":12}}`,
	`{"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":4}}`,
	`{"usage":{"prompt_tokens":1.5,"completion_tokens":1e3,"total_tokens":-0}}`,
	`{"usage":{"prompt_tokens":-3,"completion_tokens":99999999999999999999}}`,
	`{"usage":{"prompt_tokens":"12","completion_tokens":true}}`,
	`{"usage":{"prompt_tokens_details":[1],"completion_tokens_details":null,"prompt_tokens":2}}`,
	`{"usage":{"prompt_tokens_details":{"cached_tokens":1,"cached_tokens":2},"prompt_tokens":2}}`,
	`{"usage":{"prompt_tokens":01}}`,
	`{"usage":{"prompt_tokens":1.}}`,
	`{"usage":{"prompt_tokens":-}}`,
	`{"usage":{"prompt_tokens":1},}`,
	`{"usage":{"prompt_tokens":1}} x`,
	`{"usage":{"prompt_tokens":1}}}`,
	`{"usage":{"prompt_tokens":1}`,
	`{"a":"tab	in string","usage":{"prompt_tokens":1}}`,
	`{"a":"bad \x escape","usage":{"prompt_tokens":1}}`,
	`{"a":"\u12G4","usage":{"prompt_tokens":1}}`,
	`{"a":"\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t","usage":{"prompt_tokens":1}}`,
	`{"a":[true,false,null,tru],"usage":{"prompt_tokens":1}}`,
	`{"a":nul,"usage":{"prompt_tokens":1}}`,
	`{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `,"usage":{"prompt_tokens":1}}`,
	`{"a":` + strings.Repeat(`{"b":`, 20) + "1" + strings.Repeat("}", 20) + `,"usage":{"prompt_tokens":1}}`,
	`[{"usage":{"prompt_tokens":1}}]`,
	`"usage"`, ``, `   `, `{}`, `{"usage":{}}`, `null`,
	"{\"usage\":{\"prompt_tokens\":1},\"x\":\"\xff\xfe\"}",
}

// TestReadResponseScanMatchesParse compares ReadResponse (scan first) with
// the parse alone on the cases, every prefix of the usual answer, and
// random mutations: same return, usage, finish reason and kept text.
func TestReadResponseScanMatchesParse(t *testing.T) {
	inputs := append([]string(nil), answerCases...)
	for i := range len(mockAnswer) {
		inputs = append(inputs, mockAnswer[:i])
	}
	r := rand.New(rand.NewPCG(5, 8))
	alphabet := []byte(`{}[]":,\ 0123456789-+.eEtrufalsn` + "\x00\x1f\xff")
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		b := []byte(answerCases[r.IntN(len(answerCases))])
		for k := 1 + r.IntN(3); k > 0 && len(b) > 0; k-- {
			switch i := r.IntN(len(b)); r.IntN(3) {
			case 0:
				b[i] = alphabet[r.IntN(len(alphabet))]
			case 1:
				b = append(b[:i], b[i+1:]...)
			default:
				b = append(b[:i], append([]byte{alphabet[r.IntN(len(alphabet))]}, b[i:]...)...)
			}
		}
		inputs = append(inputs, string(b))
	}
	scanned := 0
	for _, in := range inputs {
		if _, _, _, ok := scanUsage([]byte(in)); ok {
			scanned++
		}
		got, want := &Meter{finishReason: "before"}, &Meter{finishReason: "before"}
		gotOK, wantOK := got.ReadResponse([]byte(in)), want.parseResponse([]byte(in))
		if gotOK != wantOK || got.usage != want.usage || got.usageKnown != want.usageKnown ||
			got.finishReason != want.finishReason || string(got.outText) != string(want.outText) {
			t.Fatalf("%q:\nReadResponse %v %+v known=%v finish=%q text=%q\nparse        %v %+v known=%v finish=%q text=%q",
				in, gotOK, got.usage, got.usageKnown, got.finishReason, got.outText,
				wantOK, want.usage, want.usageKnown, want.finishReason, want.outText)
		}
	}
	if _, _, _, ok := scanUsage([]byte(mockAnswer)); !ok {
		t.Fatal("the usual answer is not read by the scan")
	}
	t.Logf("%d inputs, %d read by the scan", len(inputs), scanned)
}

func BenchmarkReadResponse(b *testing.B) {
	body := []byte(mockAnswer)
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m Meter
			m.ReadResponse(body)
		}
	})
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m Meter
			m.parseResponse(body)
		}
	})
}
