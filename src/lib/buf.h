/* buf.h - a growable byte buffer, always NUL-terminated, with sticky out-of-memory state. */
#ifndef PARLEY_BUF_H
#define PARLEY_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* The buffer owns data (malloc'd). After any failed allocation oom is set and
 * every later append is a no-op, so callers may check once at the end. */
typedef struct buf {
    char *data;   /* NUL-terminated when cap > 0; NULL before the first append */
    size_t len;
    size_t cap;
    int oom;
} buf_t;

void buf_init(buf_t *b);
/* Frees data and re-initialises b. Safe on an initialised, empty buffer. */
void buf_free(buf_t *b);
/* Empties b but keeps its memory. */
void buf_reset(buf_t *b);
/* Each returns 0 on success, -1 (and sets oom) when memory runs out. */
int buf_reserve(buf_t *b, size_t extra);
int buf_append(buf_t *b, const void *p, size_t n);
int buf_puts(buf_t *b, const char *s);
/* The slow path of buf_putc (growth, OOM); call buf_putc instead. */
int buf_putc_grow(buf_t *b, char c);
/* Appends one byte; inline because JSON output calls it for every bracket,
 * comma and quote, and the common case is a store into spare capacity. */
static inline int buf_putc(buf_t *b, char c)
{
    if (b->len + 1 < b->cap && !b->oom) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return buf_putc_grow(b, c);
}
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf_t *b, const char *fmt, va_list ap);
/* Hands data to the caller (who frees it) and re-initialises b. Returns NULL
 * when b is empty or oom; *len (if non-NULL) receives the length. */
char *buf_detach(buf_t *b, size_t *len);

#endif
