package llm_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/llmtest"
)

func TestChainFallsBack(t *testing.T) {
	tests := []struct {
		name         string
		claude       llmtest.Step // always answered by the first link
		stream       bool
		wantText     string
		wantModel    string
		wantDegraded bool
		wantNote     string
	}{
		{"healthy first link", llmtest.Text("Sunny in Moab."), true, "Sunny in Moab.", "anthropic:claude-sonnet-4-5", false, ""},
		{"5xx falls to openai", llmtest.Status(500), false, "Backup here.", "openai:gpt-4.1-mini", true, llm.NoteBackup},
		{"malformed falls to openai", llmtest.Malformed(), false, "Backup here.", "openai:gpt-4.1-mini", true, llm.NoteBackup},
		{"hang falls to openai", llmtest.Hang(), true, "Backup here.", "openai:gpt-4.1-mini", true, llm.NoteBackup},
		{"stream cut before first token falls to openai", llmtest.Cut("Sunny in Moab.", 0), true, "Backup here.", "openai:gpt-4.1-mini", true, llm.NoteBackup},
		{"stream stalled before first token falls to openai", llmtest.Stall("Sunny in Moab.", 0), true, "Backup here.", "openai:gpt-4.1-mini", true, llm.NoteBackup},
		{"stream stalled after text keeps what was said", llmtest.Stall("Sunny and warm in Moab today.", 2), true, "Sunny and", "anthropic:claude-sonnet-4-5", true, llm.NoteCutShort},
		{"stream cut after text keeps what was said", llmtest.Cut("Sunny and warm in Moab today.", 3), true, "Sunny and warm", "anthropic:claude-sonnet-4-5", true, llm.NoteCutShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cf, of := llmtest.NewAnthropic(t), llmtest.NewOpenAI(t)
			cf.Always(tt.claude)
			of.Always(llmtest.Text("Backup here."))
			p := fastPolicy()
			p.AttemptTimeout = 100 * time.Millisecond
			p.MaxRetries = 1
			rec := &recorder{}
			rules := &offline{}
			m := llm.NewChain([]llm.Model{
				llm.Resilient(claude(t, cf), p, llm.WithObserver(rec)),
				llm.Resilient(gpt(t, of), p, llm.WithObserver(rec)),
				rules,
			}, llm.WithObserver(rec))
			var streamed strings.Builder
			var onDelta llm.DeltaFunc
			if tt.stream {
				onDelta = func(s string) { streamed.WriteString(s) }
			}
			resp, err := m.Generate(testCtx(t), userRequest("Weather in Moab?"), onDelta)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Text() != tt.wantText || resp.Model != tt.wantModel || resp.Degraded != tt.wantDegraded {
				t.Errorf("got %q by %s degraded=%v, want %q by %s degraded=%v", resp.Text(), resp.Model, resp.Degraded, tt.wantText, tt.wantModel, tt.wantDegraded)
			}
			if tt.wantNote != "" && !slices.Contains(resp.Notes, tt.wantNote) {
				t.Errorf("notes = %q, want %q", resp.Notes, tt.wantNote)
			}
			if tt.wantNote == "" && len(resp.Notes) != 0 {
				t.Errorf("notes = %q, want none", resp.Notes)
			}
			if tt.stream && streamed.String() != tt.wantText {
				t.Errorf("streamed %q, want %q", streamed.String(), tt.wantText)
			}
			if rules.calls != 0 {
				t.Errorf("rules called %d times", rules.calls)
			}
		})
	}
}

func TestBreakerOpensAndChainFallsToRules(t *testing.T) {
	cf := llmtest.NewAnthropic(t)
	cf.Always(llmtest.Overloaded())
	p := fastPolicy()
	p.MaxRetries = -1 // one attempt per call: the breaker counts calls
	p.BreakerFailures = 3
	rec := &recorder{}
	rules := &offline{}
	m := llm.NewChain([]llm.Model{llm.Resilient(claude(t, cf), p, llm.WithObserver(rec)), rules}, llm.WithObserver(rec))
	for i := range 5 {
		resp, err := m.Generate(testCtx(t), userRequest("hi"), func(string) {})
		if err != nil {
			t.Fatal(err)
		}
		if !resp.Degraded || resp.Model != "rules" || !slices.Contains(resp.Notes, llm.NoteOffline) {
			t.Fatalf("call %d: %+v, want a degraded rules answer", i, resp)
		}
	}
	if cf.Count() != 3 {
		t.Errorf("upstream requests = %d, want 3: an open breaker must not call the provider", cf.Count())
	}
	if !slices.Equal(rec.breaker, []string{"open"}) {
		t.Errorf("breaker states = %v, want [open]", rec.breaker)
	}
	if len(rec.fallbacks) != 5 || rec.fallbacks[0] != "anthropic:claude-sonnet-4-5->rules" {
		t.Errorf("fallbacks = %v", rec.fallbacks)
	}
	if rules.calls != 5 {
		t.Errorf("rules calls = %d", rules.calls)
	}
}

