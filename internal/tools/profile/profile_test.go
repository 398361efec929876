package profile_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/internal/tools/budget"
	"github.com/pamtravel/pam/internal/tools/profile"
	"github.com/pamtravel/pam/internal/tools/toolstest"
)

func TestProfileAndSettings(t *testing.T) {
	h := toolstest.New(t, profile.Register)
	u := h.User(t, "ann@example.com", store.Settings{})
	res := toolstest.MustOK(t, h.Call(t, u, "get_profile", `{}`))
	d := toolstest.Data(t, res)
	if d["user"].(map[string]any)["email"] != "ann@example.com" || strings.Contains(mustString(d), "password") {
		t.Errorf("profile %v", d)
	}
	toolstest.MustOK(t, h.Call(t, u, "update_profile", `{"display_name":"  Ann R. "}`))
	tests := []struct {
		args    string
		status  tools.Status
		errText string
	}{
		{`{"units":"metric","currency":"eur","time_zone":"Europe/Berlin","language":"de-DE"}`, tools.StatusOK, ""},
		{`{"units":"furlongs"}`, tools.StatusInvalidArguments, "units"},
		{`{"currency":"EURO"}`, tools.StatusInvalidArguments, "currency"},
		{`{"currency":"ZZZ"}`, tools.StatusInvalidArguments, "currency"},
		{`{"time_zone":"Mars/Olympus_Mons"}`, tools.StatusInvalidArguments, "time zone"},
		{`{"time_zone":"Local"}`, tools.StatusInvalidArguments, "IANA"},
		{`{"language":"not a tag!"}`, tools.StatusInvalidArguments, "language"},
		{`{}`, tools.StatusInvalidArguments, ""},
		{`{"user_id":"someone-else","units":"imperial"}`, tools.StatusOK, ""},
	}
	for _, tt := range tests {
		r := h.Call(t, u, "update_settings", tt.args)
		if r.Status != tt.status || !strings.Contains(r.Error, tt.errText) {
			t.Errorf("%s: %s %q", tt.args, r.Status, r.Error)
		}
	}
	got, _ := h.S.UserByID(context.Background(), u.ID)
	want := store.Settings{Units: "imperial", Currency: "EUR", TimeZone: "Europe/Berlin", Language: "de-DE"}
	if got.Settings != want || got.DisplayName != "Ann R." {
		t.Errorf("stored %+v %q", got.Settings, got.DisplayName)
	}
}

func TestExportDataPaged(t *testing.T) {
	h := toolstest.New(t, profile.Register, budget.Register)
	u := h.User(t, "ann@example.com", store.Settings{})
	other := h.User(t, "bob@example.com", store.Settings{})
	for i := 0; i < 55; i++ {
		toolstest.MustOK(t, h.Call(t, u, "create_expense", `{"amount":"1.00","category":"food"}`))
	}
	toolstest.MustOK(t, h.Call(t, other, "create_expense", `{"amount":"999","category":"food"}`))
	first := toolstest.MustOK(t, h.Call(t, u, "export_data", `{"section":"expenses"}`))
	d := toolstest.Data(t, first)
	cursor, _ := d["next_cursor"].(string)
	if len(d["items"].([]any)) != 50 || cursor == "" {
		t.Fatalf("first page: %d items, cursor %q", len(d["items"].([]any)), cursor)
	}
	second := toolstest.MustOK(t, h.Call(t, u, "export_data", `{"section":"expenses","cursor":"`+cursor+`"}`))
	d2 := toolstest.Data(t, second)
	if len(d2["items"].([]any)) != 5 || d2["next_cursor"] != "" {
		t.Errorf("second page: %v", d2)
	}
	for _, page := range []map[string]any{d, d2} {
		for _, it := range page["items"].([]any) {
			if amt := it.(map[string]any)["amount"].(map[string]any)["amount"]; amt != "1.00" {
				t.Errorf("another user's expense (%v) in the export", amt)
			}
		}
	}
	prof := toolstest.MustOK(t, h.Call(t, u, "export_data", `{}`))
	if toolstest.Data(t, prof)["section"] != "profile" {
		t.Errorf("default section %v", prof.Data)
	}
}

func mustString(v any) string {
	b, _ := json.Marshal(v)
	return strings.ToLower(string(b))
}
