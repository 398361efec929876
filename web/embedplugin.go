package web

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// embedPlugin lets esbuild read the sources from an fs.FS instead of the disk, so the
// bundle is built from exactly what the binary embeds. It resolves entry points and
// relative imports (with or without the .ts extension); anything else is an error,
// since the page has no third-party dependencies.
func embedPlugin(fsys fs.FS) api.Plugin {
	return api.Plugin{
		Name: "pam-embed",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				p := a.Path
				if a.Kind != api.ResolveEntryPoint {
					if !strings.HasPrefix(p, "./") && !strings.HasPrefix(p, "../") {
						return api.OnResolveResult{}, fmt.Errorf("import %q: only relative imports are bundled", p)
					}
					p = path.Join(path.Dir(a.Importer), p)
				}
				p = path.Clean(p)
				for _, cand := range []string{p, p + ".ts"} {
					if st, err := fs.Stat(fsys, cand); err == nil && !st.IsDir() {
						return api.OnResolveResult{Path: cand, Namespace: embedNamespace}, nil
					}
				}
				return api.OnResolveResult{}, fmt.Errorf("import %q: no such source file", a.Path)
			})
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: embedNamespace}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
				data, err := fs.ReadFile(fsys, a.Path)
				if err != nil {
					return api.OnLoadResult{}, fmt.Errorf("load %s: %w", a.Path, err)
				}
				contents := string(data)
				loader := api.LoaderTS
				if strings.HasSuffix(a.Path, ".css") {
					loader = api.LoaderCSS
				}
				return api.OnLoadResult{Contents: &contents, Loader: loader, ResolveDir: path.Dir(a.Path)}, nil
			})
		},
	}
}
