package trip

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/tools"
)

func schema(props string, required ...string) json.RawMessage {
	req := "[]"
	if len(required) > 0 {
		req = `["` + strings.Join(required, `","`) + `"]`
	}
	return json.RawMessage(`{"type":"object","additionalProperties":false,"properties":{` + props + `},"required":` + req + `}`)
}

func enum(values []string) string {
	b, _ := json.Marshal(values)
	return string(b)
}

func (svc *service) definitions() []tools.Tool {
	return []tools.Tool{
		{
			Name: "plan_trip",
			Description: "Plan an RV trip: driving distance and time (road routing, or an estimate when routing is unavailable), " +
				"fuel cost from the user's fuel log, and overnight stops about every 300 miles. Saves the trip.",
			Category: tools.CategoryTrip,
			Parameters: schema(`"origin": {"type": "string", "minLength": 1, "maxLength": 200},
    "destination": {"type": "string", "minLength": 1, "maxLength": 200},
    "stops": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 200}, "maxItems": 20},
    "start_date": {"type": "string", "description": "YYYY-MM-DD"},
    "end_date": {"type": "string", "description": "YYYY-MM-DD"},
    "budget": {"type": ["string", "number"], "description": "decimal amount in the user's currency"},
    "name": {"type": "string", "maxLength": 200}`, "origin", "destination"),
			Writes:   true,
			Timeout:  15 * time.Second,
			Keywords: []string{"plan", "trip", "route"},
			Handler:  svc.planTrip,
		},
		{
			Name:        "estimate_travel_time",
			Description: "Driving distance and time between two places (road routing, or a labelled estimate when routing is unavailable).",
			Category:    tools.CategoryTrip,
			Parameters: schema(`"origin": {"type": "string", "minLength": 1, "maxLength": 200},
    "destination": {"type": "string", "minLength": 1, "maxLength": 200}`, "origin", "destination"),
			Idempotent: true,
			Timeout:    10 * time.Second,
			Keywords:   []string{"how long", "how far", "drive"},
			Handler:    svc.estimateTravelTime,
		},
		{
			Name:        "find_rv_parks",
			Description: "Find RV parks and campgrounds near a place (OpenStreetMap), filtered by amenities and a maximum nightly price where one is listed.",
			Category:    tools.CategoryTrip,
			Parameters: schema(locationSchema + `,
    "amenities": {"type": "array", "items": {"enum": ` + enum(AmenityNames) + `}, "maxItems": 8},
    "max_price": {"type": ["string", "number"], "description": "per night, in the user's currency"}`),
			Idempotent: true,
			Sources:    []string{external.SourcePlaces},
			Keywords:   []string{"rv park", "campground", "campsite"},
			Handler:    svc.findRVParks,
		},
		{
			Name:        "find_attractions",
			Description: "Find things to see near a place (museums, viewpoints, parks, historic sites) from OpenStreetMap.",
			Category:    tools.CategoryTrip,
			Parameters: schema(locationSchema + `,
    "kind": {"enum": ` + enum(external.AttractionKinds()) + `}`),
			Idempotent: true,
			Sources:    []string{external.SourcePlaces},
			Keywords:   []string{"attractions", "things to do", "sightseeing"},
			Handler:    svc.findAttractions,
		},
		{
			Name:        "get_weather_forecast",
			Description: "Daily weather forecast (1–7 days) for a place or the user's location, in the user's units.",
			Category:    tools.CategoryTrip,
			Parameters: schema(`"location": {"type": "string", "maxLength": 200, "description": "a place name; default: the user's location"},
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "lng": {"type": "number", "minimum": -180, "maximum": 180},
    "days": {"type": "integer", "minimum": 1, "maximum": 7}`),
			Idempotent: true,
			Sources:    []string{external.SourceWeather},
			Keywords:   []string{"weather", "forecast", "rain", "snow", "wind"},
			Handler:    svc.weatherForecast,
		},
		{
			Name: "find_cheap_gas",
			Description: "Find the cheapest fuel near a place from a live station price feed (or list nearby stations from OpenStreetMap " +
				"with the user's own recent average price when no live prices exist). Records the saving when a station beats the user's average.",
			Category:   tools.CategoryFuel,
			Parameters: schema(locationSchema),
			Writes:     true,
			Sources:    []string{external.SourceFuelPrices, external.SourcePlaces},
			Keywords:   []string{"cheap gas", "cheapest fuel", "gas station", "diesel price"},
			Handler:    svc.findCheapGas,
		},
		{
			Name:        "save_favorite_spot",
			Description: "Save a place the user likes (a campsite, viewpoint, restaurant) to their favorite spots.",
			Category:    tools.CategoryTrip,
			Parameters: schema(`"name": {"type": "string", "minLength": 1, "maxLength": 200},
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "lng": {"type": "number", "minimum": -180, "maximum": 180},
    "category": {"type": "string", "maxLength": 50},
    "notes": {"type": "string", "maxLength": 2000}`, "name", "lat", "lng"),
			Writes:   true,
			Keywords: []string{"favorite", "save spot", "remember this place"},
			Handler:  svc.saveFavoriteSpot,
		},
	}
}
