package server_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestStackSecretsArePrivate checks the files in which the local stack keeps
// its generated secrets are readable by their owner only.
func TestStackSecretsArePrivate(t *testing.T) {
	data := os.Getenv("KW_DATA_DIR")
	if data == "" {
		data = filepath.Join(coretest.RepoRoot(t), ".data")
	}
	for _, name := range []string{"secrets.env", "local.env", "livekit.yaml", "turnserver.conf"} {
		st, err := os.Stat(filepath.Join(data, name))
		if err != nil {
			t.Fatalf("%s: %v (run `make services`)", name, err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group and others", name, st.Mode().Perm())
		}
	}
}
