#include "textflag.h"

// drover_entry, with -ldflags=-E=drover_entry, is only the Go runtime's
// own entry point here: drover_entry is written for linux/amd64 (see
// entry_linux.go); elsewhere on Linux the flag changes nothing.
TEXT drover_entry(SB), NOSPLIT|NOFRAME, $0
	JMP	_rt0_arm_linux(SB)
