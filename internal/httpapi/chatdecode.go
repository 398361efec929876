package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/pamtravel/pam/protocol"
)

// decodeChatRequest is decode for a chat request. The body nearly every
// client sends — an object of plain strings (no escapes) under message,
// conversation_id and client_message_id — is read directly into substrings
// of one copy; any other body goes to encoding/json, so the result is the
// same either way.
func decodeChatRequest(r *http.Request) (protocol.ChatRequest, error) {
	body, err := readJSONBody(r)
	if err != nil {
		return protocol.ChatRequest{}, err
	}
	if req, ok := plainChatRequest(body); ok {
		return req, nil
	}
	var req protocol.ChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, jsonError(err)
	}
	return req, nil
}

// plainChatRequest reads body when it is a JSON object whose members are
// only message, conversation_id and client_message_id (spelt exactly so),
// each a string without escapes or control characters; ok is false for
// anything else. body must be valid UTF-8.
func plainChatRequest(body []byte) (req protocol.ChatRequest, ok bool) {
	type span struct{ start, end int }
	var msg, conv, client span
	var seen [3]bool
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return req, false
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		i++
	} else {
		for {
			ks, ke, next, ok := plainString(body, i)
			if !ok {
				return req, false
			}
			i = skipSpace(body, next)
			if i >= len(body) || body[i] != ':' {
				return req, false
			}
			vs, ve, next, ok := plainString(body, skipSpace(body, i+1))
			if !ok {
				return req, false
			}
			switch string(body[ks:ke]) {
			case "message":
				msg, seen[0] = span{vs, ve}, true
			case "conversation_id":
				conv, seen[1] = span{vs, ve}, true
			case "client_message_id":
				client, seen[2] = span{vs, ve}, true
			default:
				return req, false
			}
			i = skipSpace(body, next)
			if i >= len(body) {
				return req, false
			}
			if body[i] == '}' {
				i++
				break
			}
			if body[i] != ',' {
				return req, false
			}
			i = skipSpace(body, i+1)
		}
	}
	if skipSpace(body, i) != len(body) {
		return req, false
	}
	s := string(body)
	if seen[0] {
		req.Message = s[msg.start:msg.end]
	}
	if seen[1] {
		req.ConversationID = s[conv.start:conv.end]
	}
	if seen[2] {
		req.ClientMessageID = s[client.start:client.end]
	}
	return req, true
}

// skipSpace skips JSON white space from i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainString reads the JSON string at i when it has no escapes and no
// control characters: its contents are b[start:end], next follows it.
func plainString(b []byte, i int) (start, end, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, 0, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return i + 1, j, j + 1, true
		case c == '\\' || c < 0x20:
			return 0, 0, 0, false
		}
	}
	return 0, 0, 0, false
}
