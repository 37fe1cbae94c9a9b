/* bytesrc.h - bytes to send without holding them in memory: a stretch of a file, or a reader that pulls them in turn. */
#ifndef PARLEY_BYTESRC_H
#define PARLEY_BYTESRC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* size bytes: those of fd from offset (whoever holds the source closes fd;
 * the HTTP server sends them with sendfile), or, when fd < 0, whatever read
 * returns in turn (the count, at most max; 0 only at the end; -1 on failure),
 * after which close(ctx) is called once. read may be NULL when the bytes are
 * never wanted (the reply to a HEAD). */
typedef struct bytesrc {
    int64_t size;
    int fd;
    int64_t offset;
    ssize_t (*read)(void *ctx, char *buf, size_t max);
    void (*close)(void *ctx);
    void *ctx;
} bytesrc_t;

/* An empty source: no file, no reader, size 0. */
void bytesrc_init(bytesrc_t *b);
/* Closes b's fd or calls its close (whichever it has); b is then empty. */
void bytesrc_release(bytesrc_t *b);

#endif
