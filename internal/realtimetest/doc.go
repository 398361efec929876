// Package realtimetest holds the end-to-end tests of PAM's real-time
// delivery: the real server (apptest) driven over WebSocket, long-poll and
// pamclient, with the rules brain answering.
package realtimetest
