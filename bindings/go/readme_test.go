package twitchconduits

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeBlocks returns README.md's fenced code blocks of language lang.
func readmeBlocks(t *testing.T, lang string) []string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur []string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case !in && line == "```"+lang:
			in, cur = true, nil
		case in && line == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	if in {
		t.Fatal("README.md: a code block is not closed")
	}
	return blocks
}

// trimmedLines drops each line's indentation (README blocks indent with
// spaces, gofmt-ed files with tabs); nothing else may differ.
func trimmedLines(s string) []string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return lines
}

func containsRun(hay, needle []string) bool {
	for i := 0; i+len(needle) <= len(hay); i++ {
		match := true
		for j := range needle {
			if hay[i+j] != needle[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// TestReadmeGoBlocksAreCompiledCode: every Go block of README.md is, line for
// line, part of a Go file of this module that is built and run (an example
// program or a testable example), so the README cannot show code that does
// not compile. The shell blocks are run by scripts/package-go.sh.
func TestReadmeGoBlocksAreCompiledCode(t *testing.T) {
	var files [][]string
	var names []string
	err := filepath.Walk(".", func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && path == filepath.Join("internal", "tcswig") {
			return filepath.SkipDir
		}
		if !info.IsDir() && strings.HasSuffix(path, ".go") && path != "readme_test.go" {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files, names = append(files, trimmedLines(string(b))), append(names, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(t, "go")
	if len(blocks) == 0 {
		t.Fatal("README.md has no Go block")
	}
	for i, block := range blocks {
		want := trimmedLines(block)
		found := ""
		for k, f := range files {
			if containsRun(f, want) {
				found = names[k]
				break
			}
		}
		if found == "" {
			t.Errorf("README.md's Go block %d is in no Go file of the module:\n%s", i+1, block)
		} else {
			t.Logf("Go block %d is in %s", i+1, found)
		}
	}
}
