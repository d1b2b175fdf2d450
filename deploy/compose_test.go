package deploy

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// Compose's own loader (the library behind `docker compose`) reads the file
// offline: it validates it against the compose-spec JSON schema (an unknown
// key is refused), interpolates, checks that what it names exists, and reads
// the env file. Here that env file is systemd/nabij.env.example, copied to
// the name compose.yaml expects, so its syntax is checked too.
func TestCompose(t *testing.T) {
	root := t.TempDir() // stands for the repository root
	dir := filepath.Join(root, "deploy")
	writeFile(t, filepath.Join(dir, "compose.yaml"), readFile(t, "compose.yaml"))
	writeFile(t, filepath.Join(dir, "nabij.env"), readFile(t, "systemd/nabij.env.example"))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	project, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml")}},
		Environment: types.Mapping{}, // the tester's environment must not change the result
	})
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	if len(project.Services) != 1 {
		t.Fatalf("compose.yaml: want one service, got %d", len(project.Services))
	}
	s, ok := project.Services["nabij"]
	if !ok {
		t.Fatalf("compose.yaml: no service nabij")
	}

	if s.Build == nil || s.Build.Context != root || s.Build.Dockerfile != "deploy/Dockerfile" {
		t.Errorf("build: want context .. (the repository root) and dockerfile deploy/Dockerfile, got %+v", s.Build)
	}
	if len(s.Ports) != 1 || s.Ports[0].HostIP != "127.0.0.1" || s.Ports[0].Published != "8080" || s.Ports[0].Target != 8080 {
		t.Errorf("ports: want 127.0.0.1:8080:8080 only, got %+v", s.Ports)
	}
	data := false
	for _, v := range s.Volumes {
		if v.Target == "/data" && v.Type == types.VolumeTypeVolume {
			_, declared := project.Volumes[v.Source]
			data = declared && !v.ReadOnly
		}
	}
	if !data {
		t.Errorf("volumes: want a named, writable volume on /data, got %+v", s.Volumes)
	}
	checkHardened(t, "nabij", s)
	if s.Restart != types.RestartPolicyUnlessStopped {
		t.Errorf("restart: want unless-stopped, got %q", s.Restart)
	}
	if len(s.EnvFiles) != 1 || s.EnvFiles[0].Path != filepath.Join(dir, "nabij.env") || !bool(s.EnvFiles[0].Required) {
		t.Errorf("env_file: want the required deploy/nabij.env, got %+v", s.EnvFiles)
	}
	for _, name := range secrets {
		if _, ok := s.Environment[name]; !ok {
			t.Errorf("environment: %s does not come from the env file", name)
		}
	}
	if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) < 20*time.Second {
		t.Errorf("stop_grace_period: want at least 20s (nabij stops within 15s), got %v", s.StopGracePeriod)
	}
}

// checkHardened holds a nabij service of a compose file to its hardening:
// a read-only root file system, no new privileges, every capability
// dropped and none added.
func checkHardened(t *testing.T, who string, s types.ServiceConfig) {
	t.Helper()
	if !s.ReadOnly {
		t.Errorf("%s: read_only: want the root file system read-only", who)
	}
	if !slices.Contains(s.SecurityOpt, "no-new-privileges:true") {
		t.Errorf("%s: security_opt: want no-new-privileges:true, got %v", who, s.SecurityOpt)
	}
	if !slices.Equal(s.CapDrop, []string{"ALL"}) || len(s.CapAdd) > 0 {
		t.Errorf("%s: cap_drop: want ALL and no cap_add, got %v / %v", who, s.CapDrop, s.CapAdd)
	}
}
