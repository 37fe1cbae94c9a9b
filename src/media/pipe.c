/* pipe.c - a bounded byte pipe between two threads: how a request's bytes reach libcurl's thread and come back (s3.c). */
#include "media/pipe.h"

#include <stdlib.h>
#include <string.h>

int media_pipe_init(media_pipe_t *p, size_t cap)
{
    memset(p, 0, sizeof *p);
    p->buf = malloc(cap); /* owner: p, freed by media_pipe_destroy */
    if (!p->buf)
        return -1;
    p->cap = cap;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    return 0;
}

void media_pipe_destroy(media_pipe_t *p)
{
    if (!p->buf)
        return;
    free(p->buf);
    p->buf = NULL;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}

int media_pipe_write(media_pipe_t *p, const char *data, size_t n)
{
    pthread_mutex_lock(&p->mu);
    while (n > 0 && !p->rclosed) {
        if (p->len == p->cap) {
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        size_t tail = (p->head + p->len) % p->cap;
        size_t room = p->cap - p->len;
        size_t run = tail + room > p->cap ? p->cap - tail : room; /* contiguous free bytes from tail */
        size_t k = n < run ? n : run;
        memcpy(p->buf + tail, data, k);
        p->len += k;
        data += k;
        n -= k;
        pthread_cond_broadcast(&p->cv);
    }
    int rc = p->rclosed ? -1 : 0;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void media_pipe_end(media_pipe_t *p, bool ok)
{
    pthread_mutex_lock(&p->mu);
    if (p->wstate == 0)
        p->wstate = ok ? 1 : 2;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

ssize_t media_pipe_read(media_pipe_t *p, char *buf, size_t max)
{
    pthread_mutex_lock(&p->mu);
    while (p->len == 0 && p->wstate == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    ssize_t got;
    if (p->wstate == 2) {
        got = -1;
    } else {
        size_t run = p->head + p->len > p->cap ? p->cap - p->head : p->len; /* contiguous bytes from head */
        size_t k = max < run ? max : run;
        memcpy(buf, p->buf + p->head, k);
        p->head = (p->head + k) % p->cap;
        p->len -= k;
        got = (ssize_t)k;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return got;
}

void media_pipe_close_read(media_pipe_t *p)
{
    pthread_mutex_lock(&p->mu);
    p->rclosed = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
