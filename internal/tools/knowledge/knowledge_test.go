package knowledge_test

import (
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/internal/tools/knowledge"
	"github.com/pamtravel/pam/internal/tools/toolstest"
)

func TestKnowledge(t *testing.T) {
	h := toolstest.New(t, knowledge.Register)
	u := h.User(t, "ann@example.com", store.Settings{})
	adm := h.Admin(t, "root@example.com")
	if r := h.Call(t, u, "add_knowledge", `{"title":"x","content":"y"}`); r.Status != tools.StatusUnauthorized {
		t.Fatalf("user added knowledge: %s", r.Status)
	}
	toolstest.MustOK(t, h.Call(t, adm, "add_knowledge", `{"title":"Dumping black tanks","content":"Always dump the black tank before the grey tank so the grey water rinses the hose.","tags":["Tanks","maintenance"]}`))
	if admin := h.Audit.Kind("admin"); len(admin) != 1 || admin[0].Action != "add_knowledge" || admin[0].UserID != adm.ID {
		t.Errorf("admin audit %+v", admin)
	}
	res := toolstest.MustOK(t, h.Call(t, u, "search_knowledge", `{"query":"black tank"}`))
	items := toolstest.Data(t, res)["items"].([]any)
	if len(items) != 1 || !strings.Contains(res.Summary, "Dumping black tanks") {
		t.Errorf("search: %v %q", items, res.Summary)
	}
	if r := h.Call(t, u, "search_knowledge", `{"query":"snorkelling antarctica"}`); r.Status != tools.StatusNoResults {
		t.Errorf("no-hit search: %s", r.Status)
	}
	if r := h.Call(t, u, "search_knowledge", `{}`); r.Status != tools.StatusInvalidArguments {
		t.Errorf("missing query: %s", r.Status)
	}
}
