package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestExampleWorkflow runs the example against a fresh tc-mock ($TC_MOCK).
func TestExampleWorkflow(t *testing.T) {
	path := os.Getenv("TC_MOCK")
	if path == "" {
		t.Skip("TC_MOCK is not set")
	}
	cmd := exec.Command(path, "--port", "0", "--allow-http-callbacks")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, _ := bufio.NewReader(out).ReadString('\n')
	base := regexp.MustCompile(`http://\S+`).FindString(line)
	if base == "" {
		t.Fatalf("tc-mock said %q", line)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var buf bytes.Buffer
	if err := run(ctx, base, &buf); err != nil {
		t.Fatalf("run: %v\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), "created: 2") {
		t.Errorf("output:\n%s", buf.String())
	}
}

// TestExampleWorkflowSaysWhy: a mock that refuses http callbacks makes the
// shard update fail; the error (what main prints before exiting 1) names the
// shard and the reason.
func TestExampleWorkflowSaysWhy(t *testing.T) {
	path := os.Getenv("TC_MOCK")
	if path == "" {
		t.Skip("TC_MOCK is not set")
	}
	cmd := exec.Command(path, "--port", "0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, _ := bufio.NewReader(out).ReadString('\n')
	base := regexp.MustCompile(`http://\S+`).FindString(line)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var buf bytes.Buffer
	err = run(ctx, base, &buf)
	if err == nil || !regexp.MustCompile(`(?i)update shards: .*shard 0: .*http`).MatchString(err.Error()) {
		t.Fatalf("run: %v\n%s", err, buf.String())
	}
}
