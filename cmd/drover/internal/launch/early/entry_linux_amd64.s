#include "textflag.h"

// drover_entry is the program's entry point when it is linked with
// -ldflags=-E=drover_entry (make build does): it runs before the Go
// runtime, with the process as the kernel made it, one thread, argc at
// 0(SP). See entry_linux.go for what it does and why; it ends, in every
// process that goes on as a Go program, at the runtime's own entry point
// with SP as it found it. It uses no stack: its state is the package's
// entry* variables, which the runtime does not clear.

#define SYS_read 0
#define SYS_write 1
#define SYS_mmap 9
#define SYS_close 3
#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_nanosleep 35
#define SYS_fork 57
#define SYS_kill 62
#define SYS_setpgid 109
#define SYS_wait4 61
#define SYS_rt_sigtimedwait 128
#define SYS_prctl 157
#define SYS_exit_group 231
#define SYS_openat 257
#define SYS_newfstatat 262
#define SYS_pipe2 293
#define SYS_getrandom 318

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGPIPE 13
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22

#define ENOENT 2
#define ECHILD 10

// DONE is the offset of Done's word on the page the worker shares.
#define DONE 4092

// BIT is a signal's bit in a kernel sigset_t.
#define BIT(sig) (1<<(sig-1))

// TAKE adds sig to the signals the supervisor blocks and waits for,
// unless it is ignored (SIG_IGN, 1): drover relays no signal it was
// started with ignored, and a blocked signal is queued even if ignored.
#define TAKE(sig, skip) \
	MOVQ	$SYS_rt_sigaction, AX; \
	MOVQ	$sig, DI; \
	XORQ	SI, SI; \
	LEAQ	·entryAction(SB), DX; \
	MOVQ	$8, R10; \
	SYSCALL; \
	CMPQ	AX, $0; \
	JNE	skip; \
	CMPQ	·entryAction(SB), $1; \
	JEQ	skip; \
	ORQ	$BIT(sig), R12; \
skip:

// DISPOSE sets sig's disposition to entryAction's: SIG_IGN discards it
// if pending.
#define DISPOSE(sig) \
	MOVQ	$SYS_rt_sigaction, AX; \
	MOVQ	$sig, DI; \
	LEAQ	·entryAction(SB), SI; \
	XORQ	DX, DX; \
	MOVQ	$8, R10; \
	SYSCALL

TEXT drover_entry(SB), NOSPLIT|NOFRAME, $0
	MOVQ	$1, ·entryRan(SB)

	// Only "drover run" starts processes: argv[1] is "run\0".
	MOVQ	0(SP), R8
	CMPQ	R8, $2
	JLT	goruntime
	MOVQ	16(SP), R9
	CMPL	0(R9), $0x006e7572
	JNE	goruntime

	// Not with DROVER_NO_SUPERVISOR=1: envp follows argv and its NULL.
	LEAQ	16(SP)(R8*8), R10

nextvar:
	MOVQ	0(R10), SI
	TESTQ	SI, SI
	JZ	supervise
	LEAQ	noSupervisor<>(SB), DI

compare:
	MOVBLZX	0(DI), AX
	MOVBLZX	0(SI), BX
	CMPL	AX, BX
	JNE	othervar
	TESTL	AX, AX
	JZ	goruntime // The same, to the end of both.
	INCQ	DI
	INCQ	SI
	JMP	compare

othervar:
	ADDQ	$8, R10
	JMP	nextvar

