/* floor.c - the least a server built from Parley's components can do for GET by id: a baseline of bench/run.sh.
 *
 * usage: floor DB PORT [THREADS]
 *
 * libmicrohttpd 0.9.75 configured as `parley serve` configures it (poll, a pool of THREADS threads, the
 * same per-connection memory pool as the default --max-header-size), one SQLite connection (never written) per
 * thread with Parley's page cache (8 MiB), and per request one prepared statement that reads the stored
 * document of Parley's own database by uuid: the two b-tree descents and the overflow pages every GET
 * must read. Nothing else: no API key, no organization or privacy check, no owner join, no splice of the
 * changing attributes, no request id, no journal, no metrics. GET /v2/conversations/{uuid} answers 200
 * with the stored document as stored (Parley's answer before its live attributes are spliced in), or 404.
 *
 * Its ratio to Parley says what Parley's own work costs; its ratio to the Node baseline bounds what any
 * server on these components could reach against that baseline (issue 15). Not part of Parley.
 */
#define _POSIX_C_SOURCE 200809L
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLOOR_POOL (16u * 1024 + 32u * 1024) /* Parley's default: --max-header-size 16384 + its slack */
#define FLOOR_PREFIX "/v2/conversations/"
#define FLOOR_SQL                                                                                                  \
    "SELECT b.doc FROM conversations c JOIN conversation_bodies b ON b.id = c.id WHERE c.uuid = ?1"

static const char *floor_db_path;
static pthread_key_t floor_key; /* the thread's floor_conn_t, made on its first request */

typedef struct floor_conn {
    sqlite3 *db;
    sqlite3_stmt *get;
} floor_conn_t;

/* Frees a thread's connection (pthread key destructor). */
static void floor_conn_free(void *p)
{
    floor_conn_t *c = p;
    sqlite3_finalize(c->get);
    sqlite3_close(c->db);
    free(c);
}

/* The calling thread's connection, opened on first use; NULL when the database cannot be read. */
static floor_conn_t *floor_conn(void)
{
    floor_conn_t *c = pthread_getspecific(floor_key);
    if (c)
        return c;
    c = calloc(1, sizeof *c); /* owned by the thread: floor_conn_free at its exit */
    if (!c)
        return NULL;
    if (sqlite3_open_v2(floor_db_path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, "PRAGMA cache_size = -8192", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(c->db, FLOOR_SQL, -1, SQLITE_PREPARE_PERSISTENT, &c->get, NULL) != SQLITE_OK) {
        fprintf(stderr, "floor: %s: %s\n", floor_db_path, sqlite3_errmsg(c->db));
        floor_conn_free(c);
        return NULL;
    }
    pthread_setspecific(floor_key, c);
    return c;
}

static enum MHD_Result floor_send(struct MHD_Connection *conn, unsigned status, const void *body, size_t len)
{
    struct MHD_Response *res = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!res)
        return MHD_NO;
    MHD_add_response_header(res, "Content-Type", "application/json; charset=utf-8");
    enum MHD_Result rc = MHD_queue_response(conn, status, res);
    MHD_destroy_response(res);
    return rc;
}

static enum MHD_Result floor_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                    const char *version, const char *upload, size_t *upload_size, void **state)
{
    (void)cls, (void)version, (void)upload, (void)upload_size;
    static const char notfound[] = "{\"title\":\"Not Found\",\"status\":404}";
    /* answered on the second call, as Parley does: a response queued on the first one (before the
     * request is complete) makes libmicrohttpd 0.9.75 close the connection after it */
    if (!*state) {
        *state = (void *)1;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 || strncmp(url, FLOOR_PREFIX, strlen(FLOOR_PREFIX)) != 0)
        return floor_send(conn, 404, notfound, sizeof notfound - 1);
    floor_conn_t *c = floor_conn();
    if (!c)
        return MHD_NO;
    const char *id = url + strlen(FLOOR_PREFIX);
    sqlite3_bind_text(c->get, 1, id, -1, SQLITE_STATIC);
    enum MHD_Result rc;
    if (sqlite3_step(c->get) == SQLITE_ROW) {
        /* the stored text is "slots\n{document}": the document starts at its first '{' */
        const char *doc = (const char *)sqlite3_column_text(c->get, 0);
        size_t len = (size_t)sqlite3_column_bytes(c->get, 0);
        const char *start = doc ? memchr(doc, '{', len) : NULL;
        rc = start ? floor_send(conn, 200, start, len - (size_t)(start - doc))
                   : floor_send(conn, 404, notfound, sizeof notfound - 1);
    } else
        rc = floor_send(conn, 404, notfound, sizeof notfound - 1);
    sqlite3_reset(c->get);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: floor DB PORT [THREADS]\n");
        return 2;
    }
    floor_db_path = argv[1];
    unsigned port = (unsigned)atoi(argv[2]);
    unsigned threads = argc > 3 ? (unsigned)atoi(argv[3]) : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (pthread_key_create(&floor_key, floor_conn_free) != 0)
        return 1;
    /* blocked before MHD's threads start, so that they inherit the mask and sigwait below takes them */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, floor_access, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, threads ? threads : 1u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)FLOOR_POOL,
        MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "floor: cannot listen on port %u\n", port);
        return 1;
    }
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
