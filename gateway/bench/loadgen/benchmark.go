package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// benchmark measures each target of o in turn, each on a fresh process.
func benchmark(ctx context.Context, o options) ([]Result, error) {
	tmp, err := os.MkdirTemp("", "kwbench-")
	if err != nil {
		return nil, fmt.Errorf("creating the run folder: %w", err)
	}
	o.TmpDir = tmp
	keys, err := writeKeyPair(tmp)
	if err != nil {
		return nil, err
	}
	var results []Result
	for _, name := range o.Targets {
		t, err := o.target(name, keys)
		if err != nil {
			return results, err
		}
		res, err := measure(ctx, o.Config, keys, t)
		if t.cleanup != nil {
			t.cleanup()
		}
		if err != nil {
			return results, err
		}
		results = append(results, res)
	}
	_ = os.RemoveAll(tmp)
	return results, nil
}

// target describes the server called name, on a free port.
func (o options) target(name string, keys keyFiles) (target, error) {
	port, err := freePort()
	if err != nil {
		return target{}, err
	}
	repo, err := filepath.Abs(o.Repo)
	if err != nil {
		return target{}, fmt.Errorf("locating the repository: %w", err)
	}
	t := target{Name: name, Port: port, Log: filepath.Join(o.TmpDir, name+".log")}
	switch name {
	case "go":
		return o.goTarget(t, repo, keys)
	case "caddy":
		return o.caddyTarget(t, repo, keys)
	}
	t.Args = []string{"node", "server.js"}
	t.Dir = filepath.Join(repo, "gateway", "bench", "node")
	t.Env = o.serverEnv(port, keys)
	if _, err := os.Stat(filepath.Join(t.Dir, "node_modules", "socket.io")); err != nil {
		return t, fmt.Errorf("node modules missing in %s: run `npm ci` there", t.Dir)
	}
	return t, nil
}
