package geo

import "strings"

// regionAliases maps full admin-1 and country names (lower case) to the codes
// the gazetteer stores, so "Denver Colorado" and "Toronto, Ontario" resolve.
var regionAliases = map[string]string{
	"alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
	"colorado": "CO", "connecticut": "CT", "delaware": "DE", "florida": "FL", "georgia": "GA",
	"hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS",
	"kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA",
	"michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
	"nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM",
	"new york": "NY", "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
	"oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC",
	"south dakota": "SD", "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT",
	"virginia": "VA", "washington": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
	"district of columbia": "DC",
	"alberta":              "AB", "british columbia": "BC", "manitoba": "MB", "new brunswick": "NB",
	"newfoundland and labrador": "NL", "newfoundland": "NL", "nova scotia": "NS", "ontario": "ON",
	"prince edward island": "PE", "quebec": "QC", "québec": "QC", "saskatchewan": "SK", "yukon": "YT",
	"northwest territories": "NT", "nunavut": "NU",
	"new south wales": "NSW", "queensland": "QLD", "south australia": "SA", "tasmania": "TAS",
	"victoria": "VIC", "western australia": "WA", "northern territory": "NT",
	"australian capital territory": "ACT",
}

// countryAliases maps country names and common abbreviations to ISO codes.
var countryAliases = map[string]string{
	"usa": "US", "us": "US", "united states": "US", "united states of america": "US", "america": "US",
	"canada": "CA", "australia": "AU", "new zealand": "NZ", "nz": "NZ", "mexico": "MX", "méxico": "MX",
	"uk": "GB", "united kingdom": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
	"germany": "DE", "france": "FR", "spain": "ES", "italy": "IT", "portugal": "PT", "netherlands": "NL",
	"belgium": "BE", "switzerland": "CH", "austria": "AT", "ireland": "IE", "norway": "NO",
	"sweden": "SE", "denmark": "DK", "finland": "FI", "poland": "PL", "greece": "GR", "croatia": "HR",
}

// qualifier is what follows a place name: an admin-1 region and/or a country.
type qualifier struct{ admin, country string }

// parseQualifier interprets s ("UT", "Utah", "Canada", "ON Canada") as a qualifier.
func parseQualifier(s string) (qualifier, bool) {
	s = strings.ToLower(strings.TrimSpace(strings.Trim(s, ",.")))
	if s == "" {
		return qualifier{}, false
	}
	if c, ok := countryAliases[s]; ok {
		return qualifier{country: c}, true
	}
	if a, ok := regionAliases[s]; ok {
		return qualifier{admin: a}, true
	}
	if len(s) >= 2 && len(s) <= 3 && isLetters(s) {
		return qualifier{admin: strings.ToUpper(s)}, true
	}
	return qualifier{}, false
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}
