/* range.h - the Range request header (RFC 9110 §14.2) for media downloads: one byte range, or none. */
#ifndef PARLEY_MEDIA_RANGE_H
#define PARLEY_MEDIA_RANGE_H

#include <stdint.h>

typedef enum {
    MEDIA_RANGE_NONE = 0,        /* no Range, or one to ignore: send the whole object (200) */
    MEDIA_RANGE_OK,              /* send [*off, *off + *len) (206) */
    MEDIA_RANGE_UNSATISFIABLE,   /* 416 with Content-Range: bytes * / size */
} media_range_rc_t;

#define MEDIA_RANGE_HEADER_MAX 256  /* longer Range values are ignored */

/* Reads the Range header value h (NULL: none) against an object of size
 * bytes. Understood: "bytes=FIRST-LAST", "bytes=FIRST-", "bytes=-SUFFIX" (the
 * unit case-insensitive, spaces around the range allowed). Following RFC
 * 9110, a header that is not one of these (another unit, bad syntax, LAST <
 * FIRST, several ranges) is ignored (NONE). A range starting at or past the
 * end, or a suffix of 0, is UNSATISFIABLE; LAST past the end is cut to the
 * end; a suffix longer than the object is the whole object. A suffix range of
 * an empty object is ignored (a 206 cannot describe zero bytes). Can't fail. */
media_range_rc_t media_range_parse(const char *h, int64_t size, int64_t *off, int64_t *len);

#endif
