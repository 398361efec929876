package rules

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/llm"
)

// testNow is Tuesday 24 November 2026, 09:30 in Denver (winter: UTC−7).
var testNow = time.Date(2026, 11, 24, 9, 30, 0, 0, time.FixedZone("MST", -7*3600))

func testUser() llm.UserContext {
	return llm.UserContext{
		Now: testNow, TimeZone: "America/Denver", Units: "imperial", Currency: "USD", Language: "en",
		Location: &llm.Position{Lat: 39.7392, Lng: -104.9903, Source: "gps"},
	}
}

// allTools offers every catalog tool, as the agent does when every source is up.
func allTools() []llm.ToolDef {
	names := []string{
		"create_expense", "update_expense", "delete_expense", "get_spending_summary", "update_budget",
		"analyze_budget", "compare_vs_budget", "predict_end_of_month", "track_savings", "get_savings_summary",
		"export_budget_report", "add_fuel_entry", "get_fuel_stats", "calculate_gas_cost", "find_cheap_gas",
		"create_vehicle", "log_maintenance", "get_maintenance_due", "plan_trip", "estimate_travel_time",
		"find_rv_parks", "find_attractions", "get_weather_forecast", "save_favorite_spot",
		"create_calendar_event", "get_calendar_events", "update_calendar_event", "delete_calendar_event",
		"get_profile", "update_profile", "update_settings", "export_data", "search_knowledge",
	}
	defs := make([]llm.ToolDef, len(names))
	for i, n := range names {
		defs[i] = llm.ToolDef{Name: n, Parameters: json.RawMessage(`{"type":"object"}`)}
	}
	return defs
}

func userRequest(text string, user llm.UserContext) *llm.Request {
	return &llm.Request{
		Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockText, Text: text}}}},
		Tools:    allTools(),
		User:     user,
	}
}

func generate(t *testing.T, req *llm.Request) *llm.Response {
	t.Helper()
	resp, err := New(Options{}).Generate(context.Background(), req, nil)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return resp
}

func metricUser() *llm.UserContext {
	u := testUser()
	u.Units, u.Currency = "metric", "AUD"
	return &u
}

func euroUser() *llm.UserContext {
	u := testUser()
	u.Currency = "EUR"
	return &u
}

