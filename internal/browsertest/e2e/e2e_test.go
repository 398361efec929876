package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/browsertest"
)

// newUser is an email no other test in this process uses.
func newUser() string {
	return fmt.Sprintf("e2e-%d@example.com", time.Now().UnixNano())
}

func TestLogExpenseThroughThePage(t *testing.T) {
	t.Parallel()
	b := browsertest.New(t, 90*time.Second)
	s := apptest.Start(t, nil)
	b.Register(s.URL, newUser())
	b.Say("I spent $45.20 on diesel at Shell today")
	b.WaitJS("PAM's reply mentioning 45.20", browsertest.PamSaidJS("45.20"), 20*time.Second)
	b.WaitJS("the expense row", `Array.from(document.querySelectorAll("#expenses .expense")).some(e => e.textContent.includes("45.20"))`, 10*time.Second)
	b.Screenshot("e2e-expense")
	if n := browsertest.Eval[int](b, browsertest.CountJS("#messages .msg.pam")); n != 1 {
		t.Errorf("%d answers shown, want 1", n)
	}
}

// A message typed while PAM is down is delivered once after it comes back.
func TestMessageTypedWhileServerDownIsDeliveredOnce(t *testing.T) {
	t.Parallel()
	b := browsertest.New(t, 120*time.Second)
	s := apptest.Start(t, nil)
	b.Register(s.URL, newUser())
	s.Stop()
	b.WaitJS("disconnected", `document.querySelector("#status").dataset.state !== "online"`, 15*time.Second)
	b.Say("I spent $12.50 on propane at Ace today")
	b.WaitJS("queued", `document.querySelector("#messages .msg.user").dataset.state === "queued"`, 2*time.Second)
	s.Restart()
	b.WaitJS("reply after restart", browsertest.PamSaidJS("12.50"), 45*time.Second)
	b.WaitJS("one expense row", `document.querySelectorAll("#expenses .expense").length >= 1`, 10*time.Second)
	time.Sleep(2 * time.Second) // room for a duplicate to show up
	if n := browsertest.Eval[int](b, browsertest.CountJS("#messages .msg.pam")); n != 1 {
		t.Errorf("%d answers shown, want 1", n)
	}
	if n := browsertest.Eval[int](b, browsertest.CountJS("#expenses .expense")); n != 1 {
		t.Errorf("%d expense rows, want 1 (the message must act once)", n)
	}
}
