/* One gzip member of a file, by zlib or libdeflate with the settings given, as the cloud-init
 * backend makes one: bench/deflate.sh runs it under callgrind to count the instructions of
 * `compress_once` alone (setting up, compressing, freeing) and prints the size.
 *
 *   deflate FILE zlib LEVEL MEMLEVEL WINDOWBITS STRATEGY
 *   deflate FILE libdeflate LEVEL
 *
 * Prints: compressed bytes, and the minor page faults `compress_once` took (getrusage). */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

struct settings {
  int libdeflate, level, memLevel, windowBits, strategy;
};

/* Not inlined, so that callgrind's --toggle-collect=compress_once sees all of it. */
__attribute__((noinline)) static size_t compress_once(const unsigned char *in, size_t size,
                                                 unsigned char *out, size_t room,
                                                 const struct settings *s) {
  if (s->libdeflate) {
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(s->level);
    if (!c) return 0;
    size_t n = libdeflate_gzip_compress(c, in, size, out, room);
    libdeflate_free_compressor(c);
    return n;
  }
  z_stream stream;
  memset(&stream, 0, sizeof stream);
  if (deflateInit2(&stream, s->level, Z_DEFLATED, s->windowBits + 16, s->memLevel, s->strategy) !=
      Z_OK)
    return 0;
  gz_header header;
  memset(&header, 0, sizeof header);
  header.os = 255;
  deflateSetHeader(&stream, &header);
  stream.next_in = (unsigned char *)in;
  stream.avail_in = (uInt)size;
  stream.next_out = out;
  stream.avail_out = (uInt)room;
  int status = deflate(&stream, Z_FINISH);
  size_t n = stream.total_out;
  deflateEnd(&stream);
  return status == Z_STREAM_END ? n : 0;
}

int main(int argc, char **argv) {
  struct settings s = {0};
  if (argc == 4 && strcmp(argv[2], "libdeflate") == 0) {
    s.libdeflate = 1;
    s.level = atoi(argv[3]);
  } else if (argc == 7 && strcmp(argv[2], "zlib") == 0) {
    s.level = atoi(argv[3]);
    s.memLevel = atoi(argv[4]);
    s.windowBits = atoi(argv[5]);
    s.strategy = atoi(argv[6]);
  } else {
    fprintf(stderr,
            "usage: %s FILE zlib LEVEL MEMLEVEL WINDOWBITS STRATEGY | FILE libdeflate LEVEL\n",
            argv[0]);
    return 2;
  }
  FILE *file = fopen(argv[1], "rb");
  if (!file) {
    perror(argv[1]);
    return 1;
  }
  static unsigned char in[1 << 20], out[(1 << 20) + 4096];
  size_t size = fread(in, 1, sizeof in, file);
  fclose(file);
  /* Touch the buffers first, so that their page faults are not counted as compression's. */
  memset(out, 0, sizeof out);
  struct rusage before, after;
  getrusage(RUSAGE_SELF, &before);
  size_t n = compress_once(in, size, out, sizeof out, &s);
  getrusage(RUSAGE_SELF, &after);
  if (n == 0) {
    fprintf(stderr, "compression failed\n");
    return 1;
  }
  printf("%zu %ld\n", n, after.ru_minflt - before.ru_minflt);
  return 0;
}
