package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startMock starts a fresh tc-mock ($TC_MOCK) for one test; its URL.
func startMock(t *testing.T) string {
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
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	base := regexp.MustCompile(`http://\S+`).FindString(line)
	if base == "" {
		t.Fatalf("tc-mock said %q", line)
	}
	return base
}

// TestExampleSubscribeUser runs the example's flow against a fresh tc-mock.
func TestExampleSubscribeUser(t *testing.T) {
	base := startMock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var buf bytes.Buffer
	if err := run(ctx, base, &buf); err != nil {
		t.Fatalf("run: %v\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), "the view holds 4 subscription(s) of user 1337") ||
		strings.Count(buf.String(), "created") != 4 {
		t.Errorf("output:\n%s", buf.String())
	}
}

// TestExampleFailsLoudly runs main (this test binary, re-executed) against a
// port nothing listens on: it must exit 1 and say why.
func TestExampleFailsLoudly(t *testing.T) {
	if os.Getenv("TC_EXAMPLE_MAIN") == "1" {
		os.Args = []string{"subscribe_user", "-mock", os.Getenv("TC_EXAMPLE_URL")}
		main()
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestExampleFailsLoudly$")
	cmd.Env = append(os.Environ(), "TC_EXAMPLE_MAIN=1", "TC_EXAMPLE_URL="+closed)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, stderr %q", err, stderr.String())
	}
	if !regexp.MustCompile(`(?i)subscribe_user: .*ENETWORK.*(connect|refused)`).MatchString(stderr.String()) {
		t.Errorf("stderr does not say why: %q", stderr.String())
	}
}
