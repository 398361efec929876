// Package compat owns the original Wheels & Wins PAM protocol as spoken under
// /api/v1/pam: its WebSocket frames and REST shapes and their mapping to PAM's
// native protocol, its error codes and close codes, the per-connection client
// context (init / context_update), and the session_id+text window that gives
// a re-sent chat the durable id of the first one so it runs — and is charged
// — once. It holds no transport; internal/httpapi serves it on the same
// engine (delivery) as the native protocol.
package compat