func TestBreakerHalfOpensAfterBreakerOpen(t *testing.T) {
	cf := llmtest.NewAnthropic(t)
	cf.Push(llmtest.Status(500), llmtest.Status(500), llmtest.Text("back again"))
	p := fastPolicy()
	p.MaxRetries = -1
	p.BreakerFailures = 2
	p.BreakerOpen = 100 * time.Millisecond
	m := llm.Resilient(claude(t, cf), p)
	for range 3 {
		_, _ = m.Generate(testCtx(t), userRequest("hi"), nil)
	}
	if cf.Count() != 2 {
		t.Fatalf("requests = %d, want 2 before the breaker opened", cf.Count())
	}
	time.Sleep(150 * time.Millisecond)
	resp, err := m.Generate(testCtx(t), userRequest("hi"), nil)
	if err != nil || resp.Text() != "back again" {
		t.Fatalf("probe after BreakerOpen: %v, %v", resp, err)
	}
}

func TestChainAllFail(t *testing.T) {
	cf, of := llmtest.NewAnthropic(t), llmtest.NewOpenAI(t)
	cf.Always(llmtest.Status(500))
	of.Always(llmtest.Status(401))
	p := fastPolicy()
	p.MaxRetries = -1
	m := llm.NewChain([]llm.Model{llm.Resilient(claude(t, cf), p), llm.Resilient(gpt(t, of), p)})
	_, err := m.Generate(testCtx(t), userRequest("hi"), nil)
	if err == nil || llm.KindOf(err) != llm.KindServer || !strings.Contains(err.Error(), "auth") {
		t.Fatalf("err = %v, want both failures joined", err)
	}
}

func TestChainStopsWhenCallerIsGone(t *testing.T) {
	cf := llmtest.NewAnthropic(t)
	cf.Always(llmtest.Hang())
	rules := &offline{}
	p := fastPolicy()
	ctx, cancel := contextWithCancelAfter(t, 50*time.Millisecond)
	defer cancel()
	_, err := llm.NewChain([]llm.Model{llm.Resilient(claude(t, cf), p), rules}).Generate(ctx, userRequest("hi"), nil)
	if err == nil || rules.calls != 0 {
		t.Fatalf("err = %v, rules calls %d: a cancelled turn must not fall back", err, rules.calls)
	}
}