// utteranceCases are messages with the one tool call each must produce (Now is testNow).
var utteranceCases = []struct {
	in   string
	user *llm.UserContext
	tool string
	args string
}{
	// Expenses.
	{in: "I spent $45.20 on diesel at Shell today", tool: "create_expense",
		args: `{"amount":"45.20","currency":"USD","category":"fuel","merchant":"Shell","date":"2026-11-24"}`},
	{in: "spent 12 bucks on lunch", tool: "create_expense",
		args: `{"amount":"12","currency":"USD","category":"food","date":"2026-11-24"}`},
	{in: "Paid $1,200 for insurance yesterday", tool: "create_expense",
		args: `{"amount":"1200","currency":"USD","category":"insurance","date":"2026-11-23"}`},
	{in: "I paid AU$45.20 for groceries at Woolworths", tool: "create_expense",
		args: `{"amount":"45.20","currency":"AUD","category":"groceries","merchant":"Woolworths","date":"2026-11-24"}`},
	{in: "spent €30 on dinner last Friday", tool: "create_expense",
		args: `{"amount":"30","currency":"EUR","category":"food","date":"2026-11-20"}`},
	{in: "spent £15.50 on parking", tool: "create_expense",
		args: `{"amount":"15.50","currency":"GBP","category":"transport","date":"2026-11-24"}`},
	{in: "I spent 45.20 dollars at Walmart", tool: "create_expense",
		args: `{"amount":"45.20","currency":"USD","category":"groceries","merchant":"Walmart","date":"2026-11-24"}`},
	{in: "Spent 1.2k on new tires on Nov 2", tool: "create_expense",
		args: `{"amount":"1200","currency":"USD","category":"maintenance","date":"2026-11-02"}`},
	{in: "paid $38 for the campground on the 3rd", tool: "create_expense",
		args: `{"amount":"38","currency":"USD","category":"camping","date":"2026-11-03"}`},
	{in: "spent $55 at the KOA in Moab on 2026-11-02", tool: "create_expense",
		args: `{"amount":"55","currency":"USD","category":"camping","merchant":"KOA","date":"2026-11-02"}`},
	{in: "paid $42 rv park site fee", tool: "create_expense",
		args: `{"amount":"42","currency":"USD","category":"camping","date":"2026-11-24"}`},
	{in: "bought a new water hose for $24.99", tool: "create_expense",
		args: `{"amount":"24.99","currency":"USD","category":"utilities","date":"2026-11-24"}`},
	{in: "spent $20 on a sewer adapter", tool: "create_expense",
		args: `{"amount":"20","currency":"USD","category":"other","description":"sewer adapter","date":"2026-11-24"}`},
	{in: "spent $8.50 on coffee at Starbucks 11/20", tool: "create_expense",
		args: `{"amount":"8.50","currency":"USD","category":"food","merchant":"Starbucks","date":"2026-11-20"}`},
	{in: "spent $12 on propane", user: metricUser(), tool: "create_expense",
		args: `{"amount":"12","currency":"AUD","category":"utilities","date":"2026-11-24"}`},
	{in: "spent $12 on propane", user: euroUser(), tool: "create_expense",
		args: `{"amount":"12","currency":"USD","category":"utilities","date":"2026-11-24"}`},
	{in: "spent 30 on fuel", user: euroUser(), tool: "create_expense",
		args: `{"amount":"30","currency":"EUR","category":"fuel","date":"2026-11-24"}`},
	{in: "add expense $19.99 for a movie", tool: "create_expense",
		args: `{"amount":"19.99","currency":"USD","category":"entertainment","date":"2026-11-24"}`},
	{in: "paid $6 toll 3 days ago", tool: "create_expense",
		args: `{"amount":"6","currency":"USD","category":"transport","date":"2026-11-21"}`},
	{in: "spent $25 at the dump station on Sunday", tool: "create_expense",
		args: `{"amount":"25","currency":"USD","category":"fees","merchant":"dump station","date":"2026-11-22"}`},
	{in: "I paid 35 for a campsite last night", tool: "create_expense",
		args: `{"amount":"35","currency":"USD","category":"camping","date":"2026-11-23"}`},
	{in: "just dropped $120 at costco", tool: "create_expense",
		args: `{"amount":"120","currency":"USD","category":"groceries","merchant":"costco","date":"2026-11-24"}`},
	{in: "grabbed lunch for $14.50 at Subway", tool: "create_expense",
		args: `{"amount":"14.50","currency":"USD","category":"food","merchant":"Subway","date":"2026-11-24"}`},
	{in: "$45 for diesel", tool: "create_expense", args: `{"amount":"45","currency":"USD","category":"fuel","date":"2026-11-24"}`},
	{in: "diesel $52.10", tool: "create_expense", args: `{"amount":"52.10","currency":"USD","category":"fuel","date":"2026-11-24"}`},
	{in: "log an expense of $300 for tire repair", tool: "create_expense",
		args: `{"amount":"300","currency":"USD","category":"repairs","date":"2026-11-24"}`},
	{in: "delete my last expense", tool: "delete_expense", args: `{"last":true}`},
	{in: "undo that", tool: "delete_expense", args: `{"last":true}`},
	{in: "remove the last expense please", tool: "delete_expense", args: `{"last":true}`},

	// Spending, budgets, savings.
	{in: "How much did I spend on fuel this month?", tool: "get_spending_summary", args: `{"period":"this_month","category":"fuel"}`},
	{in: "how much have I spent this week", tool: "get_spending_summary", args: `{"period":"this_week"}`},
	{in: "What did I spend last month on food?", tool: "get_spending_summary", args: `{"period":"last_month","category":"food"}`},
	{in: "show my expenses", tool: "get_spending_summary", args: `{"period":"this_month"}`},
	{in: "spending summary for this year", tool: "get_spending_summary", args: `{"period":"this_year"}`},
	{in: "how much did I spend yesterday", tool: "get_spending_summary", args: `{"period":"yesterday"}`},
	{in: "how much have I spent on camping in October", tool: "get_spending_summary",
		args: `{"from":"2026-10-01","to":"2026-10-31","category":"camping"}`},
	{in: "total spent all time", tool: "get_spending_summary", args: `{"period":"all"}`},
	{in: "Set my fuel budget to $400 a month", tool: "update_budget", args: `{"category":"fuel","amount":"400","period":"monthly"}`},
	{in: "set a weekly grocery budget of $150", tool: "update_budget", args: `{"category":"groceries","amount":"150","period":"weekly"}`},
	{in: "change my camping budget to 900", tool: "update_budget", args: `{"category":"camping","amount":"900","period":"monthly"}`},
	{in: "How's my budget looking?", tool: "analyze_budget", args: `{}`},
	{in: "budget status last month", tool: "analyze_budget", args: `{"period":"last_month"}`},
	{in: "am I over budget on food?", tool: "compare_vs_budget", args: `{"category":"food"}`},
	{in: "predict my spending by the end of the month", tool: "predict_end_of_month", args: `{}`},
	{in: "am I on track with my fuel budget", tool: "predict_end_of_month", args: `{"category":"fuel"}`},
	{in: "how much have I saved this month", tool: "get_savings_summary", args: `{"period":"this_month"}`},
	{in: "export my budget report as json", tool: "export_budget_report", args: `{"format":"json"}`},

	// Fuel.
	{in: "I filled up 62.3 litres at 1.89 a litre, odometer 48210", tool: "add_fuel_entry",
		args: `{"volume":"62.3","volume_unit":"L","price_per_unit":"1.89","odometer":"48210"}`},
	{in: "filled up 25 gallons for $87.50 at Pilot", tool: "add_fuel_entry",
		args: `{"volume":"25","volume_unit":"gal","total":"87.50","station":"Pilot"}`},
	{in: "fill up: $3.45/gal, total $96.60", tool: "add_fuel_entry",
		args: `{"volume_unit":"gal","price_per_unit":"3.45","total":"96.60"}`},
	{in: "filled up 40L for $80 odo 48,900", user: metricUser(), tool: "add_fuel_entry",
		args: `{"volume":"40","volume_unit":"L","total":"80","odometer":"48900"}`},
	{in: "topped off 18.2 gal at $3.899 per gallon yesterday", tool: "add_fuel_entry",
		args: `{"volume":"18.2","volume_unit":"gal","price_per_unit":"3.899","date":"2026-11-23"}`},
	{in: "got 30 gallons of diesel at $4.10 a gallon", tool: "add_fuel_entry",
		args: `{"volume":"30","volume_unit":"gal","price_per_unit":"4.10"}`},
	{in: "what's my fuel economy?", tool: "get_fuel_stats", args: `{}`},
	{in: "fuel stats for last month", tool: "get_fuel_stats", args: `{"period":"last_month"}`},
	{in: "what mpg am I getting", tool: "get_fuel_stats", args: `{}`},
	{in: "how much gas will it cost to drive 300 miles", tool: "calculate_gas_cost", args: `{"distance":"300","distance_unit":"mi"}`},
	{in: "fuel cost for 500 km at 12 mpg", tool: "calculate_gas_cost", args: `{"distance":"500","distance_unit":"km","consumption":"12"}`},
	{in: "how much would 250mi cost in diesel at $4.20 a gallon", tool: "calculate_gas_cost",
		args: `{"distance":"250","distance_unit":"mi","fuel_price":"4.20"}`},
	{in: "find cheap gas near Flagstaff", tool: "find_cheap_gas", args: `{"near":"Flagstaff"}`},
	{in: "where's the cheapest diesel near me", tool: "find_cheap_gas", args: `{}`},
	{in: "gas stations in Salt Lake City", tool: "find_cheap_gas", args: `{"near":"Salt Lake City"}`},

	// Weather.
	{in: "what's the weather in Moab tomorrow", tool: "get_weather_forecast", args: `{"location":"Moab","days":2}`},
	{in: "what's the weather", tool: "get_weather_forecast", args: `{"days":1}`},
	{in: "will it rain in Flagstaff on Friday?", tool: "get_weather_forecast", args: `{"location":"Flagstaff","days":4}`},
	{in: "weather forecast for Grand Junction this week", tool: "get_weather_forecast", args: `{"location":"Grand Junction","days":7}`},
	{in: "5 day forecast for Sedona", tool: "get_weather_forecast", args: `{"location":"Sedona","days":5}`},
	{in: "weather this weekend", tool: "get_weather_forecast", args: `{"days":6}`},
	{in: "Moab weather", tool: "get_weather_forecast", args: `{"location":"Moab","days":1}`},

	// Trips and places.
	{in: "plan a trip from Denver to Moab", tool: "plan_trip", args: `{"origin":"Denver","destination":"Moab"}`},
	{in: "Plan a route to Moab via Grand Junction starting Friday", tool: "plan_trip",
		args: `{"origin":"Denver, CO, US","destination":"Moab","stops":["Grand Junction"],"start_date":"2026-11-27"}`},
	{in: "plan a trip from Salt Lake City to Yellowstone with a budget of $600", tool: "plan_trip",
		args: `{"origin":"Salt Lake City","destination":"Yellowstone","budget":"600"}`},
	{in: "how long to drive from Denver to Moab", tool: "estimate_travel_time", args: `{"origin":"Denver","destination":"Moab"}`},
	{in: "how far is Moab from Denver?", tool: "estimate_travel_time", args: `{"origin":"Denver","destination":"Moab"}`},
	{in: "travel time to Santa Fe", tool: "estimate_travel_time", args: `{"origin":"Denver, CO, US","destination":"Santa Fe"}`},
	{in: "plan a trip from Portland, OR to Boise, ID starting Dec 3", tool: "plan_trip",
		args: `{"origin":"Portland, OR","destination":"Boise, ID","start_date":"2026-12-03"}`},
	{in: "filled up 15 gallons at 3.45 per gallon at Chevron on the 20th", tool: "add_fuel_entry",
		args: `{"volume":"15","volume_unit":"gal","price_per_unit":"3.45","station":"Chevron","date":"2026-11-20"}`},
	{in: "campgrounds under 30 bucks near Bend", tool: "find_rv_parks", args: `{"near":"Bend","max_price":"30"}`},
	{in: "route from Las Vegas to Zion", tool: "plan_trip", args: `{"origin":"Las Vegas","destination":"Zion"}`},
	{in: "I want to go to Yellowstone", tool: "plan_trip", args: `{"origin":"Denver, CO, US","destination":"Yellowstone"}`},
	{in: "where can I stay tonight near Page", tool: "find_rv_parks", args: `{"near":"Page"}`},
	{in: "what should I see in Santa Fe", tool: "find_attractions", args: `{"near":"Santa Fe"}`},
	{in: "what's the weather going to be like in Sedona on Saturday", tool: "get_weather_forecast", args: `{"location":"Sedona","days":5}`},
	{in: "find RV parks near Moab", tool: "find_rv_parks", args: `{"near":"Moab"}`},
	{in: "campgrounds near me under $40 with full hookups", tool: "find_rv_parks", args: `{"max_price":"40","amenities":["power","water"]}`},
	{in: "where can I camp tonight?", tool: "find_rv_parks", args: `{}`},
	{in: "pet friendly rv park in Sedona with wifi", tool: "find_rv_parks", args: `{"near":"Sedona","amenities":["pets","wifi"]}`},
	{in: "rv parks near Moab with showers, a dump station and 50amp", tool: "find_rv_parks", args: `{"near":"Moab","amenities":["showers","dump","power"]}`},
	{in: "historic sites near Santa Fe", tool: "find_attractions", args: `{"near":"Santa Fe","kind":"historic"}`},
	{in: "things to do in Sedona", tool: "find_attractions", args: `{"near":"Sedona"}`},
	{in: "any good hiking near Moab?", tool: "find_attractions", args: `{"near":"Moab","kind":"park"}`},
	{in: "attractions around Santa Fe", tool: "find_attractions", args: `{"near":"Santa Fe"}`},
	{in: "save this spot as Lakeside Boondock", tool: "save_favorite_spot",
		args: `{"name":"Lakeside Boondock","lat":39.7392,"lng":-104.9903}`},
	{in: "save this campsite", tool: "save_favorite_spot",
		args: `{"name":"Favorite spot (Nov 24)","lat":39.7392,"lng":-104.9903,"category":"camping"}`},

	// Calendar.
	{in: "remind me to dump tanks Friday at 10am", tool: "create_calendar_event", args: `{"title":"Dump tanks","start":"2026-11-27T10:00"}`},
	{in: "Remind me to call the campground tomorrow at 2:30 pm", tool: "create_calendar_event", args: `{"title":"Call the campground","start":"2026-11-25T14:30"}`},
	{in: "remind me to check tire pressure at 8am", tool: "create_calendar_event", args: `{"title":"Check tire pressure","start":"2026-11-25T08:00"}`},
	{in: "remind me to check out at noon", tool: "create_calendar_event", args: `{"title":"Check out","start":"2026-11-24T12:00"}`},
	{in: "add dentist appointment on Dec 3 at 14:00 to my calendar", tool: "create_calendar_event", args: `{"title":"Dentist appointment","start":"2026-12-03T14:00"}`},
	{in: "schedule an oil change for next Monday", tool: "create_calendar_event", args: `{"title":"Oil change","start":"2026-11-30","all_day":true}`},
	{in: "remind me in 2 hours to move the rig", tool: "create_calendar_event", args: `{"title":"Move the rig","start":"2026-11-24T11:30"}`},
	{in: "set a reminder to pay $50 rent on the 1st", tool: "create_calendar_event", args: `{"title":"Pay $50 rent","start":"2026-12-01","all_day":true}`},
	{in: "what's on my calendar this week", tool: "get_calendar_events", args: `{"from":"2026-11-24","to":"2026-11-29"}`},
	{in: "what's coming up", tool: "get_calendar_events", args: `{}`},
	{in: "any events tomorrow?", tool: "get_calendar_events", args: `{"from":"2026-11-25","to":"2026-11-25"}`},
	{in: "show my schedule for next week", tool: "get_calendar_events", args: `{"from":"2026-11-30","to":"2026-12-06"}`},

	// Maintenance.
	{in: "I changed the oil today at 48,500 miles", tool: "log_maintenance", args: `{"task":"Oil change","date":"2026-11-24","odometer":"48500"}`},
	{in: "had the tires rotated for $80", tool: "log_maintenance", args: `{"task":"Tire rotation","cost":"80"}`},
	{in: "log maintenance: replaced the water pump", tool: "log_maintenance", args: `{"task":"Replaced the water pump"}`},
	{in: "I rotated the tires at 50,000 miles", tool: "log_maintenance", args: `{"task":"Tire rotation","odometer":"50000"}`},
	{in: "replaced the house batteries for $400", tool: "log_maintenance", args: `{"task":"Battery replacement","cost":"400"}`},
	{in: "remind me tomorrow to call the mechanic", tool: "create_calendar_event", args: `{"title":"Call the mechanic","start":"2026-11-25","all_day":true}`},
	{in: "put meeting with Bob on the calendar next Tuesday at 3pm", tool: "create_calendar_event", args: `{"title":"Meeting with Bob","start":"2026-12-01T15:00"}`},
	{in: "What's my fuel budget?", tool: "compare_vs_budget", args: `{"category":"fuel"}`},
	{in: "increase my food budget to $500", tool: "update_budget", args: `{"category":"food","amount":"500","period":"monthly"}`},
	{in: "how much fuel did I use this month", tool: "get_fuel_stats", args: `{"period":"this_month"}`},
	{in: "how much did I spend at Walmart", tool: "get_spending_summary", args: `{"period":"this_month"}`},
	{in: "time zone pacific", tool: "update_settings", args: `{"time_zone":"America/Los_Angeles"}`},
	{in: "how do I winterize my RV", tool: "search_knowledge", args: `{"query":"how do I winterize my RV"}`},
	{in: "what maintenance is due?", tool: "get_maintenance_due", args: `{}`},
	{in: "when is my next oil change", tool: "get_maintenance_due", args: `{}`},

	// Settings and profile.
	{in: "switch to metric", tool: "update_settings", args: `{"units":"metric"}`},
	{in: "use imperial units", tool: "update_settings", args: `{"units":"imperial"}`},
	{in: "my currency is AUD", tool: "update_settings", args: `{"currency":"AUD"}`},
	{in: "change my currency to euros", tool: "update_settings", args: `{"currency":"EUR"}`},
	{in: "my time zone is America/Denver", tool: "update_settings", args: `{"time_zone":"America/Denver"}`},
	{in: "set timezone to america/los_angeles", tool: "update_settings", args: `{"time_zone":"America/Los_Angeles"}`},
	{in: "switch to mountain time zone", tool: "update_settings", args: `{"time_zone":"America/Denver"}`},
	{in: "switch to metric and my currency is CAD", tool: "update_settings", args: `{"units":"metric","currency":"CAD"}`},
	{in: "set language to Spanish", tool: "update_settings", args: `{"language":"es"}`},
	{in: "show my profile", tool: "get_profile", args: `{}`},
	{in: "tips for boondocking in winter", tool: "search_knowledge", args: `{"query":"tips for boondocking in winter"}`},
}

