package script

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// File is one entry of files: a path under ${work} and the content
// written there before the steps run.
type File struct {
	Path    string // relative, slash-separated and clean; literal text
	Content string // a template
	Pos     Pos    // of the path
}

// workVar is the name of the job's work directory, ${work}.
const workVar = "work"

// fileMode is the mode of the files of files:; the work directory itself
// is its owner's only (0700), as os.MkdirTemp makes it.
const fileMode = 0o644

// files reads files: a mapping of relative paths to content templates.
// A path is literal text: it is checked here, so that none can leave
// ${work}, and two cannot be the same file or a file and a directory.
func (p *parser) files(f map[string]entry, s *Script, sc *scope) {
	e, ok := f["files"]
	if !ok || isNull(e.val) {
		return
	}
	c := p.at("", sc)
	if e.val.Kind != yaml.MappingNode {
		c.errorf(e.val, "files", "want a mapping of paths under ${work} to their contents, got %s", describe(e.val))
		return
	}
	seen := map[string]Pos{}
	for _, ent := range c.entries(e.val, "files") {
		name, ok := c.str(ent.key, "files")
		if !ok {
			continue
		}
		clean, err := workPath(name)
		if err != nil {
			c.errorf(ent.key, "files", "%s: %v", shortQuote(name), err)
			continue
		}
		pos := p.pos(ent.key)
		// A file inside another file of the list cannot be written.
		for dir := path.Dir(clean); dir != "."; dir = path.Dir(dir) {
			if at, ok := seen[dir]; ok {
				c.errorf(ent.key, "files", "%s is inside %s (line %d), which is a file", shortQuote(name), shortQuote(dir), at.Line)
			}
		}
		if at, ok := seen[clean]; ok {
			c.errorf(ent.key, "files", "%s is the same file as line %d's", shortQuote(name), at.Line)
			continue
		}
		for other, at := range seen {
			if strings.HasPrefix(other, clean+"/") {
				c.errorf(ent.key, "files", "%s is a directory of %s (line %d)", shortQuote(name), shortQuote(other), at.Line)
			}
		}
		seen[clean] = pos
		content := ""
		if !isNull(ent.val) {
			content, ok = c.tmpl(ent.val, "files."+name)
			if !ok {
				continue
			}
		}
		s.Files = append(s.Files, File{Path: clean, Content: content, Pos: pos})
	}
}

