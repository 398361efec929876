// Package authztest is PAM's cross-user authorization sweep (issue 6): it
// starts the real server, creates a traveller's data through the API and the
// chat, then tries every route, every tool and forged tokens as a second
// traveller, as a plain user on admin surfaces and with no token at all. It
// holds tests only; the route table next to them must cover routes.go.
package authztest
