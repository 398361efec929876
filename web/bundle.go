package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Asset is one file of the built page.
type Asset struct {
	Name        string // URL path, e.g. "/app.js"
	ContentType string
	Body        []byte
	Gzip        []byte // Body gzip-compressed, nil when compression does not pay
	ETag        string // strong, quoted
}

// Bundle is the built page: index.html, app.js, app.css and their source maps.
type Bundle struct {
	assets map[string]*Asset
}

// Asset returns the asset served at name ("/app.js"), or nil.
func (b *Bundle) Asset(name string) *Asset { return b.assets[name] }

const embedNamespace = "pam-embed"

// Build bundles the embedded TypeScript and CSS with esbuild (minified, with linked
// source maps) and stamps index.html with the bundle versions for cache busting.
func Build() (*Bundle, error) { return build(sources) }

func build(fsys fs.FS) (*Bundle, error) {
	res := api.Build(api.BuildOptions{
		EntryPointsAdvanced: []api.EntryPoint{
			{InputPath: "src/main.ts", OutputPath: "app"},
			{InputPath: "src/app.css", OutputPath: "app"},
		},
		Bundle:            true,
		Write:             false,
		Outdir:            "/pam-web-out",
		Format:            api.FormatESModule,
		Target:            api.ES2020,
		Platform:          api.PlatformBrowser,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		Sourcemap:         api.SourceMapLinked,
		LegalComments:     api.LegalCommentsNone,
		LogLevel:          api.LogLevelSilent,
		Plugins:           []api.Plugin{embedPlugin(fsys)},
	})
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("web: bundle: %w", buildErrors(res.Errors))
	}
	b := &Bundle{assets: map[string]*Asset{}}
	for _, f := range res.OutputFiles {
		name := "/" + filepath.Base(f.Path)
		b.add(name, f.Contents)
	}
	for _, want := range []string{"/app.js", "/app.css"} {
		if b.assets[want] == nil {
			return nil, fmt.Errorf("web: bundle produced no %s", want)
		}
	}
	page, err := fs.ReadFile(fsys, "static/index.html")
	if err != nil {
		return nil, fmt.Errorf("web: read index.html: %w", err)
	}
	page, err = stampVersions(page, b.assets["/app.js"], b.assets["/app.css"])
	if err != nil {
		return nil, err
	}
	b.add("/index.html", page)
	icon, err := fs.ReadFile(fsys, "static/favicon.svg")
	if err != nil {
		return nil, fmt.Errorf("web: read favicon.svg: %w", err)
	}
	b.add("/favicon.svg", icon)
	return b, nil
}

// stampVersions makes index.html load app.js and app.css with ?v=<hash>, so browsers may
// cache those forever while index.html itself is always revalidated.
func stampVersions(page []byte, js, css *Asset) ([]byte, error) {
	for _, r := range []struct{ old, ver string }{
		{`src="/app.js"`, js.ETag}, {`href="/app.css"`, css.ETag},
	} {
		if !bytes.Contains(page, []byte(r.old)) {
			return nil, fmt.Errorf("web: index.html does not reference %s", r.old)
		}
		stamped := strings.TrimSuffix(r.old, `"`) + "?v=" + version(r.ver) + `"`
		page = bytes.Replace(page, []byte(r.old), []byte(stamped), 1)
	}
	return page, nil
}

// version is the ETag without quotes: a URL-safe content hash.
func version(etag string) string { return strings.Trim(etag, `"`) }

func (b *Bundle) add(name string, body []byte) {
	sum := sha256.Sum256(body)
	a := &Asset{
		Name:        name,
		ContentType: contentType(name),
		Body:        body,
		ETag:        `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
	}
	if z := gzipped(body); len(z) < len(body)*9/10 {
		a.Gzip = z
	}
	b.assets[name] = a
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".map":
		return "application/json"
	default:
		return "application/octet-stream"
	}
}

func gzipped(body []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(body); err != nil {
		return nil
	}
	if err := zw.Close(); err != nil {
		return nil
	}
	return buf.Bytes()
}

func buildErrors(msgs []api.Message) error {
	errs := make([]error, 0, len(msgs))
	for _, m := range msgs {
		if m.Location != nil {
			errs = append(errs, fmt.Errorf("%s:%d:%d: %s", m.Location.File, m.Location.Line, m.Location.Column, m.Text))
		} else {
			errs = append(errs, errors.New(m.Text))
		}
	}
	return errors.Join(errs...)
}