// workPath checks that name is a relative path that stays under the
// work directory, and returns it cleaned.
func workPath(name string) (string, error) {
	switch {
	case strings.TrimSpace(name) == "":
		return "", errors.New("want a path relative to ${work}, such as conf/app.ini")
	case strings.Contains(name, "${"):
		return "", errors.New("a path of files: is literal text, without variables (its content may use them)")
	case strings.ContainsRune(name, 0):
		return "", errors.New("a path cannot hold a NUL byte")
	case strings.Contains(name, `\`):
		return "", errors.New(`write paths with /, not \`)
	case path.IsAbs(name) || filepath.IsAbs(name) || filepath.VolumeName(name) != "":
		return "", errors.New("an absolute path; want one relative to ${work}")
	}
	if slices.Contains(strings.Split(name, "/"), "..") {
		return "", errors.New("has .., which may leave ${work}; want a path inside it, without ..")
	}
	clean := path.Clean(name)
	if clean == "." {
		return "", errors.New("names ${work} itself; want a file inside it, such as conf/app.ini")
	}
	return clean, nil
}

// workSet is the work directories of a run that are not removed yet.
type workSet struct {
	mu   sync.Mutex
	dirs map[string]bool
	// rootMade is whether the run made Options.WorkRoot (MakeWorkRoot).
	rootMade bool
}

// readyRoot makes o.WorkRoot if the run is to make it and has not yet.
func (o *Options) readyRoot() error {
	if !o.MakeWorkRoot || o.WorkRoot == "" {
		return nil
	}
	w := &o.shared().works
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.rootMade {
		return nil
	}
	// Mkdir, not MkdirAll: a directory already there, such as one that
	// another user put under that name, is refused (EEXIST).
	if err := os.Mkdir(o.WorkRoot, 0o700); err != nil {
		return err
	}
	w.rootMade = true
	return nil
}

func (w *workSet) add(dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dirs == nil {
		w.dirs = map[string]bool{}
	}
	w.dirs[dir] = true
}

func (w *workSet) drop(dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.dirs, dir)
}

// RemoveWork removes, unless KeepWork is set, the work directories of the
// run's jobs and setups that are still there, and WorkRoot: for a program
// that exits, at the end of the run or at once, without waiting for its
// jobs to end, once it has killed their processes (a second Ctrl-C).
// Jobs still running lose their ${work}.
func (o *Options) RemoveWork() {
	if o.KeepWork {
		return
	}
	w := &o.shared().works
	w.mu.Lock()
	defer w.mu.Unlock()
	for dir := range w.dirs {
		_ = removeWork(dir) // Best effort: drover is exiting.
		delete(w.dirs, dir)
	}
	if o.WorkRoot != "" && (!o.MakeWorkRoot || w.rootMade) {
		_ = removeWork(o.WorkRoot)
	}
}

// workWhenUsed readies the job's ${work}: made at once when files: are
// to be written there or --keep-work keeps it, else when a template
// first looks ${work} up, if ever. A job that never uses it costs no
// directory: most of a fan-out of short jobs. The ${work} a setup's
// variables hold is the setup's, not the job's: it is dropped.
func (st *state) workWhenUsed(files []File) error {
	if len(files) > 0 || st.opts.KeepWork {
		return st.makeWork(files)
	}
	delete(st.vars, workVar)
	st.workLater = true
	return nil
}

// makeWork makes the job's work directory, sets ${work} and writes the
// script's files: there. On error the directory is removed again.
func (st *state) makeWork(files []File) error {
	if err := st.opts.readyRoot(); err != nil {
		return fmt.Errorf("making the work directory: %w", err)
	}
	dir, err := os.MkdirTemp(st.opts.WorkRoot, "drover-work-")
	if err != nil {
		return fmt.Errorf("making the work directory: %w", err)
	}
	// The path the processes see, without symbolic links (macOS's /tmp).
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	st.opts.shared().works.add(dir)
	st.work = dir
	st.vars[workVar] = dir
	for _, f := range files {
		content, err := st.expand(f.Content)
		if err == nil {
			err = writeWorkFile(dir, f.Path, content)
		}
		if err != nil {
			// Removed even with --keep-work: no step ran in it.
			_ = removeWork(dir)
			st.opts.shared().works.drop(dir)
			st.work = ""
			return &Error{Pos: f.Pos, Step: "files", Err: err}
		}
	}
	return nil
}

// writeWorkFile writes content to name (clean and relative) under dir
// through an os.Root: no symbolic link, whatever put it there, leads the
// write out of dir. Parent directories are made (0755 inside the private
// work directory); the file must not exist yet.
func writeWorkFile(dir, name, content string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if parent := path.Dir(name); parent != "." {
		if err := root.MkdirAll(parent, 0o755); err != nil {
			return fmt.Errorf("making the directory of %s: %w", name, err)
		}
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// removeWork removes a work directory and everything in it, even what a
// program left without write permission (chmod -w on a directory).
func removeWork(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.RemoveAll(dir); err == nil {
		return nil
	}
	// Give back to the owner what it may not change, then try again. Links
	// are not followed: only dir's own tree is touched.
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

// endWork removes the job's work directory unless --keep-work keeps it,
// and returns the path kept ("" when removed or none).
func (st *state) endWork() (kept string, err error) {
	dir := st.work
	if dir == "" {
		return "", nil
	}
	st.work = ""
	defer st.opts.shared().works.drop(dir)
	if st.opts.KeepWork {
		return dir, nil
	}
	if err := removeWork(dir); err != nil {
		return "", fmt.Errorf("removing the work directory: %w", err)
	}
	return "", nil
}