func TestSpendCeilingSwitchesLinks(t *testing.T) {
	cf, of := llmtest.NewAnthropic(t), llmtest.NewOpenAI(t)
	// 1000 in + 1000 out on claude-sonnet-4-5 = 0.003 + 0.015 = 0.018 USD.
	cf.Always(llmtest.Step{Text: "From Claude.", Usage: llm.Usage{InputTokens: 1000, OutputTokens: 1000}})
	of.Always(llmtest.Text("From GPT."))
	spend := llm.NewMemorySpend()
	var alerts []llm.SpendAlert
	limits := llm.SpendLimits{
		UserDaily:   decimal.RequireFromString("0.03"),
		GlobalDaily: decimal.RequireFromString("100"),
		OnAlert:     func(a llm.SpendAlert) { alerts = append(alerts, a) },
	}
	rules := &offline{}
	m := llm.NewChain([]llm.Model{
		llm.Resilient(claude(t, cf), fastPolicy()),
		llm.Resilient(gpt(t, of), fastPolicy()),
		rules,
	}, llm.WithSpend(spend, limits))

	want := []struct {
		model    string
		degraded bool
		alerts   int
	}{
		{"anthropic:claude-sonnet-4-5", false, 0}, // 0.018 spent
		{"anthropic:claude-sonnet-4-5", false, 1}, // 0.036: past 80 % (0.024) and the ceiling
		{"rules", true, 1},                        // ceiling reached: paid links skipped
	}
	for i, w := range want {
		resp, err := m.Generate(testCtx(t), userRequest("hi"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Model != w.model || resp.Degraded != w.degraded || len(alerts) != w.alerts {
			t.Fatalf("call %d: %s degraded=%v alerts=%d, want %s %v %d", i, resp.Model, resp.Degraded, len(alerts), w.model, w.degraded, w.alerts)
		}
	}
	if alerts[0].Scope != "user" || alerts[0].UserID != "user-1" || !alerts[0].Spent.Equal(decimal.RequireFromString("0.036")) {
		t.Errorf("alert = %+v", alerts[0])
	}
	if of.Count() != 0 {
		t.Errorf("openai requests = %d: a paid link must be skipped over the ceiling", of.Count())
	}
	user, global, _ := spend.Totals(testCtx(t), "user-1", time.Now())
	if !user.Equal(decimal.RequireFromString("0.036")) || !global.Equal(user) {
		t.Errorf("totals user %s global %s", user, global)
	}
	other, _, _ := spend.Totals(testCtx(t), "user-2", time.Now())
	if !other.IsZero() {
		t.Errorf("another user's total = %s", other)
	}
}

func TestFreeLinkStillRunsOverCeiling(t *testing.T) {
	of := llmtest.NewOpenAI(t)
	of.Always(llmtest.Text("Local model."))
	local, err := newCompatible(of)
	if err != nil {
		t.Fatal(err)
	}
	spend := llm.NewMemorySpend()
	_, _, _ = spend.Add(testCtx(t), "user-1", decimal.NewFromInt(5), time.Now())
	prices := llm.DefaultPrices()
	prices["llama3"] = llm.Price{}
	m := llm.NewChain([]llm.Model{local, &offline{}}, llm.WithSpend(spend, llm.SpendLimits{UserDaily: decimal.NewFromInt(1)}), llm.WithPrices(prices))
	resp, err := m.Generate(testCtx(t), userRequest("hi"), nil)
	if err != nil || resp.Text() != "Local model." || resp.Degraded {
		t.Fatalf("resp %+v err %v: a free link is not skipped", resp, err)
	}
}

func TestOpenAIStreamCutAfterTextKeepsWhatWasSaid(t *testing.T) {
	of := llmtest.NewOpenAI(t)
	of.Push(llmtest.Cut("Fuel is cheapest at the Love's in Green River.", 4))
	rules := &offline{}
	m := llm.NewChain([]llm.Model{llm.Resilient(gpt(t, of), fastPolicy()), rules})
	var streamed strings.Builder
	resp, err := m.Generate(testCtx(t), userRequest("cheap fuel?"), func(s string) { streamed.WriteString(s) })
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text() != "Fuel is cheapest at" || streamed.String() != resp.Text() || !resp.Degraded ||
		!slices.Equal(resp.Notes, []string{llm.NoteCutShort}) || rules.calls != 0 || of.Count() != 1 {
		t.Fatalf("resp %+v streamed %q rules %d requests %d", resp, streamed.String(), rules.calls, of.Count())
	}
}

func TestTurnDeadlineBoundsModelsButNotTheLastLink(t *testing.T) {
	cf, of := llmtest.NewAnthropic(t), llmtest.NewOpenAI(t)
	cf.Always(llmtest.Hang())
	of.Always(llmtest.Hang())
	p := fastPolicy()
	p.AttemptTimeout = time.Second
	p.TurnDeadline = 5 * time.Second
	rules := &offline{}
	m := llm.NewChain([]llm.Model{llm.Resilient(claude(t, cf), p), llm.Resilient(gpt(t, of), p), rules},
		llm.WithTurnDeadline(200*time.Millisecond))
	start := time.Now()
	resp, err := m.Generate(testCtx(t), userRequest("hi"), nil)
	if err != nil || resp.Model != "rules" || !resp.Degraded {
		t.Fatalf("resp %+v err %v", resp, err)
	}
	if d := time.Since(start); d > 700*time.Millisecond {
		t.Errorf("took %s, want about the 200 ms turn deadline", d)
	}
}
