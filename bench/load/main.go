// Command load is the API's load generator: a process of its own that adds
// customers to a running Callsheet over HTTP, one at a time or in batches,
// and reports what its clients saw: adds a second and latency percentiles.
//
// Closed loop (-clients N, -rate 0): N clients each send their next request
// as soon as the last is answered, which measures throughput. Open loop
// (-rate R): requests are due R times a second whatever the server does,
// and a request's latency counts from when it was due, so a server that
// falls behind is seen falling behind (no coordinated omission); -clients
// then caps the requests in flight.
//
//	go run ./bench/load -url http://127.0.0.1:8080 -token T -campaign 1 -clients 16 -duration 20s
//	go run ./bench/load ... -rate 500 -duration 20s
//	go run ./bench/load ... -batch 1000 -clients 4
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "Callsheet's address")
	token := flag.String("token", os.Getenv("CALLSHEET_TOKEN"), "API token")
	campaign := flag.Int64("campaign", 0, "campaign id")
	clients := flag.Int("clients", 16, "clients (closed loop), or the most requests in flight (open loop)")
	rate := flag.Float64("rate", 0, "requests a second (open loop); 0 for a closed loop")
	duration := flag.Duration("duration", 20*time.Second, "how long to send")
	batch := flag.Int("batch", 0, "customers per request to /api/customers/batch; 0 for single adds")
	first := flag.Int("first", 0, "the first phone's number (0 to 7,999,999): runs that must not collide take different ranges")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()
	if *token == "" || *campaign == 0 {
		log.Fatal("load: -token and -campaign are required")
	}
	if *duration > 10*time.Minute {
		log.Fatal("load: -duration is at most 10m")
	}

	var next atomic.Int64
	next.Store(int64(*first))
	// Israeli mobile numbers 052-2xx-xxxx to 052-9xx-xxxx are valid in
	// the numbering plan: eight million of them.
	phone := func() string {
		n := 2000000 + next.Add(1) - 1
		return fmt.Sprintf("052-%03d-%04d", n/10000, n%10000)
	}
	body := func() (string, []byte) {
		if *batch == 0 {
			b, _ := json.Marshal(map[string]any{"campaign_id": *campaign, "customer": map[string]string{"name": "Load Test", "phone": phone()}})
			return "/api/customers", b
		}
		items := make([]map[string]string, *batch)
		for i := range items {
			items[i] = map[string]string{"name": "Load Test", "phone": phone()}
		}
		b, _ := json.Marshal(map[string]any{"campaign_id": *campaign, "customers": items})
		return "/api/customers/batch", b
	}

	const giveUp = 30 * time.Second
	client := &http.Client{Timeout: giveUp, Transport: &http.Transport{MaxIdleConnsPerHost: *clients * 2}}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		statuses  = map[int]int{}
		failures  int
	)
	abandoned := 0
	send := func(due time.Time) {
		if time.Since(due) > giveUp {
			// A client that has waited this long for its turn has gone.
			mu.Lock()
			abandoned++
			mu.Unlock()
			return
		}
		path, b := body()
		req, _ := http.NewRequest(http.MethodPost, *base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+*token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		status := 0
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
		}
		d := time.Since(due)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failures++
			return
		}
		statuses[status]++
		if status < 300 {
			latencies = append(latencies, d)
		}
	}

	start := time.Now()
	end := start.Add(*duration)
	var wg sync.WaitGroup
	late := 0
	if *rate <= 0 {
		for range *clients {
			wg.Go(func() {
				for time.Now().Before(end) {
					send(time.Now())
				}
			})
		}
	} else {
		slots := make(chan struct{}, *clients)
		interval := time.Duration(float64(time.Second) / *rate)
		for due := start; due.Before(end); due = due.Add(interval) {
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
			select {
			case slots <- struct{}{}:
			default:
				late++ // every client busy: this request waits, and its wait counts
				slots <- struct{}{}
			}
			wg.Go(func() {
				defer func() { <-slots }()
				send(due)
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)

	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	per := max(*batch, 1)
	res := map[string]any{
		"mode": map[bool]string{true: "single", false: fmt.Sprintf("batch of %d", *batch)}[*batch == 0], "clients": *clients, "rate": *rate,
		"seconds": elapsed.Seconds(), "requests_ok": len(latencies), "statuses": statuses, "transport_errors": failures, "waited_for_a_client": late, "abandoned": abandoned,
		"customers_per_second": float64(len(latencies)*per) / elapsed.Seconds(),
		"p50_ms":               ms(pct(0.50)), "p90_ms": ms(pct(0.90)), "p99_ms": ms(pct(0.99)), "max_ms": ms(pct(1)),
	}
	if *jsonOut {
		json.NewEncoder(os.Stdout).Encode(res)
		return
	}
	fmt.Printf("%-14s clients %-3d rate %-5.0f  %8.0f customers/s  p50 %7.1f ms  p90 %7.1f ms  p99 %7.1f ms  max %7.1f ms  statuses %v  errors %d  abandoned %d\n",
		res["mode"], *clients, *rate, res["customers_per_second"], res["p50_ms"], res["p90_ms"], res["p99_ms"], res["max_ms"], statuses, failures, abandoned)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
