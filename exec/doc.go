// Package exec starts programs and drives them as an operator would: under
// a pseudo-terminal or on pipes, it sends them text, waits for what they
// print, waits for them to exit, signals them, and ends their whole process
// tree. It also holds the Pool that fans jobs out over workers.
//
// It is a small layer on top of the standard os/exec: a Cmd says what to
// start, Start returns a running Process, and the Process's methods take a
// context for every call that can block.
//
// # Process trees
//
// Every process starts in a session of its own, and so in a process group
// of its own: under a tty with the terminal as its controlling one, on
// pipes with no controlling terminal at all, so that a program that opens
// /dev/tty to prompt fails at once rather than being stopped by SIGTTIN
// at its first read of this program's terminal. Its children stay in
// that group unless they leave it, and Process.Signal reaches them all.
//
// Process.Terminate ends more than the group: the whole tree. On Linux it
// finds, besides the group,
//
//   - every descendant of the process while it runs, children that
//     started a session or a group of their own included;
//   - every orphan of the tree: a process whose parent exited, such as a
//     daemon that forked twice and called setsid to leave its group and
//     session. Once the program has called BecomeSubreaper, the kernel
//     hands such orphans to it rather than to init. Terminate tells which
//     of them belong to the process by their process group or session, or
//     by the marker every process started here inherits: the environment
//     variable MarkerVar (DROVER_PROC) holds a token unique to each
//     process, and a descendant keeps it through setsid and any number of
//     forks. Only a program that replaces its environment (env -i) loses
//     it, and one that makes itself undumpable, as ssh-agent does, hides
//     it from a program not run as root; such an orphan is ended by
//     KillAll instead;
//   - the descendants of all those.
//
// A process under a tty is hung up first, as Expect's close does: its
// group gets SIGHUP and a tenth of a second to exit, so that an
// interactive shell, which ignores SIGTERM, ends at once. Then Terminate
// sends SIGTERM to all of them, waits for the grace, sends SIGKILL to
// whatever is left, and waits (a few seconds at most) for them to die.
// Processes are held by pidfds (Linux 5.3 and later), so that a signal
// never reaches a newer process that took a dead one's pid.
//
// Reaping: after BecomeSubreaper, orphans are the program's children, and
// when they exit they are its zombies until reaped. Terminate reaps those
// it killed, by their pidfds; those that exit by themselves are reaped
// when a process started here ends, and by a goroutine that looks once a
// second (it catches no SIGCHLD, which would wake it at every child's
// exit). It must never take the exit status of a child
// that os/exec is waiting for, so it reaps by pid, never with wait4(-1),
// and only zombies that this package did not start (the pids os/exec
// still waits for are recorded as they start, under a lock the reaper
// also takes) and that are not in the program's own process group, where
// the children a program starts with os/exec directly stay.
//
// On other systems, and on Linux without BecomeSubreaper, Terminate ends
// the process group, and on Linux the descendants still attached to the
// process; an orphan that left the group survives. KillAll, for a program
// about to exit, sends SIGKILL to every group started here and, on Linux,
// to every descendant of the program and, without BecomeSubreaper, every
// process with its marker (with it, they are all descendants).
//
// # A flood on a pipe
//
// On Linux, a pipe that a program fills faster than the reader empties
// it (two reads in a row find half of 64 KiB or more) is read in bulk:
// through a description of its own, off the runtime's poller, which the
// kernel would wake at each of the program's writes; grown to 1 MiB
// (F_SETPIPE_SZ, best effort); read up to 1 MiB at a time, with a pause
// of a millisecond after a read that did not fill its buffer so that the
// next one finds more. What the reader keeps and how patterns match are
// unchanged. Output that comes slowly after a flood waits in poll(2),
// and reaches an Expect at most a pause late; ten milliseconds without
// output end the pauses. A grown pipe holds 1 MiB of the user's pipe
// memory (fs.pipe-user-pages-soft: 64 MiB without CAP_SYS_RESOURCE) while
// it is open, so at most 16 are grown at once in a program; a pipe that
// cannot be grown stays on the poller.
//
// # The terminal after the start
//
// Under a tty, Process.Resize gives the terminal a new size (the kernel
// sends SIGWINCH), and Process.WaitEcho waits until the terminal stops
// (or starts) echoing input, as a password prompt makes it. Changes of a
// terminal's modes raise no event, so WaitEcho reads them every EchoPoll:
// the one place the package polls.
package exec
