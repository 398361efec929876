package config

import (
	"io"
	"strings"
	"testing"
)

func load(env map[string]string, args ...string) (*Config, []string, error) {
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	return Load(args, func(k string) string { return env[k] }, environ, io.Discard)
}

func TestDefaultsServeALaptop(t *testing.T) {
	c, warnings, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.Model != "rules" || c.IsPostgres() || !strings.HasSuffix(c.DatabaseURL, "pam.db") || c.LimitUserPerMin != 100 || len(warnings) != 0 {
		t.Fatalf("defaults = %+v %v", c, warnings)
	}
}

func TestFlagsAndEnvironment(t *testing.T) {
	c, _, err := load(map[string]string{"PAM_ADDR": "0.0.0.0:9000", "ANTHROPIC_API_KEY": "k"}, "--limit-user-per-min", "7")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.LimitUserPerMin != 7 || !strings.HasPrefix(c.Model, "anthropic:") {
		t.Fatalf("got %+v", c)
	}
}

func TestBadSettingsNameTheSetting(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"PAM_ADDR": "nonsense"}, "PAM_ADDR"},
		{map[string]string{"PAM_ENV": "production"}, "PAM_ENV"},
		{map[string]string{"PAM_LIMIT_USER_PER_MIN": "lots"}, "PAM_LIMIT_USER_PER_MIN"},
		{map[string]string{"PAM_TURN_DEADLINE": "-3s"}, "PAM_TURN_DEADLINE"},
		{map[string]string{"PAM_REDIS_URL": "localhost:6379"}, "PAM_REDIS_URL"},
		{map[string]string{"PAM_JWT_SECRET": "short"}, "PAM_JWT_SECRET"},
		{map[string]string{"PAM_ENV": "prod"}, "PAM_JWT_SECRET"},
		{map[string]string{"PAM_ENV": "prod", "PAM_JWT_SECRET": strings.Repeat("s", 32), "PAM_INSTANCES": "3"}, "PAM_DATABASE_URL"},
		{map[string]string{"PAM_ENV": "prod", "PAM_JWT_SECRET": strings.Repeat("s", 32), "PAM_CHAOS": "tool_timeout=0.1"}, "PAM_CHAOS"},
		{map[string]string{"PAM_KEEP_EXCHANGES": "60"}, "PAM_KEEP_EXCHANGES"},
	}
	for _, c := range cases {
		_, _, err := load(c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: err = %v, want one line naming %s", c.env, err, c.want)
		}
	}
}

func TestUnknownVariableWarns(t *testing.T) {
	_, warnings, err := load(map[string]string{"PAM_ADRR": "x"})
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "PAM_ADRR") {
		t.Fatalf("warnings = %v, err = %v", warnings, err)
	}
}
