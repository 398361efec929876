package llm

import "github.com/pamtravel/pam/internal/testenv/race"

const raceEnabled = race.Enabled
