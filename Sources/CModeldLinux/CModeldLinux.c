#define _GNU_SOURCE
#include "CModeldLinux.h"
#include <spawn.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
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

int modeld_ficlone(int dst, int src) {
    return ioctl(dst, FICLONE, src);
}

long modeld_copy_file_range(int src, long long src_offset, int dst, long long dst_offset, unsigned long length) {
    loff_t in = src_offset, out = dst_offset;
    return (long)copy_file_range(src, &in, dst, &out, length, 0);
}

int modeld_filesystem_magic(const char *path, unsigned long *magic) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    *magic = (unsigned long)info.f_type;
    return 0;
}