supervise:
	// A child subreaper: orphans of the worker's tree come here.
	MOVQ	$SYS_prctl, AX
	MOVQ	$36, DI // PR_SET_CHILD_SUBREAPER
	MOVQ	$1, SI
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	SYSCALL
	CMPQ	AX, $0
	JNE	goruntime

	// The worker's page, which both share: the work root it may leave.
	MOVQ	$SYS_mmap, AX
	XORQ	DI, DI
	MOVQ	$4096, SI
	MOVQ	$3, DX // PROT_READ|PROT_WRITE
	MOVQ	$0x21, R10 // MAP_SHARED|MAP_ANONYMOUS
	MOVQ	$-1, R8
	XORQ	R9, R9
	SYSCALL
	CMPQ	AX, $-4096
	JHI	goruntime // -errno
	MOVQ	AX, ·entryPage(SB)

	MOVQ	$SYS_pipe2, AX
	LEAQ	·entryPipe(SB), DI
	MOVQ	$0x80000, SI // O_CLOEXEC
	SYSCALL
	CMPQ	AX, $0
	JNE	goruntime

	// The work root's name, for both processes (GRND_NONBLOCK: zeros if
	// the kernel has no entropy yet).
	MOVQ	$SYS_getrandom, AX
	LEAQ	·entryRandom(SB), DI
	MOVQ	$8, SI
	MOVQ	$1, DX
	SYSCALL

	// Ready (entryReady) is the first byte the worker reads: the signals
	// are taken before the worker exists.
	MOVQ	$SYS_write, AX
	MOVLQSX	·entryPipe+4(SB), DI
	LEAQ	·entryReady(SB), SI
	MOVQ	$1, DX
	SYSCALL

	MOVQ	$(BIT(SIGCHLD)|BIT(SIGPIPE)), R12
	TAKE(SIGINT, tookint)
	TAKE(SIGTERM, tookterm)
	TAKE(SIGHUP, tookhup)
	TAKE(SIGQUIT, tookquit)
	MOVQ	R12, ·entryBlocked(SB)

	// SIGCHLD to its default, should drover have been started with it
	// ignored (some programs leave it so to what they start): the kernel
	// would then reap the worker itself and send no signal, and this
	// process would wait for ever. The worker's runtime catches it anyway.
	MOVQ	$0, ·entryAction+0(SB) // SIG_DFL, no flags, no mask
	MOVQ	$0, ·entryAction+8(SB)
	MOVQ	$0, ·entryAction+16(SB)
	MOVQ	$0, ·entryAction+24(SB)
	DISPOSE(SIGCHLD)
	// Blocked: those, and every signal a Go program ignores unless asked
	// (SIGUSR1, SIGALRM, ...), which would end this one by default. Not
	// blocked: job control's, and those of faults and aborts.
	MOVQ	$~(BIT(SIGILL)|BIT(SIGTRAP)|BIT(SIGABRT)|BIT(SIGBUS)|BIT(SIGFPE)|BIT(SIGKILL)|BIT(SIGSEGV)|BIT(SIGCONT)|BIT(SIGSTOP)|BIT(SIGTSTP)|BIT(SIGTTIN)|BIT(SIGTTOU)), AX
	MOVQ	AX, ·entryAll(SB)
	MOVQ	$SYS_rt_sigprocmask, AX
	XORQ	DI, DI // SIG_BLOCK
	LEAQ	·entryAll(SB), SI
	LEAQ	·entryMask(SB), DX
	MOVQ	$8, R10
	SYSCALL

	MOVQ	$1, ·entryForked(SB)
	MOVQ	$SYS_fork, AX
	SYSCALL
	CMPQ	AX, $0
	JEQ	worker
	JLT	nofork
	MOVQ	AX, ·entryPid(SB)
	MOVQ	$SYS_close, AX
	MOVLQSX	·entryPipe+0(SB), DI
	SYSCALL

wait:
	MOVQ	$SYS_rt_sigtimedwait, AX
	LEAQ	·entryBlocked(SB), DI
	LEAQ	·entryInfo(SB), SI
	XORQ	DX, DX
	MOVQ	$8, R10
	SYSCALL
	CMPQ	AX, $SIGCHLD
	JEQ	reap
	CMPQ	AX, $SIGPIPE
	JEQ	wait // Relayed to a worker that has exited: its SIGCHLD comes.
	CMPQ	AX, $0
	JLE	wait // EINTR: stopped and continued.

	// A stop signal: its number on the pipe, for the worker to act on.
	MOVB	AL, ·entrySignal(SB)
	MOVQ	$SYS_write, AX
	MOVLQSX	·entryPipe+4(SB), DI
	LEAQ	·entrySignal(SB), SI
	MOVQ	$1, DX
	SYSCALL
	JMP	wait

