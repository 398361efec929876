package app

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/pamtravel/pam/internal/config"
)

// The deployment notes and manifests must name only settings PAM reads.
func TestDeployDocsMatchConfiguration(t *testing.T) {
	files := []string{"../../docs/deploy.md", "../../docs/benchmarks.md", "../../deploy/Dockerfile"}
	more, _ := filepath.Glob("../../deploy/k8s/*.yaml")
	files = append(files, more...)
	name := regexp.MustCompile(`\bPAM_[A-Z0-9_]+\b`)
	unknown := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		for _, v := range name.FindAllString(string(b), -1) {
			if !config.Known(v) && v != "PAM_CHAOS_STRICT" {
				unknown[v] = append(unknown[v], filepath.Base(f))
			}
		}
	}
	if len(unknown) > 0 {
		var names []string
		for k := range unknown {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, n := range names {
			t.Errorf("%s (in %v) is not a PAM setting", n, unknown[n])
		}
	}
}
