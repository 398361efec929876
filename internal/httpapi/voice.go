package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/safety"
	"github.com/pamtravel/pam/internal/voice"
)

// handleVoiceSpeak answers audio for {text, voice?, format?}: the first
// working engine of the chain, or UPSTREAM_UNAVAILABLE — never empty audio.
func (s *server) handleVoiceSpeak(w http.ResponseWriter, r *http.Request) error {
	v := s.ops.Voice
	if v == nil {
		return unavailable("speech")
	}
	req, err := decode[voice.Request](r)
	if err != nil {
		return err
	}
	if req.Text, err = safety.CleanText(req.Text, safety.Limits{MaxChars: v.MaxChars()}); err != nil {
		return err
	}
	if req, err = v.Validate(req); err != nil {
		return err
	}
	if err := s.limitKey(r.Context(), "voice", userID(r), s.ops.VoicePerMinute); err != nil {
		return err
	}
	a, err := v.Speak(r.Context(), req)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	h.Set("X-Voice-Engine", a.Engine)
	h.Set("X-Voice-Cache", map[bool]string{true: "hit", false: "miss"}[a.Cached])
	h.Set("Cache-Control", "private, max-age=86400")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.Data)
	return nil
}

type voiceStatus struct {
	Engines       []voice.EngineStatus `json:"engines"`
	Available     bool                 `json:"available"` // some engine can speak
	Transcription string               `json:"transcription"`
	MaxChars      int                  `json:"max_chars"`
}

func (s *server) handleVoiceStatus(w http.ResponseWriter, r *http.Request) error {
	v := s.ops.Voice
	if v == nil {
		encode(w, http.StatusOK, voiceStatus{Engines: []voice.EngineStatus{}, Transcription: "browser"})
		return nil
	}
	st := voiceStatus{Engines: v.Status(r.Context()), Transcription: "browser", MaxChars: v.MaxChars()}
	admin := claimsFrom(r.Context()).Role == "admin"
	for i, e := range st.Engines {
		st.Available = st.Available || e.Available
		if !admin { // provider error texts are for operators
			st.Engines[i].LastError = ""
		}
	}
	if v.CanTranscribe() {
		st.Transcription = "server"
	}
	encode(w, http.StatusOK, st)
	return nil
}

// handleVoiceTest speaks the sample with every engine and reports timings.
func (s *server) handleVoiceTest(w http.ResponseWriter, r *http.Request) error {
	v := s.ops.Voice
	if v == nil {
		return unavailable("speech")
	}
	res := v.Test(r.Context())
	ok := false
	for _, t := range res {
		ok = ok || t.OK
	}
	encode(w, http.StatusOK, map[string]any{"ok": ok, "results": res})
	return nil
}

var audioTypes = map[string]bool{"audio/wav": true, "audio/x-wav": true, "audio/wave": true, "audio/webm": true, "audio/ogg": true,
	"audio/mpeg": true, "audio/mp3": true, "audio/mp4": true, "audio/m4a": true, "audio/x-m4a": true, "audio/flac": true, "video/webm": true}

// handleVoiceTranscribe transcribes an upload (multipart field "file", or
// the raw body with an audio Content-Type) through the configured provider;
// without one it tells the client to use the browser's recognition.
func (s *server) handleVoiceTranscribe(w http.ResponseWriter, r *http.Request) error {
	v := s.ops.Voice
	if v == nil || !v.CanTranscribe() {
		encode(w, http.StatusOK, voice.BrowserFallback())
		return nil
	}
	if err := s.limitKey(r.Context(), "voice", userID(r), s.ops.VoicePerMinute); err != nil {
		return err
	}
	data, name, ctype, err := s.readAudio(w, r)
	if err != nil {
		return err
	}
	lang := r.URL.Query().Get("language")
	if lang != "" && !validLanguage(lang) {
		return pamerr.Invalid("language", "language must be an ISO-639-1 code like en")
	}
	t, err := v.Transcribe(r.Context(), bytes.NewReader(data), name, ctype, lang)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, t)
	return nil
}

func validLanguage(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func (s *server) readAudio(w http.ResponseWriter, r *http.Request) (data []byte, name, ctype string, err error) {
	max := s.ops.MaxAudioBytes
	if r.ContentLength > max+64<<10 {
		return nil, "", "", pamerr.New(pamerr.MessageTooLarge, "audio is larger than %d bytes", max)
	}
	body := http.MaxBytesReader(w, r.Body, max+64<<10) // room for multipart framing
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var src io.Reader = body
	ctype, name = mt, "audio"
	if mt == "multipart/form-data" {
		r.Body = body
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, "", "", pamerr.Invalid("file", "malformed multipart upload")
		}
		for {
			part, err := mr.NextPart()
			if err != nil {
				return nil, "", "", tooLargeOr(err, pamerr.Invalid("file", "the upload has no \"file\" part"))
			}
			if part.FormName() == "file" {
				src, ctype, name = part, part.Header.Get("Content-Type"), path.Base(part.FileName())
				break
			}
		}
	}
	ctype, _, _ = mime.ParseMediaType(ctype)
	if !audioTypes[ctype] {
		return nil, "", "", pamerr.Invalid("file", "upload audio (wav, webm, ogg, mp3, m4a or flac), not %q", ctype)
	}
	data, err = io.ReadAll(io.LimitReader(src, max+1))
	if err != nil {
		return nil, "", "", tooLargeOr(err, pamerr.Invalid("file", "could not read the audio"))
	}
	if int64(len(data)) > max {
		return nil, "", "", pamerr.New(pamerr.MessageTooLarge, "audio is larger than %d bytes", max)
	}
	if len(data) == 0 {
		return nil, "", "", pamerr.Invalid("file", "the audio is empty")
	}
	if name == "" || name == "." || name == "/" || name == "audio" {
		name = "audio." + strings.TrimPrefix(strings.TrimPrefix(ctype, "audio/"), "x-")
	}
	return data, name, ctype, nil
}

func tooLargeOr(err error, other error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return pamerr.New(pamerr.MessageTooLarge, "audio is larger than %d bytes", tooBig.Limit)
	}
	return other
}
