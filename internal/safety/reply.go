package safety

import (
	"regexp"
	"strings"
	"unicode"
)

// SafeReply replaces a model answer that CheckReply caught.
const SafeReply = "Sorry, I can't help with that. I'm PAM, your RV travel companion — I can help with trips, campgrounds, fuel, weather, budgets and your calendar."

// Reasons CheckReply gives.
const (
	ReasonPromptLeak   = "system_prompt_leak"
	ReasonRoleBreak    = "role_break"
	ReasonInjected     = "injected_instructions"
	ReasonRedactedOnly = "redacted" // not caught; secrets were removed
)

// leakNgram is the length in words of the shingles compared between the reply
// and the system prompt; leakMinShared shingles in common count as a leak.
const (
	leakNgram     = 8
	leakMinShared = 2
)

var roleBreak = regexp.MustCompile(`(?i)\b(?:` +
	`as an ai (?:language )?model,? i\b|` +
	`i am (?:actually |really )?(?:chatgpt|gpt-?\d|an ai (?:model )?(?:developed|created|made|trained) by|a large language model (?:trained|developed|created) by)|` +
	`i(?:'m| am) (?:no longer|not) pam\b|` +
	`(?:developer|god|jailbreak|dan|admin|unrestricted) mode (?:is )?(?:now )?(?:enabled|activated|on|engaged)|` +
	`i (?:will|can) now (?:ignore|bypass|disregard) (?:my|all|the) (?:rules|instructions|guidelines|restrictions)|` +
	`i will now help you (?:hack|exploit|bypass|steal)|` +
	`(?:my|the) (?:system prompt|initial instructions|hidden instructions) (?:is|are|says?|reads?)\s*:|` +
	`here (?:is|are) my (?:system prompt|instructions|initial instructions|hidden instructions)` +
	`)`)

// CheckReply scans a model's answer before the user sees it. It catches a
// leaked system prompt (word 8-gram overlap with systemPrompt, robust to
// spacing and case), a broken role (the model claiming another identity or a
// "mode"), and injected instructions (role tags, exfiltration links or
// override text picked up from tool results). A caught reply is replaced by
// SafeReply. Secrets in an uncaught reply are redacted and reason is "redacted".
func CheckReply(reply, systemPrompt string) (safe string, caught bool, reason string) {
	if leaked(reply, systemPrompt) {
		return SafeReply, true, ReasonPromptLeak
	}
	if roleBreak.MatchString(reply) {
		return SafeReply, true, ReasonRoleBreak
	}
	if injectedInReply(reply) {
		return SafeReply, true, ReasonInjected
	}
	if red, found := Redact(reply); len(found) > 0 {
		return red, false, ReasonRedactedOnly
	}
	return reply, false, ""
}

// replyDetector scores replies: a reply carrying delimiters, exfiltration or
// override text is almost never legitimate, so these families suffice.
var replyDetector = NewDetector(DetectorConfig{})

func injectedInReply(reply string) bool {
	v := replyDetector.Scan(reply)
	if v.Decision != Block {
		return false
	}
	for _, c := range v.Categories {
		switch c {
		case FamilyDelimiter, FamilyExfiltration, FamilyOverride, FamilyToolCoercion:
			return true
		}
	}
	return false
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(Normalize(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// leaked reports whether the reply reproduces a stretch of the system prompt.
func leaked(reply, systemPrompt string) bool {
	sp := words(systemPrompt)
	if len(sp) == 0 {
		return false
	}
	rp := words(reply)
	if len(sp) < leakNgram+leakMinShared-1 { // a short prompt: look for it whole
		return len(sp) >= 4 && strings.Contains(" "+strings.Join(rp, " ")+" ", " "+strings.Join(sp, " ")+" ")
	}
	shingles := make(map[string]struct{}, len(sp))
	for i := 0; i+leakNgram <= len(sp); i++ {
		shingles[strings.Join(sp[i:i+leakNgram], " ")] = struct{}{}
	}
	shared := 0
	for i := 0; i+leakNgram <= len(rp); i++ {
		if _, ok := shingles[strings.Join(rp[i:i+leakNgram], " ")]; ok {
			shared++
			if shared >= leakMinShared {
				return true
			}
		}
	}
	return false
}
