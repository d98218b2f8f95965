#define _GNU_SOURCE
#include "CModeldLinux.h"
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MODELD_IOPRIO_WHO_PROCESS 1

int modeld_ioprio_set_thread(int tid, int ioclass, int level) {
    return (int)syscall(SYS_ioprio_set, MODELD_IOPRIO_WHO_PROCESS, tid, (ioclass << 13) | level);
}

int modeld_gettid(void) {
    return (int)syscall(SYS_gettid);
}

int modeld_accept_cloexec_nonblocking(int fd) {
    return accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

int modeld_spawn_close_from(void *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, lowest);
}
