// Package config loads the core's configuration from environment variables.
//
// Every variable the core reads is declared once, with its default and a short
// description, through a Loader. A missing or malformed value is reported with the
// variable's name; all such problems are reported together, so an operator fixes
// them in one pass. docs/configuration.md documents every variable, and a test
// checks that the two agree.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Var describes one environment variable the core reads.
type Var struct {
	Name        string
	Default     string
	Required    bool
	Secret      bool
	Description string
}

// Loader reads typed values from an environment and collects the errors.
type Loader struct {
	lookup func(string) (string, bool)
	errs   []error
	vars   map[string]Var
}

// NewLoader returns a Loader over lookup; pass os.LookupEnv for the process
// environment.
func NewLoader(lookup func(string) (string, bool)) *Loader {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	return &Loader{lookup: lookup, vars: map[string]Var{}}
}

// Err returns every problem found so far, one per variable, or nil.
func (l *Loader) Err() error {
	return errors.Join(l.errs...)
}

// Vars returns the declared variables sorted by name.
func (l *Loader) Vars() []Var {
	out := make([]Var, 0, len(l.vars))
	for _, v := range l.vars {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// raw declares v and returns its value, or the default. A required variable
// with no value and no default is an error.
func (l *Loader) raw(v Var) (string, bool) {
	l.vars[v.Name] = v
	s, ok := l.lookup(v.Name)
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		if v.Required && v.Default == "" {
			l.fail(v.Name, "is required (%s)", v.Description)
			return "", false
		}
		return v.Default, v.Default != ""
	}
	return s, true
}

func (l *Loader) fail(name, format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf("%s %s", name, fmt.Sprintf(format, args...)))
}

// String reads a string variable.
func (l *Loader) String(v Var) string {
	s, _ := l.raw(v)
	return s
}

// Int reads a whole number between lo and hi inclusive.
func (l *Loader) Int(v Var, lo, hi int) int {
	s, ok := l.raw(v)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		l.fail(v.Name, "must be a whole number from %d to %d, got %q", lo, hi, s)
		return 0
	}
	return n
}

// Bool reads true or false.
func (l *Loader) Bool(v Var) bool {
	s, ok := l.raw(v)
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		l.fail(v.Name, "must be true or false, got %q", s)
	}
	return b
}

// Duration reads a Go duration ("15m", "90s") between lo and hi inclusive.
func (l *Loader) Duration(v Var, lo, hi time.Duration) time.Duration {
	s, ok := l.raw(v)
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < lo || d > hi {
		l.fail(v.Name, "must be a duration from %s to %s, like \"15m\", got %q", lo, hi, s)
		return 0
	}
	return d
}

// URL reads an absolute URL whose scheme is one of schemes.
func (l *Loader) URL(v Var, schemes ...string) *url.URL {
	s, ok := l.raw(v)
	if !ok {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || !contains(schemes, u.Scheme) {
		l.fail(v.Name, "must be an absolute URL with scheme %s, got a malformed value",
			strings.Join(schemes, " or "))
		return nil
	}
	return u
}

// File reads the path of a file that must exist.
func (l *Loader) File(v Var) string {
	s, ok := l.raw(v)
	if !ok {
		return ""
	}
	if st, err := os.Stat(s); err != nil || st.IsDir() {
		l.fail(v.Name, "must name a readable file, %q is not one", s)
		return ""
	}
	return s
}

// List reads a comma-separated list, dropping empty items.
func (l *Loader) List(v Var) []string {
	s, ok := l.raw(v)
	if !ok {
		return nil
	}
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
