package delivery

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pamtravel/pam/protocol"
)

// The REST response carries the frame's fields, its lists never null, and
// encodes the same from the pointer Response keeps in the result.
func TestResultResponse(t *testing.T) {
	r := &Result{Frame: protocol.Message{ConversationID: "c1", MessageID: "m1", Text: "Logged.", Seq: 7, Source: "rules",
		ToolCalls: []protocol.ToolCall{{Name: "create_expense", Status: "ok"}}}}
	resp := r.Response()
	if resp != r.Response() || resp.Reply != "Logged." || resp.Seq != 7 || len(resp.ToolCalls) != 1 || resp.UIActions == nil {
		t.Fatalf("response %+v", resp)
	}
	byPtr, _ := json.Marshal(resp)
	byValue, _ := json.Marshal(*resp)
	if string(byPtr) != string(byValue) || !strings.Contains(string(byPtr), `"ui_actions":[]`) {
		t.Fatalf("response JSON %s, by value %s", byPtr, byValue)
	}
}
