#ifndef MODELD_CMODELDLINUX_H
#define MODELD_CMODELDLINUX_H
// accept4 and posix_spawn_file_actions_addclosefrom_np are GNU extensions.
#define _GNU_SOURCE
#include <spawn.h>
#include <sys/socket.h>
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

/// accept4(2), close-on-exec and non-blocking from its first instant: no child spawned
/// meanwhile inherits the connection, as it could between accept and fcntl.
static inline int modeld_accept_cloexec_nonblocking(int fd) {
    return accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

/// A child starts with no descriptor from `lowest` up (glibc 2.34).
static inline int modeld_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

#endif
