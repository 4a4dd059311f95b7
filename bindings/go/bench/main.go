// The Go binding's request benchmark: the same GET /eventsub/conduits as
// bench_c_requests ($TC_BENCH_C), against one tc-mock ($TC_MOCK) in one run,
// sequentially and with the same concurrency (goroutines). Prints the cost
// per request and the ratio to C.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	tc "twitchconduits"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go bench: "+format+"\n", args...)
	os.Exit(1)
}

func startMock() (string, *exec.Cmd) {
	cmd := exec.Command(os.Getenv("TC_MOCK"), "--port", "0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		fail("%v", err)
	}
	if err := cmd.Start(); err != nil {
		fail("start tc-mock ($TC_MOCK): %v", err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	url := regexp.MustCompile(`http://\S+`).FindString(line)
	if url == "" {
		fail("tc-mock said %q", line)
	}
	return url, cmd
}

// cBaseline runs bench_c_requests: sequential and concurrent us per request.
func cBaseline(url string, count, conc int) (float64, float64) {
	out, err := exec.Command(os.Getenv("TC_BENCH_C"), url+"/helix", url+"/oauth2",
		strconv.Itoa(count), strconv.Itoa(conc)).Output()
	if err != nil {
		fail("bench_c_requests ($TC_BENCH_C): %v: %s", err, out)
	}
	m := regexp.MustCompile(`sequential_us=([\d.]+) concurrent_us=([\d.]+) failures=0`).FindSubmatch(out)
	if m == nil {
		fail("bench_c_requests said %q", out)
	}
	seq, _ := strconv.ParseFloat(string(m[1]), 64)
	con, _ := strconv.ParseFloat(string(m[2]), 64)
	return seq, con
}

func main() {
	count := flag.Int("count", 2000, "requests per phase")
	conc := flag.Int("concurrency", 8, "requests in flight in the concurrent phase")
	flag.Parse()
	url, mock := startMock()
	defer func() { _ = mock.Process.Kill(); _ = mock.Wait() }()
	resp, err := http.Post(url+"/_mock/config", "application/json", bytes.NewReader([]byte(`{"ratelimit_limit":1000000}`)))
	if err != nil || resp.StatusCode != 200 {
		fail("mock config: %v", err)
	}
	resp.Body.Close()

	cSeq, cCon := cBaseline(url, *count, *conc)

	c, err := tc.NewClient(tc.Config{ClientID: "mockclientid0123456789abcdefghij",
		ClientSecret: "mocksecret0123456789abcdefghijk", APIBaseURL: url + "/helix",
		AuthBaseURL: url + "/oauth2", DisableRatePacing: true})
	if err != nil {
		fail("%v", err)
	}
	defer c.Close()
	ctx := context.Background()
	var failures int64
	get := func() {
		if _, err := c.Request(ctx, "GET", "/eventsub/conduits", nil, nil); err != nil {
			atomic.AddInt64(&failures, 1)
		}
	}
	for i := 0; i < *conc; i++ { // warm-up: the token and the connections
		get()
	}
	t0 := time.Now()
	for i := 0; i < *count; i++ {
		get()
	}
	goSeq := float64(time.Since(t0).Microseconds()) / float64(*count)

	t0 = time.Now()
	var next int64
	var wg sync.WaitGroup
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for atomic.AddInt64(&next, 1) <= int64(*count) {
				get()
			}
		}()
	}
	wg.Wait()
	goCon := float64(time.Since(t0).Microseconds()) / float64(*count)

	fmt.Printf("requests=%d concurrency=%d (GET /eventsub/conduits against tc-mock)\n", *count, *conc)
	fmt.Printf("%-4s sequential_us=%8.2f concurrent_us=%8.2f\n", "C", cSeq, cCon)
	fmt.Printf("%-4s sequential_us=%8.2f concurrent_us=%8.2f failures=%d\n", "Go", goSeq, goCon, failures)
	fmt.Printf("go/c sequential_ratio=%.2f concurrent_ratio=%.2f overhead_seq_us=%.2f overhead_conc_us=%.2f\n",
		goSeq/cSeq, goCon/cCon, goSeq-cSeq, goCon-cCon)
	if failures != 0 {
		os.Exit(1)
	}
}
