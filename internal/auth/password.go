package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params is the argon2id cost. Zero fields take the defaults in brackets
// (OWASP's minimum recommendation); tests use tiny values to stay fast.
type Argon2Params struct {
	Time      uint32 // iterations [2]
	MemoryKiB uint32 // [19456]
	Threads   uint8  // [1]
	KeyLen    uint32 // [32]
	SaltLen   uint32 // [16]
}

func (p Argon2Params) withDefaults() Argon2Params {
	if p.Time == 0 {
		p.Time = 2
	}
	if p.MemoryKiB == 0 {
		p.MemoryKiB = 19456
	}
	if p.Threads == 0 {
		p.Threads = 1
	}
	if p.KeyLen == 0 {
		p.KeyLen = 32
	}
	if p.SaltLen == 0 {
		p.SaltLen = 16
	}
	return p
}

// maxPasswordBytes bounds the work one login can cause.
const maxPasswordBytes = 1024

// HashPassword returns an argon2id hash of pw in the PHC string format with
// the default cost.
func HashPassword(pw string) (string, error) { return HashPasswordWith(pw, Argon2Params{}) }

// HashPasswordWith hashes pw with the given cost.
func HashPasswordWith(pw string, p Argon2Params) (string, error) {
	p = p.withDefaults()
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches hash, in constant time for a given
// hash. The cost is read from the hash, so old hashes keep working after the
// configured cost changes. A malformed hash never matches.
func CheckPassword(hash, pw string) bool {
	if len(pw) > maxPasswordBytes {
		return false
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var m, t uint32
	var th uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil {
		return false
	}
	// Refuse absurd costs from a tampered hash rather than exhausting memory.
	if m == 0 || m > 1<<22 || t == 0 || t > 64 || th == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, th, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
