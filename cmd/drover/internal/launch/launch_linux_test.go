package launch

import (
	"os"
	"path/filepath"
	"testing"
)

// RemoveRoot removes the work root this user made, with what is in it,
// and leaves alone what is not a directory of this user's under that
// name: a symbolic link (to a directory of this user's, not followed)
// or, as root can check, another user's directory.
func TestRemoveRoot(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine")
	if err := os.MkdirAll(filepath.Join(mine, "drover-work-1"), 0o700); err != nil {
		t.Fatal(err)
	}
	RemoveRoot(mine)
	if _, err := os.Lstat(mine); !os.IsNotExist(err) {
		t.Errorf("this user's root is left: %v", err)
	}
	RemoveRoot(filepath.Join(dir, "missing")) // Never made: nothing to do.
	RemoveRoot("")

	target := filepath.Join(dir, "target")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	RemoveRoot(link)
	if _, err := os.Lstat(link); err != nil {
		t.Errorf("a symbolic link under the root's name is removed: %v", err)
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("the directory a symbolic link names is removed: %v", err)
	}

	if os.Geteuid() != 0 {
		t.Skip("another user's directory: only root can make one")
	}
	theirs := filepath.Join(dir, "theirs")
	if err := os.Mkdir(theirs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	RemoveRoot(theirs)
	if _, err := os.Lstat(theirs); err != nil {
		t.Errorf("another user's directory under the root's name is removed: %v", err)
	}
}
