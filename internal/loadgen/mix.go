package loadgen

import (
	"fmt"
	"math/rand/v2"
)

// message is one kind of chat message with its weight in the mix.
type message struct {
	weight int
	text   func(r *rand.Rand) string
}

// defaultMix is a realistic RV traveller's day, weighted as the original
// PAM's traffic was reported: mostly logging money and fuel, asking about
// spending and the road ahead, some small talk.
var defaultMix = []message{
	{25, func(r *rand.Rand) string {
		items := []string{"groceries at Walmart", "a campsite in Moab", "propane", "laundry", "dinner in Flagstaff", "a dump station"}
		return fmt.Sprintf("I spent $%d.%02d on %s", 5+r.IntN(120), r.IntN(100), items[r.IntN(len(items))])
	}},
	{15, func(r *rand.Rand) string {
		return fmt.Sprintf("Filled up %d.%d gallons at $%d.%02d a gallon", 20+r.IntN(60), r.IntN(10), 3+r.IntN(2), r.IntN(100))
	}},
	{15, func(*rand.Rand) string { return "How much have I spent this month?" }},
	{10, func(*rand.Rand) string { return "Am I on budget for food?" }},
	{10, func(r *rand.Rand) string {
		places := []string{"Moab", "Zion National Park", "Flagstaff", "Santa Fe", "Yellowstone"}
		return "What's the weather in " + places[r.IntN(len(places))] + " this weekend?"
	}},
	{8, func(*rand.Rand) string { return "Find me an RV park near Sedona" }},
	{7, func(*rand.Rand) string { return "What's on my calendar this week?" }},
	{5, func(*rand.Rand) string { return "When is my next oil change due?" }},
	{5, func(*rand.Rand) string { return "Thanks PAM, you're a lifesaver!" }},
}

func pick(r *rand.Rand, mix []message) string {
	total := 0
	for _, m := range mix {
		total += m.weight
	}
	n := r.IntN(total)
	for _, m := range mix {
		if n < m.weight {
			return m.text(r)
		}
		n -= m.weight
	}
	return mix[0].text(r)
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed+1)) }
