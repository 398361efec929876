// Package audit owns PAM's append-only, hash-chained audit log: every tool
// call, security event, admin action and money movement becomes one row whose
// hash covers all its fields and the previous row's hash, so a changed,
// removed or reordered row is detected by Verify. It also raises alerts on
// suspicious patterns (bursts of failed logins, spending spikes).
package audit