func TestUtterancesToToolCalls(t *testing.T) {
	cases := utteranceCases
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			user := testUser()
			if tc.user != nil {
				user = *tc.user
			}
			resp := generate(t, userRequest(tc.in, user))
			calls := resp.ToolCalls()
			if len(calls) != 1 {
				t.Fatalf("got %d tool calls (text %q), want 1 %s", len(calls), resp.Text(), tc.tool)
			}
			if resp.StopReason != llm.StopToolUse {
				t.Errorf("StopReason = %q, want tool_use", resp.StopReason)
			}
			if calls[0].ToolName != tc.tool {
				t.Errorf("tool = %s %s, want %s", calls[0].ToolName, calls[0].Input, tc.tool)
			}
			if !strings.HasPrefix(calls[0].ToolUseID, "rules_") {
				t.Errorf("id = %q, want rules_N", calls[0].ToolUseID)
			}
			var got, want map[string]any
			if err := json.Unmarshal(calls[0].Input, &got); err != nil {
				t.Fatalf("input %s is not a JSON object: %v", calls[0].Input, err)
			}
			if err := json.Unmarshal([]byte(tc.args), &want); err != nil {
				t.Fatalf("bad test args: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("args = %s\nwant   %s", calls[0].Input, tc.args)
			}
		})
	}
	t.Logf("%d utterances", len(cases))
}

