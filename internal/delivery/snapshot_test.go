package delivery

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// refNextSnapshot is nextSnapshot as it was before its shortcuts: always
// decode the stored snapshot.
func refNextSnapshot(prevRaw []byte, cur snapshot) ([]byte, string) {
	var prev snapshot
	if len(prevRaw) > 0 {
		_ = json.Unmarshal(prevRaw, &prev)
	}
	note := ""
	if prev.ConversationID == cur.ConversationID {
		cur.Version = prev.Version
		if n := describeChange(prev, cur); n != "" {
			cur.Version++
			note = n
		}
	}
	raw, _ := json.Marshal(cur)
	return raw, note
}

func snapshotSeeds() [][]byte {
	lat, lng := 38.57, -109.55
	far := 40.0
	var out [][]byte
	for _, s := range []snapshot{
		{ConversationID: "c1", Version: 1, TimeZone: "UTC", Units: "imperial", Currency: "USD"},
		{ConversationID: "c1", Version: 3, TimeZone: "UTC", Units: "imperial", Currency: "USD", Lat: &lat, Lng: &lng},
		{ConversationID: "c2", Version: 1, TimeZone: "America/Denver", Units: "metric", Currency: "EUR", Lat: &far, Lng: &lng},
	} {
		b, _ := json.Marshal(s)
		out = append(out, b)
	}
	return append(out,
		[]byte(`{"conversation_id":"c2","CONVERSATION_ID":"c1","version":2}`),
		[]byte(`{"conversation_id":"c2","conversation_\u0069d":"c1","version":2}`),
		[]byte(`{"conversation_id":"c2","conver`+"\u017f"+`ation_id":"c1","version":2}`),
		[]byte(`{"conversation_id":"c\u0031","version":2,"time_zone":"Europe/Paris"}`),
		[]byte(`{"conversation_id":"c2",`),
		[]byte(`{"version":4,"conversation_id":"c1","units":"metric"}`),
		[]byte(`not json`), nil,
	)
}

func checkNextSnapshot(t *testing.T, prev []byte, cur snapshot) {
	t.Helper()
	raw, note := nextSnapshot(prev, cur)
	wantRaw, wantNote := refNextSnapshot(prev, cur)
	if !bytes.Equal(raw, wantRaw) || note != wantNote {
		t.Fatalf("nextSnapshot(%s, %+v) = %s %q, reference %s %q", prev, cur, raw, note, wantRaw, wantNote)
	}
}

func TestNextSnapshotMatchesReference(t *testing.T) {
	lat, lng, far := 38.57, -109.55, 40.0
	for _, prev := range snapshotSeeds() {
		for _, conv := range []string{"c1", "c2", ""} {
			for _, loc := range [][2]*float64{{nil, nil}, {&lat, &lng}, {&far, &lng}} {
				for _, tz := range []string{"UTC", "America/Denver"} {
					checkNextSnapshot(t, prev, snapshot{ConversationID: conv, Version: 1, TimeZone: tz, Units: "imperial", Currency: "USD", Lat: loc[0], Lng: loc[1]})
				}
			}
		}
	}
}

func FuzzNextSnapshotMatchesReference(f *testing.F) {
	for _, prev := range snapshotSeeds() {
		f.Add(prev, "c1", "UTC", "imperial", "USD", true, 38.57, -109.55)
		f.Add(prev, "c2", "America/Denver", "metric", "EUR", false, 0.0, 0.0)
	}
	f.Fuzz(func(t *testing.T, prev []byte, conv, tz, units, currency string, hasLoc bool, lat, lng float64) {
		cur := snapshot{ConversationID: conv, Version: 1, TimeZone: tz, Units: units, Currency: currency}
		if hasLoc && !math.IsNaN(lat) && !math.IsInf(lat, 0) && !math.IsNaN(lng) && !math.IsInf(lng, 0) {
			cur.Lat, cur.Lng = &lat, &lng
		}
		checkNextSnapshot(t, prev, cur)
	})
}

// A turn that changed nothing decodes nothing, and the encoding is its one
// allocation.
func TestNextSnapshotShortcutsAllocateOnlyTheEncoding(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	prev, _ := json.Marshal(snapshot{ConversationID: "c1", Version: 1, TimeZone: "UTC", Units: "imperial", Currency: "USD"})
	cur := snapshot{ConversationID: "c1", Version: 1, TimeZone: "UTC", Units: "imperial", Currency: "USD"}
	if n := testing.AllocsPerRun(100, func() { nextSnapshot(prev, cur) }); n > 1 {
		t.Fatalf("%v allocations, want 1 (the encoding)", n)
	}
}

// A snapshot's encoding is json.Marshal's, whatever its strings and
// coordinates (nil where encoding/json fails, as for NaN).
func FuzzEncodeSnapshotMatchesMarshal(f *testing.F) {
	f.Add("c1", 1, "UTC", "imperial", "USD", true, 38.57, -109.55)
	f.Add("c<2>", -3, "Europe/Zürich", "metric\n", "€", true, 1e-7, 1e21)
	f.Add("c3", 7, "America/Denver", "metric", "EUR", true, math.NaN(), 0.0)
	f.Add("", 0, "", "", "", false, 0.0, 0.0)
	f.Fuzz(func(t *testing.T, conv string, version int, tz, units, currency string, hasLoc bool, lat, lng float64) {
		cur := snapshot{ConversationID: conv, Version: version, TimeZone: tz, Units: units, Currency: currency}
		if hasLoc {
			cur.Lat, cur.Lng = &lat, &lng
		}
		want, _ := json.Marshal(&cur)
		if got := encodeSnapshot(&cur); !bytes.Equal(got, want) {
			t.Fatalf("encodeSnapshot(%+v) = %s, json.Marshal %s", cur, got, want)
		}
	})
}
