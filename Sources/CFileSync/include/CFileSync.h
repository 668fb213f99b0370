#ifndef NODESPEC_CFILESYNC_H
#define NODESPEC_CFILESYNC_H

// The Linux calls the batch (`compile --out-dir`) makes for its outputs' write-back: one
// that Swift's Glibc module leaves out, because glibc declares it only under _GNU_SOURCE,
// and one that Darwin lacks. Elsewhere they fall back to what POSIX has.

/// Every dirty page and inode of the file system holding `fd` on disk (syncfs(2)); errno
/// set on failure. Elsewhere: sync(2), then fsync of `fd`.
int nodespec_syncfs(int fd);

/// Drops `fd`'s clean pages from the page cache (posix_fadvise(2) with POSIX_FADV_DONTNEED):
/// pages still dirty or under write-back stay. A hint: does nothing where the call is missing.
void nodespec_drop_cached(int fd);

#endif
