package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/protocol"
)

func (s *server) inbound(r *http.Request, req protocol.ChatRequest) delivery.Inbound {
	c := claimsFrom(r.Context())
	return delivery.Inbound{
		UserID: c.UserID, Role: c.Role, RequestID: requestID(r.Context()), ClientMessageID: req.ClientMessageID,
		ConversationID: req.ConversationID, Text: req.Message, Context: req.Context,
		ClientAddr: clientAddr(r), UserAgent: r.UserAgent(),
		Authorize: func(ctx context.Context) error { return s.auth.CheckRevoked(ctx, c) },
	}
}

// handleChat runs one turn: JSON by default, Server-Sent Events when asked.
func (s *server) handleChat(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeChatRequest(r)
	if err != nil {
		return err
	}
	if strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		return s.streamChat(w, r, req)
	}
	res, _, err := s.delivery.Chat(r.Context(), s.inbound(r, req), nil)
	if err != nil {
		return err
	}
	if res.ErrCode != "" {
		return pamerr.New(pamerr.Code(res.ErrCode), "%s", res.ErrMsg)
	}
	encode(w, http.StatusOK, res.Response())
	return nil
}

// streamChat answers the turn as Server-Sent Events: the live frames as they
// happen, ending after the final message (or error) frame.
func (s *server) streamChat(w http.ResponseWriter, r *http.Request, req protocol.ChatRequest) error {
	flusher, ok := w.(http.Flusher)
	if !ok {
		return pamerr.New(pamerr.Internal, "streaming is not supported here")
	}
	acc, err := s.delivery.Accept(r.Context(), s.inbound(r, req))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	sse := &sseWriter{w: w, f: flusher}
	defer sse.close()
	sse.event(protocol.TypeAccepted, protocol.Accepted{Type: protocol.TypeAccepted, ID: acc.Turn.ClientMessageID, ConversationID: acc.Turn.ConversationID})
	var res *delivery.Result
	if acc.Duplicate {
		res, err = s.delivery.WaitResult(r.Context(), acc.Turn)
	} else {
		res, err = s.delivery.Process(r.Context(), acc.Turn, s.inbound(r, req), func(f delivery.Frame) { sse.raw(f.Type, f.JSON) })
	}
	switch {
	case err != nil:
		sse.event(protocol.TypeError, protocol.Error{Type: protocol.TypeError, Code: string(pamerr.CodeOf(err)), Message: pamerr.MessageOf(err), ID: acc.Turn.ClientMessageID})
	case res.ErrCode != "":
		sse.event(protocol.TypeError, protocol.Error{Type: protocol.TypeError, Code: res.ErrCode, Message: res.ErrMsg, ID: acc.Turn.ClientMessageID})
	default:
		sse.event(protocol.TypeMessage, res.Frame)
	}
	return nil
}

// sseWriter serializes frames from the turn's goroutines and drops any that
// arrive after the stream has ended.
type sseWriter struct {
	mu     sync.Mutex
	w      http.ResponseWriter
	f      http.Flusher
	closed bool
}

func (s *sseWriter) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

func (s *sseWriter) event(typ string, v any) {
	b, err := json.Marshal(v)
	if err == nil {
		s.raw(typ, b)
	}
}

func (s *sseWriter) raw(typ string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", typ, data)
	s.f.Flush()
}
