// Package safety is PAM's one safety pipeline, used by every transport
// (WebSocket, REST, SSE, long-poll) and by the agent: input validation and
// cleaning (CleanText, CheckContext), prompt-injection detection after
// normalization (Detector.Scan, Detector.ScanUntrusted for tool results and
// fetched text), per-user abuse tracking (Abuse), the response scan
// (CheckReply) and secret redaction (Redact, NewRedactingHandler).
package safety
