#ifndef MODELD_CMODELDLINUX_H
#define MODELD_CMODELDLINUX_H

// Linux calls that Swift's Glibc module does not offer: raw syscalls (ioprio_set,
// gettid) and GNU extensions (accept4, posix_spawn_file_actions_addclosefrom_np,
// copy_file_range), the FICLONE ioctl and statfs(2), whose header Glibc's module lacks.
// Only plain C types cross this header, so no system type is defined in two modules;
// the definitions, with _GNU_SOURCE, are in CModeldLinux.c.

// Classes from linux/ioprio.h.
enum { MODELD_IOPRIO_CLASS_BE = 2, MODELD_IOPRIO_CLASS_IDLE = 3 };

/// ioprio_set(2) for thread `tid` (0: the caller). Returns 0, or -1 with errno.
int modeld_ioprio_set_thread(int tid, int ioclass, int level);

/// The calling thread's id (gettid(2)), for per-thread priorities.
int modeld_gettid(void);

/// accept4(2), close-on-exec and non-blocking from its first instant: no child spawned
/// meanwhile inherits the connection, as it could between accept and fcntl.
int modeld_accept_cloexec_nonblocking(int fd);

/// A spawned child starts with no descriptor from `lowest` up (glibc 2.34);
/// `actions` is a `posix_spawn_file_actions_t *`. Returns 0 or an error number.
int modeld_spawn_close_from(void *actions, int lowest);

/// ioctl(dst, FICLONE, src): `dst` shares `src`'s extents (btrfs, XFS); copy-on-write
/// keeps `src` untouched when `dst` is patched. Returns 0, or -1 with errno.
int modeld_ficlone(int dst, int src);

/// copy_file_range(2) at explicit offsets. Returns bytes copied, or -1 with errno.
long modeld_copy_file_range(int src, long long src_offset, int dst, long long dst_offset, unsigned long length);

/// statfs(2)'s f_type (the filesystem's magic number, linux/magic.h) for `path`.
/// Returns 0, or -1 with errno.
int modeld_filesystem_magic(const char *path, unsigned long *magic);

#endif
