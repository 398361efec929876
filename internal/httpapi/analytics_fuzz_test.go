package httpapi

import (
	"encoding/json"
	"testing"
)

// FuzzClientEvents: whatever a client posts, an accepted batch holds 1 to 50
// events with plain names and small JSON-object props, and nothing panics.
func FuzzClientEvents(f *testing.F) {
	f.Add(`{"events":[{"name":"speak_clicked","props":{"len":12}},{"name":"page_view"}]}`)
	f.Add(`{"events":[{"name":"x","props":null}]}`)
	f.Add(`{"events":[{"name":"x","props":[1,2]}]}`)
	f.Add(`{"events":[]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var in clientEventsIn
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		evs, err := clientEvents("u1", in)
		if err != nil {
			return
		}
		if len(evs) == 0 || len(evs) > maxClientEvents {
			t.Fatalf("accepted %d events", len(evs))
		}
		for _, e := range evs {
			if !clientEventName.MatchString(e.Name) || e.UserID != "u1" || len(e.Props) > maxClientProps {
				t.Fatalf("accepted %+v", e)
			}
			if len(e.Props) > 0 {
				var obj map[string]any
				if json.Unmarshal(e.Props, &obj) != nil || obj == nil {
					t.Fatalf("accepted props %s", e.Props)
				}
			}
		}
	})
}
