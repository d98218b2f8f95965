#ifndef MODELD_CMODELDLINUX_H
#define MODELD_CMODELDLINUX_H
#include <sys/syscall.h>
#include <unistd.h>

// ioprio_set(2) has no glibc wrapper, and Swift cannot call the variadic syscall().
// Classes and the value layout from linux/ioprio.h.
enum { MODELD_IOPRIO_WHO_PROCESS = 1, MODELD_IOPRIO_CLASS_BE = 2, MODELD_IOPRIO_CLASS_IDLE = 3 };

/// Sets the I/O priority of thread `tid` (0: the caller). Returns 0, or -1 with errno.
static inline int modeld_ioprio_set_thread(int tid, int ioclass, int level) {
    return (int)syscall(SYS_ioprio_set, MODELD_IOPRIO_WHO_PROCESS, tid, (ioclass << 13) | level);
}

/// The calling thread's id (gettid(2)), for per-thread priorities.
static inline int modeld_gettid(void) {
    return (int)syscall(SYS_gettid);
}

#endif
