package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// tree is the commit the figures were measured on: the HEAD of the module's
// working tree that nabij was built from, and whether that tree had changes
// not committed (then the figures are of HEAD plus those changes).
type tree struct {
	commit  string
	changed int // files changed or untracked (git status --porcelain)
	err     error
}

// label is the commit as every row carries it: "31e449b", or
// "31e449b+dirty" when the tree had changes.
func (t tree) label() string {
	switch {
	case t.err != nil:
		return "unknown"
	case t.changed > 0:
		return t.commit + "+dirty"
	}
	return t.commit
}

func (t tree) String() string {
	switch {
	case t.err != nil:
		return "commit unknown (" + t.err.Error() + ")"
	case t.changed > 0:
		return fmt.Sprintf("commit %s, tree DIRTY (%d files changed or untracked: the figures are of %s plus those changes)", t.commit, t.changed, t.commit)
	}
	return fmt.Sprintf("commit %s, tree clean", t.commit)
}

// treeState asks git about the module root's working tree.
func treeState(ctx context.Context, root string) tree {
	out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return tree{err: fmt.Errorf("git rev-parse: %v", err)}
	}
	t := tree{commit: strings.TrimSpace(string(out))}
	st, err := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain").Output()
	if err != nil {
		return tree{err: fmt.Errorf("git status: %v", err)}
	}
	for _, line := range strings.Split(string(st), "\n") {
		if strings.TrimSpace(line) != "" {
			t.changed++
		}
	}
	return t
}

// Filesystem magic numbers (statfs(2) f_type) of the filesystems a data
// folder is likely on.
var fsNames = map[int64]string{
	0x01021994: "tmpfs",
	0xEF53:     "ext4",
	0x58465342: "xfs",
	0x9123683E: "btrfs",
	0x794C7630: "overlayfs",
	0x2FC12FC1: "zfs",
	0x6969:     "nfs",
	0x65735546: "fuse",
}

// filesystem names the filesystem dir is on, and whether it is tmpfs
// (memory: fsync costs nothing there, so the figures are not a disk's).
func filesystem(dir string) (name string, tmpfs bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "unknown (" + err.Error() + ")", false
	}
	t := int64(st.Type)
	if n, ok := fsNames[t]; ok {
		return n, n == "tmpfs"
	}
	return fmt.Sprintf("statfs type %#x", t), false
}

// loadAverage is the first three fields of /proc/loadavg: how busy the
// machine was with more than the bench.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
