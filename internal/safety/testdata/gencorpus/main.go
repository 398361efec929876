// Command gencorpus writes the safety detector's evaluation corpus:
// testdata/attacks.txt and testdata/benign.txt, one message per line (a
// literal \n inside a line stands for a line break). It is deterministic, so
// the files only change when the templates do.
//
// Run from the repository root: go run ./internal/safety/testdata/gencorpus
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	dir := filepath.Join("internal", "safety", "testdata")
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	write(filepath.Join(dir, "attacks.txt"), attacks())
	write(filepath.Join(dir, "benign.txt"), benign())
}

func write(path string, lines []string) {
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		l = strings.ReplaceAll(l, "\n", `\n`)
		if l != "" && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	sort.Strings(out)
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d lines\n", path, len(out))
}

var rng = rand.New(rand.NewPCG(46950, 0x9f41))

func pick(xs []string) string { return xs[rng.IntN(len(xs))] }

// cross fills each {} of tmpl in turn from the lists, every combination.
func cross(tmpl string, lists ...[]string) []string {
	out := []string{tmpl}
	for _, l := range lists {
		var next []string
		for _, o := range out {
			for _, v := range l {
				next = append(next, strings.Replace(o, "{}", v, 1))
			}
		}
		out = next
	}
	return out
}

// sample returns n distinct items of xs (all of them when fewer).
func sample(xs []string, n int) []string {
	if len(xs) <= n {
		return xs
	}
	idx := rng.Perm(len(xs))[:n]
	sort.Ints(idx)
	out := make([]string, n)
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}
