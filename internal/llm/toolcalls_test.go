package llm

import "testing"

func TestToolCalls(t *testing.T) {
	use := func(id string) Block { return Block{Type: BlockToolUse, ToolUseID: id, ToolName: "t"} }
	for _, c := range []struct {
		content []Block
		want    string
	}{
		{nil, ""},
		{[]Block{{Type: BlockText, Text: "hi"}}, ""},
		{[]Block{use("a")}, "a"},
		{[]Block{{Type: BlockText, Text: "let me look"}, use("a"), use("b")}, "ab"},
		{[]Block{use("a"), use("b")}, "ab"},
	} {
		// Content with spare room behind it, where an uncut view would append.
		content := append(make([]Block, 0, len(c.content)+1), c.content...)
		r := &Response{Content: content}
		calls := r.ToolCalls()
		got := ""
		for _, b := range calls {
			got += b.ToolUseID
		}
		if got != c.want || (c.want == "") != (calls == nil) {
			t.Fatalf("ToolCalls of %+v = %+v", c.content, calls)
		}
		// An append to the calls never writes into the response.
		if calls != nil {
			_ = append(calls, use("z"))
			if spare := content[:len(content)+1]; spare[len(content)].ToolUseID == "z" {
				t.Fatalf("append wrote into the content")
			}
		}
	}
	// Calls that are the whole content are not copied.
	r := &Response{Content: []Block{use("a")}}
	if n := testing.AllocsPerRun(100, func() { _ = r.ToolCalls() }); n != 0 && !raceEnabled {
		t.Fatalf("ToolCalls: %v allocations, want 0", n)
	}
}
