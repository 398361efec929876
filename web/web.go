// Package web owns PAM's chat page: the TypeScript sources under src/, the HTML shell
// under static/, and the Go code that bundles them with esbuild's Go API at start-up
// (no Node needed) and serves the result with caching and a strict Content-Security-Policy.
package web

import "embed"

// sources holds the page's TypeScript, CSS and HTML, bundled by Build.
//
//go:embed src static
var sources embed.FS
