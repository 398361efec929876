package voice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"sync"
)

// Espeak speaks with the local espeak-ng program (Debian package espeak-ng),
// the embedded default engine. It produces WAV only.
type Espeak struct {
	// Path is the program; empty looks up "espeak-ng" on PATH.
	Path string
	// Voice is used when a request names none or one espeak does not know ["en-us"].
	Voice string
	// WordsPerMinute is the speaking rate [165].
	WordsPerMinute int
	// MaxConcurrent bounds the espeak-ng processes running at once; more
	// requests wait (until their context ends) [2].
	MaxConcurrent int

	once  sync.Once
	slots chan struct{}
}

// acquire takes a process slot or gives up when ctx ends.
func (e *Espeak) acquire(ctx context.Context) (func(), error) {
	e.once.Do(func() {
		n := e.MaxConcurrent
		if n <= 0 {
			n = 2
		}
		e.slots = make(chan struct{}, n)
	})
	select {
	case e.slots <- struct{}{}:
		return func() { <-e.slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("espeak-ng: busy: %w", ctx.Err())
	}
}

// Name implements Engine.
func (e *Espeak) Name() string { return "espeak-ng" }

// Supports implements Engine.
func (e *Espeak) Supports(format string) bool { return format == FormatWAV }

func (e *Espeak) program() (string, error) {
	p := e.Path
	if p == "" {
		p = "espeak-ng"
	}
	found, err := exec.LookPath(p)
	if err != nil {
		return "", fmt.Errorf("espeak-ng is not installed (apt-get install espeak-ng): %w", err)
	}
	return found, nil
}

// Check implements Engine: the program must be installed.
func (e *Espeak) Check(context.Context) error {
	_, err := e.program()
	return err
}

// espeakVoice matches espeak voice names ("en", "en-us", "en-gb-x-rp", "en+f3").
var espeakVoice = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]+)*(\+[a-z0-9]+)?$`)

// Synthesize implements Engine. The text goes through stdin, never the
// command line, so no text can become an option.
func (e *Espeak) Synthesize(ctx context.Context, text, voice, format string) ([]byte, error) {
	if format != FormatWAV {
		return nil, fmt.Errorf("espeak-ng cannot produce %s", format)
	}
	prog, err := e.program()
	if err != nil {
		return nil, err
	}
	if !espeakVoice.MatchString(voice) {
		voice = e.Voice
		if voice == "" {
			voice = "en-us"
		}
	}
	wpm := e.WordsPerMinute
	if wpm <= 0 {
		wpm = 165
	}
	release, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	cmd := exec.CommandContext(ctx, prog, "--stdout", "-v", voice, "-s", fmt.Sprint(wpm))
	cmd.Stdin = strings.NewReader(text)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("espeak-ng: %w", ctx.Err())
		}
		return nil, fmt.Errorf("espeak-ng: %w: %s", err, firstLine(stderr.String()))
	}
	if out.Len() == 0 {
		return nil, errors.New("espeak-ng produced no audio")
	}
	return out.Bytes(), nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
