package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// goTarget describes the standalone Go edge of gateway/bench/goedge.
func (o options) goTarget(t target, repo string, keys keyFiles) (target, error) {
	bin := o.GoEdge
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(repo, bin)
	}
	if _, err := os.Stat(bin); err != nil {
		return t, fmt.Errorf("the go edge binary is missing (go build -o %s ./gateway/bench/goedge): %w",
			o.GoEdge, err)
	}
	t.Args, t.Dir = []string{bin}, repo
	t.Env = append(o.serverEnv(t.Port, keys), "KW_BENCH_ORIGIN="+benchOrigin)
	if o.Profiles != "" {
		t.Env = append(t.Env, "KW_BENCH_PPROF="+o.Pprof)
	}
	return t, nil
}

// serverEnv is the environment both kinds of server read.
func (o options) serverEnv(port int, keys keyFiles) []string {
	return []string{
		fmt.Sprintf("PORT=%d", port), "REDIS_URL=" + o.RedisURL,
		"KW_BENCH_PUBLIC_KEY=" + keys.Public, "KW_BENCH_PREFIX=" + o.Prefix,
		"KW_BENCH_ISSUER=" + benchIssuer, "KW_BENCH_AUDIENCE=" + benchAudience,
	}
}