func TestSeveralExpensesInOneMessage(t *testing.T) {
	resp := generate(t, userRequest("spent 40 on food and $20 on gas yesterday", testUser()))
	calls := resp.ToolCalls()
	want := []string{
		`{"amount":"40","currency":"USD","category":"food","date":"2026-11-23"}`,
		`{"amount":"20","currency":"USD","category":"fuel","date":"2026-11-23"}`,
	}
	if len(calls) != len(want) {
		t.Fatalf("calls = %v, want %d", calls, len(want))
	}
	for i, c := range calls {
		var got, w map[string]any
		_ = json.Unmarshal(c.Input, &got)
		_ = json.Unmarshal([]byte(want[i]), &w)
		if c.ToolName != "create_expense" || !reflect.DeepEqual(got, w) {
			t.Errorf("call %d = %s %s, want create_expense %s", i, c.ToolName, c.Input, want[i])
		}
		if c.ToolUseID != "rules_"+string(rune('1'+i)) {
			t.Errorf("call %d id = %s", i, c.ToolUseID)
		}
	}
}

// noTowns is a gazetteer with nothing near anyone.
type noTowns struct{}

func (noTowns) Nearest(geo.Point, int, float64) (geo.Place, float64, bool) {
	return geo.Place{}, 0, false
}

func TestTripWithoutStartFarFromTowns(t *testing.T) {
	resp, err := New(Options{Towns: noTowns{}}).Generate(context.Background(), userRequest("plan a trip to Moab", testUser()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.ToolCalls()) != 0 || !strings.Contains(resp.Text(), "Where are you starting from") {
		t.Errorf("reply %q calls %v, want a question about the start", resp.Text(), resp.ToolCalls())
	}
}