reap:
	MOVQ	$SYS_wait4, AX
	MOVQ	·entryPid(SB), DI
	LEAQ	·entryStatus(SB), SI
	MOVQ	$1, DX // WNOHANG
	XORQ	R10, R10
	SYSCALL
	CMPQ	AX, ·entryPid(SB)
	JEQ	reaped

	// Not yet exited: the worker may have said, just before its exit, that
	// it leaves nothing (Done). Its code is drover's at once.
	MOVQ	·entryPage(SB), SI
	MOVL	DONE(SI), DI
	TESTL	$0x100, DI
	JZ	wait
	ANDL	$0xff, DI
	MOVQ	$SYS_exit_group, AX
	SYSCALL

reaped:
	MOVQ	$1, ·entryReaped(SB)

	// The worker is gone: no signal is relayed any more, and none may end
	// this process before what the worker left is ended. Pending ones are
	// discarded.
	MOVQ	$1, ·entryAction+0(SB) // SIG_IGN
	MOVQ	$0, ·entryAction+8(SB)
	MOVQ	$0, ·entryAction+16(SB)
	MOVQ	$0, ·entryAction+24(SB)
	DISPOSE(SIGINT)
	DISPOSE(SIGTERM)
	DISPOSE(SIGHUP)
	DISPOSE(SIGQUIT)
	DISPOSE(SIGPIPE)

	// End every process left, handed here as the worker's tree lost its
	// parents: kill the children, reap them, again until there is none
	// (ECHILD; at once, most often), a millisecond apart, for at most 10 s
	// as cmd/drover's endDescendants. A killed process's children come
	// here in turn.
	MOVQ	$0, ·entryNap+0(SB)
	MOVQ	$1000000, ·entryNap+8(SB)
	MOVQ	$10000, R13

reapall:
	MOVQ	$SYS_wait4, AX
	MOVQ	$-1, DI
	LEAQ	·entryLeft(SB), SI
	MOVQ	$0x40000001, DX // WNOHANG|__WALL
	XORQ	R10, R10
	SYSCALL
	CMPQ	AX, $0
	JGT	reapall
	CMPQ	AX, $-ECHILD
	JEQ	ended
	CMPQ	AX, $0
	JNE	goruntime // Cannot be: the Go program tries.

	// Kill the children /proc lists for this thread, the only one.
	MOVQ	$SYS_openat, AX
	MOVQ	$-100, DI // AT_FDCWD
	LEAQ	childrenFile<>(SB), SI
	MOVQ	$0x80000, DX // O_RDONLY|O_CLOEXEC
	SYSCALL
	CMPQ	AX, $0
	JLT	goruntime // No /proc/thread-self: the Go program does it.
	MOVQ	AX, R14
	MOVQ	$SYS_read, AX
	MOVQ	R14, DI
	LEAQ	·entryBuf(SB), SI
	MOVQ	$4096, DX
	SYSCALL
	MOVQ	AX, R15
	MOVQ	$SYS_close, AX
	MOVQ	R14, DI
	SYSCALL
	CMPQ	R15, $0
	JGE	parse0
	XORQ	R15, R15

parse0:
	// Pids in decimal, each followed by a space; one cut at the end of
	// the read is left for the next round.
	LEAQ	·entryBuf(SB), BX
	ADDQ	BX, R15
	XORQ	R12, R12

parse:
	CMPQ	BX, R15
	JAE	nap
	MOVBQZX	0(BX), AX
	INCQ	BX
	SUBQ	$48, AX // '0'
	CMPQ	AX, $9
	JHI	endpid
	IMULQ	$10, R12
	ADDQ	AX, R12
	JMP	parse

