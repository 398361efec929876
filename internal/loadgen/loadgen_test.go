package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestCollectorCountsLostAndDuplicated(t *testing.T) {
	c := newCollector()
	c.sent("a")
	c.sent("b")
	c.sent("c")
	c.sent("d")
	if !c.answered("a", "seq:1", false) {
		t.Fatal("first answer")
	}
	c.answered("b", "seq:2", true)
	c.answered("b", "seq:2", true) // the same frame replayed after a reconnect: not a duplicate
	c.answered("c", "seq:3", false)
	c.answered("c", "seq:9", false) // a second turn for the same message: duplicated
	r := c.snapshot("ws", 1, time.Second)
	want := Report{Sent: 4, Answered: 3, Degraded: 1, Lost: 1, Duplicated: 1}
	if r.Sent != want.Sent || r.Answered != want.Answered || r.Degraded != want.Degraded || r.Lost != want.Lost || r.Duplicated != want.Duplicated {
		t.Fatalf("report %+v", r)
	}
	if r.ErrorRate != 0.25 {
		t.Fatalf("error rate %v, want 0.25 (one lost of four)", r.ErrorRate)
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		q    float64
		want time.Duration
	}{{.5, 50 * time.Millisecond}, {.95, 95 * time.Millisecond}, {.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}}
	for _, tc := range tests {
		if got := percentile(lat, tc.q); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.q*100, got, tc.want)
		}
	}
}

func TestRefusesRemoteTargets(t *testing.T) {
	tests := []struct {
		target, wantErr string
		allow           bool
	}{
		{"http://203.0.113.9:8080", "not a loopback", false},
		{"https://pam.example.com", "not a loopback", false},
		{"ftp://127.0.0.1", "http(s) URL", false},
		{"http://[::1]:8080", "", false},
		{"http://localhost:8080", "", false},
		{"http://203.0.113.9:8080", "", true},
	}
	for _, tc := range tests {
		cfg := Config{Target: tc.target, Users: 1, Duration: time.Second, AllowRemote: tc.allow}
		err := cfg.defaults()
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: err %v, want %q", tc.target, err, tc.wantErr)
		}
	}
}

func TestMixIsWeighted(t *testing.T) {
	r := newRand(1)
	counts := map[bool]int{}
	for range 2000 {
		counts[strings.HasPrefix(pick(r, defaultMix), "I spent $")]++
	}
	if share := float64(counts[true]) / 2000; share < 0.2 || share > 0.3 {
		t.Fatalf("expense share %.2f, want about 0.25", share)
	}
}

func TestReportJSON(t *testing.T) {
	var buf bytes.Buffer
	r := Report{Transport: "ws", Users: 2, Sent: 10, Answered: 10, P95: 1200 * time.Millisecond}
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back["p95_ns"] != float64(1.2e9) || back["lost"] != float64(0) {
		t.Fatalf("json %s (%v)", buf.String(), err)
	}
	buf.Reset()
	r.WriteText(&buf)
	if !strings.Contains(buf.String(), "p95 1.2s") {
		t.Fatalf("text %s", buf.String())
	}
}

var _ = context.Background
