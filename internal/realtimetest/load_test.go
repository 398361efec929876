package realtimetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pamtravel/pam/protocol"
)

// The load benchmarks run PAM as its own process (built from cmd/pam) so
// that its memory can be read from /proc without the clients in it:
//
//	PAM_LOAD_CONNS=10000 go test -run '^$' -bench IdleConnections -benchtime 1x ./internal/realtimetest/
//	PAM_LOAD_USERS=500   go test -run '^$' -bench ChatLatency -benchtime 1x ./internal/realtimetest/

type serverProcess struct {
	url, addr string
	cmd       *exec.Cmd
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}

func raiseFileLimit(b *testing.B) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			b.Logf("raise open-file limit: %v", err)
		}
	}
}

func startProcess(b *testing.B, extraEnv ...string) *serverProcess {
	b.Helper()
	raiseFileLimit(b)
	dir := b.TempDir()
	bin := filepath.Join(dir, "pam")
	build := exec.Command("go", "build", "-o", bin, "github.com/pamtravel/pam/cmd/pam")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build pam: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "PAM_ADDR="+addr, "PAM_DATA_DIR="+filepath.Join(dir, "data"), "PAM_MODEL=rules",
		"PAM_OFFLINE=true", "PAM_LOG_LEVEL=error", "PAM_LIMIT_USER_PER_MIN=100000000", "PAM_QUEUE_DEPTH=20000")
	cmd.Env = append(cmd.Env, extraEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &serverProcess{url: "http://" + addr, addr: addr, cmd: cmd}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	for range 400 {
		if r, err := http.Get(p.url + "/healthz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("PAM did not start: %s", stderr.String())
	return nil
}

// rssKB reads the server's resident memory.
func (p *serverProcess) rssKB(b *testing.B) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

// goMemory is allocated heap + goroutine stacks, from /metrics (0 if absent).
func (p *serverProcess) goMemory() int64 {
	r, err := http.Get(p.url + "/metrics")
	if err != nil {
		return 0
	}
	defer r.Body.Close()
	var total float64
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, name := range []string{"go_memstats_heap_alloc_bytes ", "go_memstats_stack_inuse_bytes "} {
			if v, ok := strings.CutPrefix(line, name); ok {
				f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
				total += f
			}
		}
	}
	return int64(total)
}

func (p *serverProcess) register(b *testing.B, n int) []string {
	tokens := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	stamp := time.Now().UnixNano()
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			body, _ := json.Marshal(map[string]string{"email": fmt.Sprintf("load%d-%d@example.com", i, stamp), "password": "correct horse battery"})
			r, err := http.Post(p.url+"/api/v1/auth/register", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			defer r.Body.Close()
			var out struct {
				AccessToken string `json:"access_token"`
			}
			if err := json.NewDecoder(r.Body).Decode(&out); err != nil || r.StatusCode != http.StatusCreated {
				b.Errorf("register: %d %v", r.StatusCode, err)
				return
			}
			tokens[i] = out.AccessToken
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return tokens
}

// open connects and says hello; the connection then only answers pings.
func (p *serverProcess) open(ctx context.Context, token string) (*websocket.Conn, error) {
	c, _, err := websocket.Dial(ctx, "ws://"+p.addr+"/api/v1/ws", &websocket.DialOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil, err
	}
	hello, _ := json.Marshal(protocol.ClientFrame{Type: protocol.TypeHello, Token: token})
	if err := c.Write(ctx, websocket.MessageText, hello); err != nil {
		return nil, err
	}
	if _, b, err := c.Read(ctx); err != nil || !bytes.Contains(b, []byte(`"welcome"`)) {
		return nil, fmt.Errorf("welcome: %s %v", b, err)
	}
	return c, nil
}

// BenchmarkIdleConnections measures the server's memory per idle,
// authenticated WebSocket: PAM runs in this process (so a forced GC gives
// exact live-heap figures) and the clients run in a child process (this test
// binary re-executed as TestLoadClients), so their memory is not counted.
func BenchmarkIdleConnections(b *testing.B) {
	n := envInt("PAM_LOAD_CONNS", 2000)
	raiseFileLimit(b)
	srv := start(b, map[string]string{"PAM_LIMIT_USER_PER_MIN": "100000000", "PAM_LOG_LEVEL": "error"})
	var tokens []string
	for range min(n, 20) {
		tokens = append(tokens, srv.Register(b).AccessToken)
	}
	tokenFile := filepath.Join(b.TempDir(), "tokens")
	if err := os.WriteFile(tokenFile, []byte(strings.Join(tokens, "\n")), 0o600); err != nil {
		b.Fatal(err)
	}
	clients := func(conns int) (stop func()) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLoadClients$", "-test.v")
		cmd.Env = append(os.Environ(), "PAM_LOAD_HELPER=1", "PAM_LOAD_URL="+srv.URL, "PAM_LOAD_TOKENS="+tokenFile, fmt.Sprint("PAM_LOAD_CONNS=", conns))
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line := sc.Text(); line == "READY" {
				break
			} else if strings.HasPrefix(line, "FAIL") || strings.Contains(line, "Error") {
				b.Fatalf("load clients: %s", line)
			}
		}
		return func() { stdin.Close(); _ = cmd.Wait() }
	}
	live := func() (heapStack uint64, rssKB int64) {
		time.Sleep(2 * time.Second)
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.Logf("heap %.1f MB, stacks %.1f MB, goroutines %d", float64(ms.HeapAlloc)/1e6, float64(ms.StackInuse)/1e6, runtime.NumGoroutine())
		return ms.HeapAlloc + ms.StackInuse, selfRSSKB()
	}
	clients(50)() // warm-up: pools and first-use allocations
	mem0, rss0 := live()
	b.ResetTimer()
	began := time.Now()
	stop := clients(n)
	opened := time.Since(began)
	b.StopTimer()
	mem1, rss1 := live()
	if path := os.Getenv("PAM_LOAD_HEAPPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	perConn := (float64(mem1) - float64(mem0)) / float64(n)
	perConnRSS := float64(rss1-rss0) * 1024 / float64(n)
	b.ReportMetric(perConn, "live-bytes/conn")
	b.ReportMetric(perConnRSS, "rss-bytes/conn")
	b.Logf("%d idle connections: live heap+stacks %.1f → %.1f MB = %.1f KB/conn; RSS %d → %d KiB = %.1f KB/conn; opened in %v",
		n, float64(mem0)/1e6, float64(mem1)/1e6, perConn/1024, rss0, rss1, perConnRSS/1024, opened)
	stop()
}

func selfRSSKB() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

// TestLoadClients is the client side of BenchmarkIdleConnections, run in a
// child process: it opens the connections, says READY, and holds them until
// its stdin closes.
func TestLoadClients(t *testing.T) {
	if os.Getenv("PAM_LOAD_HELPER") != "1" {
		t.Skip("helper process for BenchmarkIdleConnections")
	}
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	raw, err := os.ReadFile(os.Getenv("PAM_LOAD_TOKENS"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := strings.Split(string(raw), "\n")
	p := &serverProcess{addr: strings.TrimPrefix(os.Getenv("PAM_LOAD_URL"), "http://")}
	n := envInt("PAM_LOAD_CONNS", 10)
	ctx := context.Background()
	conns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := p.open(ctx, tokens[i%len(tokens)])
			if err != nil {
				t.Errorf("connection %d: %v", i, err)
				return
			}
			c.CloseRead(ctx) // answers the server's pings
			conns[i] = c
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	fmt.Println("READY")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		_ = c.CloseNow()
	}
}

func BenchmarkChatLatency(b *testing.B) {
	users := envInt("PAM_LOAD_USERS", 200)
	rounds := envInt("PAM_LOAD_ROUNDS", 3)
	p := startProcess(b)
	tokens := p.register(b, users)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	conns := make([]*websocket.Conn, users)
	for i, tok := range tokens {
		c, err := p.open(ctx, tok)
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = c
	}
	var mu sync.Mutex
	var lat []time.Duration
	var errs int
	b.ResetTimer()
	began := time.Now()
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				id := fmt.Sprintf("u%d-r%d", i, r)
				frame, _ := json.Marshal(protocol.ClientFrame{Type: protocol.TypeChat, ID: id, Text: fmt.Sprintf("I spent $%d on coffee", 3+r)})
				sent := time.Now()
				if err := c.Write(ctx, websocket.MessageText, frame); err != nil {
					mu.Lock()
					errs++
					mu.Unlock()
					return
				}
				for {
					_, raw, err := c.Read(ctx)
					if err != nil {
						mu.Lock()
						errs++
						mu.Unlock()
						return
					}
					t := frameType(raw)
					if t == protocol.TypeMessage {
						mu.Lock()
						lat = append(lat, time.Since(sent))
						mu.Unlock()
						break
					}
					if t == protocol.TypeError {
						mu.Lock()
						errs++
						mu.Unlock()
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	total := time.Since(began)
	if len(lat) == 0 {
		b.Fatalf("no answers (%d errors)", errs)
	}
	slices.Sort(lat)
	pct := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	b.ReportMetric(float64(pct(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.95).Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(lat))/total.Seconds(), "turns/s")
	b.Logf("%d users × %d turns: %d answers, %d errors in %v; p50 %v p95 %v p99 %v max %v",
		users, rounds, len(lat), errs, total, pct(0.5), pct(0.95), pct(0.99), lat[len(lat)-1])
	for _, c := range conns {
		_ = c.CloseNow()
	}
}
