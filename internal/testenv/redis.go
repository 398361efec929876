package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RedisServerEnv may name the redis-server program.
const RedisServerEnv = "PAM_REDIS_SERVER"

// RedisServer is a redis-server run for tests, without persistence.
type RedisServer struct {
	bin  string
	dir  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Redis starts a redis-server for tb and returns its address (host:port).
func Redis(tb testing.TB) string {
	tb.Helper()
	return StartRedis(tb).Addr()
}

// StartRedis starts a redis-server for tb, stopped in tb.Cleanup; Stop and
// Start kill and restart it on the same port.
func StartRedis(tb testing.TB) *RedisServer {
	tb.Helper()
	candidates := []string{"redis-server", "/usr/bin/redis-server"}
	if p := os.Getenv(RedisServerEnv); p != "" { // an explicit choice is the only one tried
		candidates = []string{p}
	}
	bin := findProgram(candidates...)
	if bin == "" {
		skipOrFail(tb, "redis-server not found (apt-get install redis-server, or set %s)", RedisServerEnv)
	}
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	r := &RedisServer{bin: bin, dir: tb.TempDir(), port: port}
	if err := r.Start(); err != nil {
		tb.Fatalf("start redis: %v", err)
	}
	tb.Cleanup(func() { _ = r.Stop() })
	return r
}

// Addr is the server's host:port; it stays the same across Stop and Start.
func (r *RedisServer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// URL is the server's redis:// URL.
func (r *RedisServer) URL() string { return "redis://" + r.Addr() + "/0" }

// Start starts the server (again) and waits until it answers PING.
func (r *RedisServer) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return nil
	}
	logPath := filepath.Join(r.dir, "redis.log")
	cmd := exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.dir, "--daemonize", "no", "--logfile", logPath, "--protected-mode", "yes")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	r.cmd, r.done = cmd, done
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := ping(r.Addr())
		if err == nil {
			return nil
		}
		select {
		case <-done:
			r.cmd = nil
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("redis-server exited during start-up: %s", log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer: %w", err)
		}
	}
}

// Stop kills the server abruptly (as a crash would); Start brings it back, empty.
func (r *RedisServer) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return nil
	}
	_ = r.cmd.Process.Kill()
	<-r.done
	r.cmd = nil
	return nil
}

// ping speaks RESP: *1 $4 PING, expecting +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return errors.New("unexpected reply " + strings.TrimSpace(line))
	}
	return nil
}
