// Package e2e drives the chat page of the real PAM server (started in-process by
// internal/apptest with the offline rules brain) in chromium: what a traveller does,
// end to end. It lives apart from package browsertest so the page's own browser tests
// run even while the server does not build.
package e2e
