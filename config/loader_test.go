package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoaderReportsEveryMissingVariableByName(t *testing.T) {
	l := NewLoader(env(nil))
	LoadCore(l)
	err := l.Err()
	if err == nil {
		t.Fatal("want an error for an empty environment")
	}
	for _, name := range []string{
		"KW_DATABASE_URL", "KW_REDIS_URL", "KW_TLS_CERT_FILE",
		"KW_S3_ENDPOINT", "KW_LIVEKIT_API_SECRET", "KW_TURN_SECRET",
	} {
		if !strings.Contains(err.Error(), name+" is required") {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestLoaderRefusesMalformedValues(t *testing.T) {
	cases := []struct {
		name string
		read func(l *Loader)
		val  string
		want string
	}{
		{"duration", func(l *Loader) {
			l.Duration(Var{Name: "KW_X"}, time.Second, time.Minute)
		}, "ten", "KW_X must be a duration"},
		{"duration out of range", func(l *Loader) {
			l.Duration(Var{Name: "KW_X"}, time.Second, time.Minute)
		}, "2h", "KW_X must be a duration from 1s to 1m0s"},
		{"int", func(l *Loader) { l.Int(Var{Name: "KW_X"}, 1, 10) }, "11", "KW_X must be a whole number"},
		{"bool", func(l *Loader) { l.Bool(Var{Name: "KW_X"}) }, "yes please", "KW_X must be true or false"},
		{"url scheme", func(l *Loader) { l.URL(Var{Name: "KW_X"}, "https") }, "ftp://a", "KW_X must be an absolute URL"},
		{"url relative", func(l *Loader) { l.URL(Var{Name: "KW_X"}, "https") }, "/just/a/path", "KW_X must be an absolute URL"},
		{"file", func(l *Loader) { l.File(Var{Name: "KW_X"}) }, "/no/such/file", "KW_X must name a readable file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLoader(env(map[string]string{"KW_X": tc.val}))
			tc.read(l)
			if err := l.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestLoaderNamesVariableWithoutEchoingSecrets(t *testing.T) {
	l := NewLoader(env(map[string]string{"KW_S3_ENDPOINT": "hunter2-secret-value"}))
	l.URL(Var{Name: "KW_S3_ENDPOINT", Secret: true}, "https")
	err := l.Err()
	if err == nil || !strings.Contains(err.Error(), "KW_S3_ENDPOINT") {
		t.Fatalf("want an error naming the variable, got %v", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("the error echoes the value: %v", err)
	}
}

func TestLoaderUsesDefaultsAndTrimsLists(t *testing.T) {
	l := NewLoader(env(map[string]string{"KW_L": " a, ,b ,"}))
	got := l.List(Var{Name: "KW_L"})
	if strings.Join(got, "|") != "a|b" {
		t.Fatalf("List = %q, want [a b]", got)
	}
	if d := l.Duration(Var{Name: "KW_D", Default: "5m"}, time.Minute, time.Hour); d != 5*time.Minute {
		t.Fatalf("Duration default = %v", d)
	}
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
}
