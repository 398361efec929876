package auth

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Config configures the Service. Zero durations and Argon2 fields take the
// defaults shown in brackets.
type Config struct {
	Issuer   string // "iss" of PAM's own tokens [pam]
	Audience string // "aud" of PAM's own tokens [pam-api]
	Secret   []byte // HS256 key for access tokens; at least 32 bytes

	AccessTTL   time.Duration // [15m]
	RefreshTTL  time.Duration // [720h]
	IdleTimeout time.Duration // a session unused this long must log in again [30m]

	Argon2 Argon2Params

	// MaxLoginFailures failures per account and per client address within
	// LoginWindow make further logins RATE_LIMITED until the window slides [5, 5m].
	MaxLoginFailures int
	LoginWindow      time.Duration

	// External, when set, also accepts access tokens from an outside identity provider.
	External *ExternalConfig
}

// ExternalConfig describes an outside identity provider whose tokens Verify
// accepts. Exactly one of Secret (HS256) and JWKSURL (RS256 or ES256 keys) is set.
type ExternalConfig struct {
	Issuer   string // required "iss"
	Audience string // required "aud"
	Secret   []byte // HS256 shared secret
	JWKSURL  string // JSON Web Key Set of RSA keys
	// Algorithms pins the accepted "alg" values [HS256 with Secret, RS256 and ES256 with JWKSURL].
	Algorithms []string
	// RoleClaim names a claim holding the role; without it every external user is "user".
	RoleClaim string
	// JWKSRefresh is how long fetched keys are trusted before a refetch [1h];
	// an unknown key id triggers a refetch at most every 30 s.
	JWKSRefresh time.Duration
	HTTPClient  *http.Client // [a client with a 10 s timeout]
}

func (c *Config) setDefaults() error {
	if c.Issuer == "" {
		c.Issuer = "pam"
	}
	if c.Audience == "" {
		c.Audience = "pam-api"
	}
	if len(c.Secret) < 32 {
		return errors.New("auth: secret must be at least 32 bytes")
	}
	if c.AccessTTL <= 0 {
		c.AccessTTL = 15 * time.Minute
	}
	if c.RefreshTTL <= 0 {
		c.RefreshTTL = 720 * time.Hour
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Minute
	}
	c.Argon2 = c.Argon2.withDefaults()
	if c.MaxLoginFailures <= 0 {
		c.MaxLoginFailures = 5
	}
	if c.LoginWindow <= 0 {
		c.LoginWindow = 5 * time.Minute
	}
	if e := c.External; e != nil {
		if e.Issuer == "" || e.Audience == "" {
			return errors.New("auth: external identity provider needs an issuer and an audience")
		}
		if e.Issuer == c.Issuer {
			return fmt.Errorf("auth: external issuer %q must differ from PAM's own", e.Issuer)
		}
		if (len(e.Secret) == 0) == (e.JWKSURL == "") {
			return errors.New("auth: external identity provider needs exactly one of a secret or a JWKS URL")
		}
		if len(e.Algorithms) == 0 {
			if len(e.Secret) > 0 {
				e.Algorithms = []string{"HS256"}
			} else {
				e.Algorithms = []string{"RS256", "ES256"}
			}
		}
		for _, a := range e.Algorithms {
			switch {
			case len(e.Secret) > 0 && (a == "HS256" || a == "HS384" || a == "HS512"):
			case e.JWKSURL != "" && (a == "RS256" || a == "RS384" || a == "RS512" || a == "ES256"):
			default:
				return fmt.Errorf("auth: algorithm %q not allowed for this external identity provider", a)
			}
		}
		if e.JWKSRefresh <= 0 {
			e.JWKSRefresh = time.Hour
		}
		if e.HTTPClient == nil {
			e.HTTPClient = &http.Client{Timeout: 10 * time.Second}
		}
	}
	return nil
}
