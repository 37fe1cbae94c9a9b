/* pipe.h - a bounded byte pipe between two threads: how a request's bytes reach libcurl's thread and come back (s3.c). */
#ifndef PARLEY_MEDIA_PIPE_H
#define PARLEY_MEDIA_PIPE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct media_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *buf;                 /* cap bytes, a ring; owned */
    size_t cap, head, len;
    int wstate;                /* 0 open, 1 ended (end of data), 2 failed */
    bool rclosed;              /* the reader went away */
} media_pipe_t;

/* 0, or -1 when out of memory. */
int media_pipe_init(media_pipe_t *p, size_t cap);
void media_pipe_destroy(media_pipe_t *p);
/* Copies all n bytes in, waiting while the pipe is full. 0, or -1 once the
 * reader closed (the bytes are then dropped). */
int media_pipe_write(media_pipe_t *p, const char *data, size_t n);
/* The writer is done: ok (end of data) or not (the reader's next read fails). */
void media_pipe_end(media_pipe_t *p, bool ok);
/* Copies up to max bytes out, waiting while the pipe is empty. The count;
 * 0 once the writer ended and everything was read; -1 when it failed. */
ssize_t media_pipe_read(media_pipe_t *p, char *buf, size_t max);
/* The reader is done: the writer's next write fails. */
void media_pipe_close_read(media_pipe_t *p);

#endif
