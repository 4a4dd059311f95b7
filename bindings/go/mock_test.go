package twitchconduits

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"
)

// The tests share one real tc-mock process (path in $TC_MOCK), reset
// before each test.

const (
	mockClientID = "mockclientid0123456789abcdefghij"
	mockSecret   = "mocksecret0123456789abcdefghijk"
)

var mockURL string

func TestMain(m *testing.M) {
	path := os.Getenv("TC_MOCK")
	if path == "" {
		fmt.Println("TC_MOCK is not set: no mock server, skipping the tests")
		os.Exit(0)
	}
	cmd := exec.Command(path, "--port", "0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		panic(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	mockURL = regexp.MustCompile(`http://\S+`).FindString(line)
	go func() { _, _ = io.Copy(io.Discard, out) }()
	code := 1
	if mockURL != "" {
		code = m.Run()
	} else {
		fmt.Fprintf(os.Stderr, "tc-mock said %q\n", line)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	os.Exit(code)
}

// mock POSTs a control request and decodes the JSON answer into a map.
func mock(t *testing.T, path string, body interface{}) (int, map[string]interface{}) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(mockURL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("mock %s: %v", path, err)
	}
	defer resp.Body.Close()
	var m map[string]interface{}
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func resetMock(t *testing.T) {
	t.Helper()
	mock(t, "/_mock/reset", map[string]interface{}{})
	if st, m := mock(t, "/_mock/config", map[string]interface{}{"latency_ms": 0, "fail_rate": 0,
		"allow_http_callbacks": true}); st != 200 {
		t.Fatalf("mock config: %d %v", st, m)
	}
}

func testConfig() Config {
	return Config{ClientID: mockClientID, ClientSecret: mockSecret, APIBaseURL: mockURL + "/helix",
		AuthBaseURL: mockURL + "/oauth2", AllowHTTPCallbacks: true, MaxAttempts: 1}
}

// newTestClient resets the mock and returns a client closed at the end.
func newTestClient(t *testing.T) *Client {
	t.Helper()
	resetMock(t)
	c, err := NewClient(testConfig())
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
