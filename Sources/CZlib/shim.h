/* next_in is a pointer to const: Swift passes the input without copying it. */
#define ZLIB_CONST
#include <zlib.h>

/* deflateInit2 is a macro (it passes zlib's version and the stream's size), which Swift cannot
 * call. A gzip member (window bits 15 + 16) at level 9 with memLevel 9: zlib's smallest. */
static inline int nodespec_gzip_init(z_stream *stream) {
  return deflateInit2(stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
}
