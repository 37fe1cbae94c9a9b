/* pathglob.h - URL path globs: `*` matches within one segment, `**` any number of whole segments. */
#ifndef PARLEY_PATHGLOB_H
#define PARLEY_PATHGLOB_H

#include <stdbool.h>
#include <stddef.h>

#define PATHGLOB_MAX 1024 /* bytes of a glob */

/* Checks that glob can match some request path: it starts with '/', is at
 * most PATHGLOB_MAX bytes, has no empty segment ("//"), no '?', '#', space or
 * control character, and `**` only as a whole segment. Returns 0, or -1 with
 * the reason in err. */
int pathglob_check(const char *glob, char *err, size_t errlen);
/* True when path (the raw request path, without the query) matches glob. In a
 * segment, `*` matches any run of characters other than '/' (also none); a
 * segment `**` matches zero or more whole segments; everything else matches
 * itself, byte for byte. A trailing '/' on either side is not ignored.
 * Runs in O(len(glob) * len(path)) time without recursion; can't fail. */
bool pathglob_match(const char *glob, const char *path);

#endif
