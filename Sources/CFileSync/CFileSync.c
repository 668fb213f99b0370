#define _GNU_SOURCE
#include "CFileSync.h"

#include <fcntl.h>
#include <unistd.h>

int nodespec_syncfs(int fd) {
#ifdef __linux__
  return syncfs(fd);
#else
  sync();
  return fsync(fd);
#endif
}

void nodespec_drop_cached(int fd) {
#ifdef POSIX_FADV_DONTNEED
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
#else
  (void)fd;
#endif
}