endpid:
	TESTQ	R12, R12
	JZ	parse
	MOVQ	$SYS_kill, AX
	MOVQ	R12, DI
	MOVQ	$SIGKILL, SI
	SYSCALL
	XORQ	R12, R12
	JMP	parse

nap:
	MOVQ	$SYS_nanosleep, AX
	LEAQ	·entryNap(SB), DI
	XORQ	SI, SI
	SYSCALL
	DECQ	R13
	JNZ	reapall
	JMP	goruntime // Still some after 10 s: the Go program goes on.

ended:
	// No process is left. A work root may be, named on the page the
	// worker shares (empty once it removed it, or made none): the Go
	// program removes it. Else drover's code is the worker's, or 128
	// plus the signal that killed it.
	MOVQ	·entryPage(SB), SI
	CMPB	0(SI), $0
	JEQ	exit
	MOVQ	$SYS_newfstatat, AX
	MOVQ	$-100, DI // AT_FDCWD
	LEAQ	·entryStat(SB), DX
	MOVQ	$0x100, R10 // AT_SYMLINK_NOFOLLOW
	SYSCALL
	CMPQ	AX, $-ENOENT
	JEQ	exit

	// The Go program removes it, in a child of its own process group:
	// this process starts no runtime, whose first moment a stop signal
	// (from a terminal, or sent to drover's pid) could end before the
	// runtime ignores it; the child only removes a directory, and waits
	// for nothing.
	MOVQ	$1, ·entryRemover(SB)
	MOVQ	$SYS_fork, AX
	SYSCALL
	CMPQ	AX, $0
	JEQ	remover
	JLT	noremover
	MOVQ	AX, DI
	MOVQ	$SYS_wait4, AX
	LEAQ	·entryLeft(SB), SI
	XORQ	DX, DX
	XORQ	R10, R10
	SYSCALL
	JMP	exit

remover:
	MOVQ	$SYS_setpgid, AX
	XORQ	DI, DI
	XORQ	SI, SI
	SYSCALL
	JMP	goruntime

noremover:
	MOVQ	$0, ·entryRemover(SB)
	JMP	goruntime

exit:
	MOVL	·entryStatus(SB), DI
	MOVL	DI, AX
	ANDL	$0x7f, AX
	JNZ	killed
	SHRL	$8, DI
	ANDL	$0xff, DI
	MOVQ	$SYS_exit_group, AX
	SYSCALL

killed:
	LEAQ	128(AX), DI
	MOVQ	$SYS_exit_group, AX
	SYSCALL

nofork:
	MOVQ	$0, ·entryForked(SB)
	MOVQ	$SYS_close, AX
	MOVLQSX	·entryPipe+0(SB), DI
	SYSCALL
	MOVQ	$SYS_close, AX
	MOVLQSX	·entryPipe+4(SB), DI
	SYSCALL
	MOVL	$-1, ·entryPipe+0(SB)
	MOVL	$-1, ·entryPipe+4(SB)

worker:
	// The worker, or drover alone: the signal mask it was started with.
	MOVQ	$SYS_rt_sigprocmask, AX
	MOVQ	$2, DI // SIG_SETMASK
	LEAQ	·entryMask(SB), SI
	XORQ	DX, DX
	MOVQ	$8, R10
	SYSCALL

goruntime:
	JMP	_rt0_amd64_linux(SB)

// "DROVER_NO_SUPERVISOR=1" and its NUL.
DATA noSupervisor<>+0(SB)/8, $"DROVER_N"
DATA noSupervisor<>+8(SB)/8, $"O_SUPERV"
DATA noSupervisor<>+16(SB)/6, $"ISOR=1"
GLOBL noSupervisor<>(SB), RODATA|NOPTR, $24

// The children of this process's one thread.
DATA childrenFile<>+0(SB)/8, $"/proc/th"
DATA childrenFile<>+8(SB)/8, $"read-sel"
DATA childrenFile<>+16(SB)/8, $"f/childr"
DATA childrenFile<>+24(SB)/2, $"en"
GLOBL childrenFile<>(SB), RODATA|NOPTR, $32
