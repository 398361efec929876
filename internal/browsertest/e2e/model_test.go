package e2e

import (
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/browsertest"
	"github.com/pamtravel/pam/internal/llm/llmtest"
)

// startWithModel runs PAM with Anthropic's API faked on the wire, the rules brain behind it.
func startWithModel(t *testing.T, model *llmtest.Fake) *apptest.Server {
	return apptest.Start(t, map[string]string{
		"PAM_MODEL":              "anthropic:claude-sonnet-4-5,rules",
		"ANTHROPIC_API_KEY":      "test-key-not-secret",
		"PAM_ANTHROPIC_BASE_URL": model.BaseURL(),
	})
}

func TestThinkingIndicatorWithSlowModel(t *testing.T) {
	t.Parallel()
	model := llmtest.NewAnthropic(t)
	model.Always(llmtest.Step{Text: "Moab is about 120 miles from Green River.", Delay: 6 * time.Second})
	b := browsertest.New(t, 90*time.Second)
	s := startWithModel(t, model)
	b.Register(s.URL, newUser())
	start := time.Now()
	b.Say("how far is Moab from Green River?")
	b.WaitJS("thinking", `document.querySelector("#thinking").textContent.includes("PAM is thinking")`, 5*time.Second)
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Errorf("thinking shown after %v, want about 2 s", d)
	}
	b.WaitJS("still working", `document.querySelector("#thinking").textContent.includes("still working")`, 5*time.Second)
	b.WaitJS("answer", browsertest.PamSaidJS("120 miles"), 30*time.Second)
	b.WaitJS("indicator gone", "!"+browsertest.VisibleJS("#thinking"), 3*time.Second)
}

func TestStreamedAnswerFromModel(t *testing.T) {
	t.Parallel()
	model := llmtest.NewAnthropic(t)
	model.Always(llmtest.Step{
		Text:       "Moab is about 120 miles from Green River.",
		Chunks:     []string{"Moab is ", "about 120 miles ", "from Green River."},
		ChunkDelay: 800 * time.Millisecond,
	})
	b := browsertest.New(t, 90*time.Second)
	s := startWithModel(t, model)
	b.Register(s.URL, newUser())
	b.Say("how far is Moab from Green River?")
	b.WaitJS("partial text on screen", `(() => { const e = document.querySelector("#messages .msg.pam.streaming .text"); return !!e && e.textContent.includes("Moab is") && !e.textContent.includes("Green River"); })()`, 10*time.Second)
	b.WaitJS("final text", browsertest.PamSaidJS("from Green River.")+` && !document.querySelector("#messages .msg.pam.streaming")`, 20*time.Second)
	if n := browsertest.Eval[int](b, browsertest.CountJS("#messages .msg.pam")); n != 1 {
		t.Errorf("%d answers shown, want the streamed one finalised in place", n)
	}
}

func TestDegradedBannerWhenModelFails(t *testing.T) {
	t.Parallel()
	model := llmtest.NewAnthropic(t)
	model.Always(llmtest.Status(500))
	b := browsertest.New(t, 120*time.Second)
	s := startWithModel(t, model)
	b.Register(s.URL, newUser())
	b.Say("I spent $45.20 on diesel at Shell today")
	b.WaitJS("rules answer", browsertest.PamSaidJS("45.20"), 60*time.Second)
	b.WaitJS("degraded banner", browsertest.VisibleJS("#banner"), 3*time.Second)
	b.Screenshot("e2e-degraded")
}
