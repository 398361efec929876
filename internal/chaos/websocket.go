package chaos

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
)

// Middleware cuts WebSocket connections: with the ws_disconnect rate, an
// upgraded connection is closed abruptly (no close frame, as a dropped
// network does) at a random moment within MaxLife.
func (i *Injector) Middleware(next http.Handler) http.Handler {
	if i == nil || i.Rate(WSDisconnect) <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || !i.Hit(WSDisconnect) {
			next.ServeHTTP(w, r)
			return
		}
		life := time.Duration(float64(500*time.Millisecond) + i.float()*float64(10*time.Second))
		next.ServeHTTP(&cutWriter{ResponseWriter: w, after: life}, r)
	})
}

// cutWriter closes the hijacked connection after a while.
type cutWriter struct {
	http.ResponseWriter
	after time.Duration
}

func (c *cutWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := c.ResponseWriter.(http.Hijacker)
	if !ok {
		if u, ok := c.ResponseWriter.(interface{ Unwrap() http.ResponseWriter }); ok {
			hj, ok = u.Unwrap().(http.Hijacker)
			if !ok {
				return nil, nil, errors.New("chaos: connection cannot be hijacked")
			}
		} else {
			return nil, nil, errors.New("chaos: connection cannot be hijacked")
		}
	}
	conn, rw, err := hj.Hijack()
	if err == nil {
		time.AfterFunc(c.after, func() { _ = conn.Close() })
	}
	return conn, rw, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (c *cutWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
