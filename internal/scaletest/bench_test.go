package scaletest

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/testenv"
)

// BenchmarkClusterTurn measures REST chat turns over HTTP through the rules
// brain on two instances sharing PostgreSQL and Redis, requests spread round
// robin over the instances and 16 users; BenchmarkSingleSQLiteTurn is the same
// load on one instance on SQLite, for comparison. Both report turns/s and
// p50/p95/p99 latency.
//
//	go test -run '^$' -bench 'Turn$' -benchtime 2000x ./internal/scaletest
func BenchmarkClusterTurn(b *testing.B) {
	rs := testenv.StartRedis(b)
	db := testenv.Postgres(b)
	env := map[string]string{"PAM_DATABASE_URL": db, "PAM_REDIS_URL": rs.URL(), "PAM_INSTANCES": "2",
		"PAM_JWT_SECRET": "bench-secret-0123456789abcdefghijklmnop", "PAM_LOG_LEVEL": "error", "PAM_LIMIT_USER_PER_MIN": "100000000"}
	nodes := []*apptest.Server{apptest.Start(b, env), apptest.Start(b, env)}
	runTurns(b, nodes)
}

// BenchmarkSingleSQLiteTurn is BenchmarkClusterTurn's load on one SQLite instance.
func BenchmarkSingleSQLiteTurn(b *testing.B) {
	env := map[string]string{"PAM_LOG_LEVEL": "error", "PAM_LIMIT_USER_PER_MIN": "100000000"}
	runTurns(b, []*apptest.Server{apptest.Start(b, env)})
}

func runTurns(b *testing.B, nodes []*apptest.Server) {
	const users = 16
	tokens := make([]string, users)
	for i := range tokens {
		tokens[i] = nodes[i%len(nodes)].Register(b).AccessToken
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var n atomic.Int64
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	b.SetParallelism(2) // 2 × GOMAXPROCS clients
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 256)
		for pb.Next() {
			i := n.Add(1)
			node := nodes[int(i)%len(nodes)]
			body := fmt.Sprintf(`{"message":"I spent $%d.25 on groceries at Walmart","client_message_id":"b%d"}`, i%500+1, i)
			req, _ := http.NewRequest("POST", node.URL+"/api/v1/chat", bytes.NewBufferString(body))
			req.Header.Set("Authorization", "Bearer "+tokens[int(i)%users])
			req.Header.Set("Content-Type", "application/json")
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			local = append(local, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("turn: %d", resp.StatusCode)
				return
			}
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "turns/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
