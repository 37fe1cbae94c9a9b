/* bytesrc.c - bytes to send without holding them in memory: a stretch of a file, or a reader that pulls them in turn. */
#include "lib/bytesrc.h"

#include <string.h>
#include <unistd.h>

void bytesrc_init(bytesrc_t *b)
{
    memset(b, 0, sizeof *b);
    b->fd = -1;
}

void bytesrc_release(bytesrc_t *b)
{
    if (b->fd >= 0)
        close(b->fd);
    else if (b->close)
        b->close(b->ctx);
    bytesrc_init(b);
}
