package delivery

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Spooled is a message taken while the database was unreachable, kept
// durably until it is accepted once the database returns.
type Spooled struct {
	Seq int64   // spool position, set by Push
	In  Inbound // without Authorize, which cannot be kept: a replayed turn runs under the user's role
}

// spooledWire is Spooled on disk and in Redis: the fields are spelled out so
// a field added to Inbound never changes (or breaks) the stored format.
type spooledWire struct {
	Seq             int64           `json:"seq"`
	UserID          string          `json:"user_id"`
	Role            string          `json:"role,omitempty"`
	RequestID       string          `json:"request_id,omitempty"`
	ClientMessageID string          `json:"client_message_id"`
	ConversationID  string          `json:"conversation_id,omitempty"`
	Text            string          `json:"text"`
	Context         json.RawMessage `json:"context,omitempty"`
	ClientAddr      string          `json:"client_addr,omitempty"`
	UserAgent       string          `json:"user_agent,omitempty"`
}

// MarshalJSON implements json.Marshaler.
func (r Spooled) MarshalJSON() ([]byte, error) {
	in := r.In
	return json.Marshal(spooledWire{Seq: r.Seq, UserID: in.UserID, Role: in.Role, RequestID: in.RequestID,
		ClientMessageID: in.ClientMessageID, ConversationID: in.ConversationID, Text: in.Text, Context: in.Context,
		ClientAddr: in.ClientAddr, UserAgent: in.UserAgent})
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *Spooled) UnmarshalJSON(b []byte) error {
	var w spooledWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = Spooled{Seq: w.Seq, In: Inbound{UserID: w.UserID, Role: w.Role, RequestID: w.RequestID,
		ClientMessageID: w.ClientMessageID, ConversationID: w.ConversationID, Text: w.Text, Context: w.Context,
		ClientAddr: w.ClientAddr, UserAgent: w.UserAgent}}
	return nil
}

// Spool is a durable first-in first-out queue of messages. Peek returns the
// oldest without removing it; Remove drops it once it has been accepted, so a
// crash in between replays it (acceptance is idempotent by the client message
// id, so a replay never runs a second turn).
type Spool interface {
	Push(ctx context.Context, in Inbound) error
	Peek(ctx context.Context) (Spooled, bool, error)
	Remove(ctx context.Context, seq int64) error
	Len(ctx context.Context) (int, error)
}

// FileSpool is a Spool in one directory: an append-only log of JSON lines,
// fsync'd on every push, and a head file holding the byte offset of the first
// record not yet removed (written to a temporary file, fsync'd and renamed).
// When the log is drained it is truncated.
type FileSpool struct {
	mu   sync.Mutex
	dir  string
	log  *os.File
	head int64 // offset of the oldest record
	next int64 // seq of the next push

	// Skipped counts damaged records dropped by Peek.
	Skipped int
}

var _ Spool = (*FileSpool)(nil)

const (
	spoolLog  = "spool.log"
	spoolHead = "spool.head"
)

// OpenFileSpool opens (or creates) the spool in dir.
func OpenFileSpool(dir string) (*FileSpool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, spoolLog), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &FileSpool{dir: dir, log: f}
	if raw, err := os.ReadFile(filepath.Join(dir, spoolHead)); err == nil {
		s.head, _ = strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	}
	// Recover the next seq from the last complete record; a torn last line
	// (a crash mid-write, never fsync'd, never answered) is cut off.
	if err := s.recover(); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func (s *FileSpool) recover() error {
	raw, err := os.ReadFile(filepath.Join(s.dir, spoolLog))
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	good := bytes.LastIndexByte(raw, '\n') + 1
	if good < len(raw) {
		if err := s.log.Truncate(int64(good)); err != nil {
			return fmt.Errorf("spool: cut torn record: %w", err)
		}
	}
	if s.head > int64(good) {
		s.head = int64(good)
	}
	s.next = 1
	for _, line := range bytes.Split(raw[:good], []byte{'\n'}) {
		var r Spooled
		if len(line) > 0 && json.Unmarshal(line, &r) == nil && r.Seq >= s.next {
			s.next = r.Seq + 1
		}
	}
	return nil
}

// Push implements Spool; the record is on disk when it returns.
func (s *FileSpool) Push(_ context.Context, in Inbound) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	line, err := json.Marshal(Spooled{Seq: s.next, In: in})
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if _, err := s.log.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("spool: write: %w", err)
	}
	if err := s.log.Sync(); err != nil {
		return fmt.Errorf("spool: fsync: %w", err)
	}
	s.next++
	return nil
}

// Peek implements Spool. A record that cannot be decoded (disk damage) is
// skipped, so it cannot hold up every message behind it.
func (s *FileSpool) Peek(_ context.Context) (Spooled, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		r, _, ok, err := s.readAt(s.head)
		var bad *badRecord
		if errors.As(err, &bad) {
			s.head += bad.size
			s.Skipped++
			if err := s.writeHead(); err != nil {
				return Spooled{}, false, err
			}
			continue
		}
		return r, ok, err
	}
}

// badRecord is a line of the log that is not a record.
type badRecord struct {
	off, size int64
	err       error
}

func (e *badRecord) Error() string { return fmt.Sprintf("spool: record at %d: %v", e.off, e.err) }
func (e *badRecord) Unwrap() error { return e.err }

func (s *FileSpool) readAt(off int64) (Spooled, int64, bool, error) {
	rd := bufio.NewReader(io.NewSectionReader(s.log, off, 1<<62))
	line, err := rd.ReadBytes('\n')
	if errors.Is(err, io.EOF) {
		return Spooled{}, 0, false, nil
	}
	if err != nil {
		return Spooled{}, 0, false, fmt.Errorf("spool: read: %w", err)
	}
	var r Spooled
	if err := json.Unmarshal(line, &r); err != nil {
		return Spooled{}, 0, false, &badRecord{off: off, size: int64(len(line)), err: err}
	}
	return r, int64(len(line)), true, nil
}

// Remove implements Spool: it drops the oldest record when its seq is seq.
func (s *FileSpool) Remove(_ context.Context, seq int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, n, ok, err := s.readAt(s.head)
	if err != nil || !ok || r.Seq != seq {
		return err
	}
	s.head += n
	if _, _, more, err := s.readAt(s.head); !more && err == nil {
		// Drained: empty the log first, so a crash between the two leaves an
		// empty log with a stale head (clamped on open), never a replay.
		if err := s.log.Truncate(0); err != nil {
			return fmt.Errorf("spool: truncate: %w", err)
		}
		if err := s.log.Sync(); err != nil {
			return fmt.Errorf("spool: fsync: %w", err)
		}
		s.head = 0
	}
	return s.writeHead()
}

func (s *FileSpool) writeHead() error {
	tmp := filepath.Join(s.dir, spoolHead+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("spool: head: %w", err)
	}
	_, werr := f.WriteString(strconv.FormatInt(s.head, 10))
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("spool: head: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, spoolHead)); err != nil {
		return fmt.Errorf("spool: head: %w", err)
	}
	return syncDir(s.dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("spool: fsync dir: %w", err)
	}
	return nil
}

// Len implements Spool.
func (s *FileSpool) Len(_ context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, off := 0, s.head
	for {
		_, size, ok, err := s.readAt(off)
		var bad *badRecord
		if errors.As(err, &bad) {
			off += bad.size
			continue
		}
		if err != nil {
			return n, err
		}
		if !ok {
			return n, nil
		}
		n++
		off += size
	}
}

// Close closes the log.
func (s *FileSpool) Close() error { return s.log.Close() }
