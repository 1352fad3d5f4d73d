package main

import (
	"bufio"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/daemon"
)

// Marks in the Markdown pages of docs/, on the line before a fenced
// code block: the block is a complete definition that altod --check
// accepts, or a file that such a definition reads, written under NAME.
const (
	definitionMark = "<!-- definition: "
	fileMark       = "<!-- file: "
)

// docBlocks returns the marked code blocks of a Markdown page by the
// file name of their mark, and the names of the definitions.
func docBlocks(t *testing.T, page string) (map[string]string, []string) {
	t.Helper()
	f, err := os.Open(page)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	blocks := map[string]string{}
	var definitions []string
	name, inBlock := "", false
	var body strings.Builder
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := scanner.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case inBlock && strings.HasPrefix(trimmed, "```"):
			blocks[name] = body.String()
			name, inBlock = "", false
		case inBlock:
			body.WriteString(line + "\n")
		case name != "" && strings.HasPrefix(trimmed, "```"):
			inBlock = true
			body.Reset()
		case strings.HasPrefix(trimmed, definitionMark):
			name = strings.TrimSuffix(strings.TrimPrefix(trimmed, definitionMark), " -->")
			definitions = append(definitions, name)
		case strings.HasPrefix(trimmed, fileMark):
			name = strings.TrimSuffix(strings.TrimPrefix(trimmed, fileMark), " -->")
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks, definitions
}

func TestDocsDefinitionsCheck(t *testing.T) {
	pages, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, page := range pages {
		blocks, definitions := docBlocks(t, page)
		if len(definitions) == 0 {
			continue
		}
		dir := t.TempDir()
		for name, body := range blocks {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range definitions {
			checked++
			t.Run(filepath.Base(page)+"/"+name, func(t *testing.T) {
				// No sources: the check of an example reads no
				// measurements from Prometheus.
				_, err := daemon.BuildWith(filepath.Join(dir, name), nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
				if err != nil {
					t.Errorf("the example definition of %s fails altod --check: %v", page, err)
				}
			})
		}
	}
	if checked < 4 {
		t.Errorf("%d marked example definitions in docs/, want at least 4", checked)
	}
}
