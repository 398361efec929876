package httpapi

import (
	"context"
	"encoding/json"
	"time"

	"github.com/coder/websocket"

	"github.com/pamtravel/pam/internal/delivery"
)

// kick starts a writer for the queued Hub frames unless one is running.
// It runs under the subscription's lock (Subscription.OnFrame): no blocking.
func (w *wsConn) kick() {
	if w.draining.CompareAndSwap(false, true) {
		go w.drain()
	}
}

// drain writes queued frames in order until the queue is empty. A frame
// queued while it stops is caught by the re-check (its kick saw a drainer).
func (w *wsConn) drain() {
	for {
		select {
		case f, ok := <-w.sub.C:
			if !ok { // closed, or overflowed (NotifyOverflow closes the socket)
				return
			}
			if !w.forward(f) {
				_ = w.c.CloseNow()
				return
			}
		default:
			w.draining.Store(false)
			if len(w.sub.C) == 0 || !w.draining.CompareAndSwap(false, true) {
				return
			}
		}
	}
}

// forward writes f unless it is a durable frame already sent (by replay).
func (w *wsConn) forward(f delivery.Frame) bool {
	if f.Seq > 0 {
		if f.Seq <= w.sentSeq.Load() {
			return true
		}
		w.sentSeq.Store(f.Seq)
	}
	return w.write(f.JSON) == nil
}

// goAway flushes what is queued and closes with 1001 (server shutdown).
func (w *wsConn) goAway() {
	for i := 0; !w.draining.CompareAndSwap(false, true); i++ {
		if i > 200 { // a writer stuck on a slow reader: close anyway
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if w.sub != nil {
	flush:
		for {
			select {
			case f, ok := <-w.sub.C:
				if !ok || !w.forward(f) {
					break flush
				}
			default:
				break flush
			}
		}
	}
	w.close(websocket.StatusGoingAway, "server shutting down")
}

// beat is the heartbeat: close an idle connection, else ping it (a peer that
// does not answer within a heartbeat is gone), then re-arm.
func (w *wsConn) beat() {
	if w.ctx.Err() != nil {
		return
	}
	if time.Since(time.Unix(0, w.lastActive.Load())) > w.s.cfg.IdleClose {
		w.close(websocket.StatusNormalClosure, "idle")
		return
	}
	ctx, cancel := context.WithTimeout(w.ctx, w.s.cfg.Heartbeat)
	err := w.c.Ping(ctx)
	cancel()
	if err != nil {
		if w.ctx.Err() == nil {
			w.log.Info("websocket heartbeat failed; closing", "error", err)
			_ = w.c.CloseNow()
		}
		return
	}
	w.mu.Lock()
	if w.ctx.Err() == nil && w.hb != nil {
		w.hb.Reset(w.s.cfg.Heartbeat)
	}
	w.mu.Unlock()
}

func (w *wsConn) write(b []byte) error {
	ctx, cancel := context.WithTimeout(w.ctx, wsWriteTimeout)
	defer cancel()
	return w.c.Write(ctx, websocket.MessageText, b)
}

func (w *wsConn) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return w.write(b)
}
