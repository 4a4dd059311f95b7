// The Go binding's request benchmark: the same GET /eventsub/conduits as
// bench_c_requests ($TC_BENCH_C), against one tc-mock ($TC_MOCK) in one run,
// sequentially and with the same concurrency (goroutines). Prints the cost
// per request, the ratio to C and whether it meets the target (a miss is
// printed as NOT MET; it does not fail the run).
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	tc "twitchconduits"
)

// maxRatio is issue 11's target for the cost of a call through the binding.
const maxRatio = 1.15

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

// goPhases runs count requests one at a time, then count with conc in
// flight: wall microseconds per request of each.
func goPhases(get func(), count, conc int) (float64, float64) {
	t0 := time.Now()
	for i := 0; i < count; i++ {
		get()
	}
	seq := float64(time.Since(t0).Microseconds()) / float64(count)

	t0 = time.Now()
	var next int64
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for atomic.AddInt64(&next, 1) <= int64(count) {
				get()
			}
		}()
	}
	wg.Wait()
	return seq, float64(time.Since(t0).Microseconds()) / float64(count)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func main() {
	count := flag.Int("count", 2000, "requests per phase, over all rounds")
	conc := flag.Int("concurrency", 8, "requests in flight in the concurrent phase")
	rounds := flag.Int("rounds", 5, "C and Go take turns this many times; the ratios are the rounds' medians")
	flag.Parse()
	if *rounds < 1 || *count < *rounds {
		fail("need rounds >= 1 and count >= rounds")
	}
	per := *count / *rounds
	url, mock := startMock()
	defer func() { _ = mock.Process.Kill(); _ = mock.Wait() }()
	resp, err := http.Post(url+"/_mock/config", "application/json", bytes.NewReader([]byte(`{"ratelimit_limit":1000000}`)))
	if err != nil || resp.StatusCode != 200 {
		fail("mock config: %v", err)
	}
	resp.Body.Close()

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

	// The machine's load changes from second to second: C and Go take
	// turns, and each round gives its own ratios.
	var cSeq, cCon, goSeq, goCon, seqRatio, conRatio []float64
	for r := 0; r < *rounds; r++ {
		cs, cc := cBaseline(url, per, *conc)
		gs, gc := goPhases(get, per, *conc)
		cSeq, cCon, goSeq, goCon = append(cSeq, cs), append(cCon, cc), append(goSeq, gs), append(goCon, gc)
		seqRatio, conRatio = append(seqRatio, gs/cs), append(conRatio, gc/cc)
	}

	fmt.Printf("requests=%d concurrency=%d rounds=%d (GET /eventsub/conduits against tc-mock; medians)\n",
		per**rounds, *conc, *rounds)
	fmt.Printf("%-4s sequential_us=%8.2f concurrent_us=%8.2f\n", "C", median(cSeq), median(cCon))
	fmt.Printf("%-4s sequential_us=%8.2f concurrent_us=%8.2f failures=%d\n", "Go", median(goSeq), median(goCon), failures)
	sr, cr := median(seqRatio), median(conRatio)
	fmt.Printf("go/c sequential_ratio=%.2f concurrent_ratio=%.2f overhead_seq_us=%.2f overhead_conc_us=%.2f\n",
		sr, cr, median(goSeq)-median(cSeq), median(goCon)-median(cCon))
	// Truncated to the two decimals shown, so the verdict matches the text.
	worst := math.Max(math.Floor(sr*100)/100, math.Floor(cr*100)/100)
	verdict := ""
	if worst > maxRatio {
		verdict = ", NOT MET"
	}
	fmt.Printf("go-requests: Go/C per call %.2f, the larger of both phases (target <= %.2f%s)\n", worst, maxRatio, verdict)
	if failures != 0 {
		os.Exit(1)
	}
}
