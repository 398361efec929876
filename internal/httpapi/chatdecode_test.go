package httpapi

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pamtravel/pam/protocol"
)

var chatBodies = []string{
	`{"message":"I spent $12.25 on groceries at Walmart","client_message_id":"b1"}`,
	` { "message" : "hi" , "conversation_id":"c1",` + "\n\t" + `"client_message_id": "x" } `,
	`{}`, `{ }`, `{"message":""}`, `{"message":"a","message":"b"}`,
	`{"message":"caf\u00e9 ünïcödé"}`, `{"message":"with \"escape\""}`, `{"message":"tab	inside"}`,
	`{"Message":"case"}`, `{"message":"x","context":{"location":{"lat":1,"lng":2}}}`, `{"message":null}`,
	`{"message":"x",}`, `{"message":"x"} trailing`, `{"message":"x"}{}`, `{"message":12}`, `{"message":"x"`,
	`["message"]`, `"message"`, ``, `{"message":"x","extra":"y"}`, `{"message" "x"}`, `{,}`,
}

// A body the direct reader takes must decode to exactly what encoding/json
// makes of it; every other body is left to encoding/json.
func checkPlainChatRequest(t *testing.T, body string) {
	t.Helper()
	if !utf8.ValidString(body) {
		return // refused before either reader sees it
	}
	got, ok := plainChatRequest([]byte(body))
	if !ok {
		return
	}
	var want protocol.ChatRequest
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		t.Fatalf("plainChatRequest read %q, which encoding/json refuses: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("plainChatRequest(%q) = %+v, encoding/json %+v", body, got, want)
	}
}

func TestPlainChatRequestMatchesEncodingJSON(t *testing.T) {
	taken := 0
	for _, b := range chatBodies {
		checkPlainChatRequest(t, b)
		if _, ok := plainChatRequest([]byte(b)); ok {
			taken++
		}
	}
	if taken < 6 {
		t.Fatalf("the direct reader took only %d bodies", taken)
	}
}

func FuzzPlainChatRequestMatchesEncodingJSON(f *testing.F) {
	for _, b := range chatBodies {
		f.Add(b)
	}
	f.Fuzz(checkPlainChatRequest)
}

// decodeChatRequest answers as decode does, body for body, errors included.
func TestDecodeChatRequestMatchesDecode(t *testing.T) {
	for _, b := range append(chatBodies, "\xff{}", strings.Repeat(" ", maxBody+1)) {
		got, gotErr := decodeChatRequest(httptest.NewRequest("POST", "/api/v1/chat", strings.NewReader(b)))
		want, wantErr := decode[protocol.ChatRequest](httptest.NewRequest("POST", "/api/v1/chat", strings.NewReader(b)))
		if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("body %.40q: %+v %v, decode %+v %v", b, got, gotErr, want, wantErr)
		}
	}
}

func TestDecodeChatRequestAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	body := `{"message":"I spent $12.25 on groceries at Walmart","client_message_id":"b1"}`
	r := strings.NewReader(body)
	req := httptest.NewRequest("POST", "/api/v1/chat", r)
	// The body buffer and the one string the fields are cut from.
	if n := testing.AllocsPerRun(100, func() {
		r.Reset(body)
		if _, err := decodeChatRequest(req); err != nil {
			t.Fatal(err)
		}
	}); n > 2 {
		t.Fatalf("decodeChatRequest: %v allocations, want 2", n)
	}
}
