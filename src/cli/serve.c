/* serve.c - `parley serve`: opens the store, starts the HTTP server, stops cleanly on SIGINT/SIGTERM. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/file.h>

#include "auth/keys.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "http/public_url.h"
#include "http/server.h"
#include "lib/pclock.h"
#include "lib/ptime.h"
#include "lib/uuid.h"
#include "media/media.h"
#include "standin/snapshots.h"
#include "standin/standin.h"
#include "webhook/worker.h"

/* Splits "HOST:PORT" or "[V6]:PORT" into host (copied into host, hostlen) and
 * port. Returns 0, or -1 when malformed. */
static int serve_parse_listen(const char *s, char *host, size_t hostlen, uint16_t *port)
{
    const char *colon;
    const char *h = s;
    size_t hl;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -1;
        h = s + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= hostlen)
        return -1;
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || p < 0 || p > 65535)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (uint16_t)p;
    return 0;
}

/* Parses a positive integer option; -1 when it is not one in [min, max]. */
static long serve_num(const char *name, const char *v, long min, long max)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < min || n > max) {
        fprintf(stderr, "parley serve: --%s must be an integer between %ld and %ld, got \"%s\"\n", name, min, max, v);
        return -1;
    }
    return n;
}

/* The admin API's state from the serve options: faults and the journal only
 * with an admin token, a rate limit with or without one, the snapshot
 * directory on SQLite. Returns 0, or 2 after reporting a bad value. */
static int serve_standin(standin_t *si, const char *token, const char *journal, const char *rate, const char *db,
                         const char *snap_dir, char *dir_buf, size_t dir_len)
{
    memset(si, 0, sizeof *si);
    if (token) {
        size_t n = strlen(token);
        bool ok = n >= 1 && n <= 1024;
        for (size_t i = 0; ok && i < n; i++)
            ok = token[i] > 0x20 && token[i] < 0x7f;
        if (!ok) {
            fprintf(stderr, "parley serve: the admin token must be 1 to 1024 printable ASCII characters without "
                            "spaces\n");
            return 2;
        }
        si->admin_token = token;
        si->admin_token_len = n;
    }
    si->ratelimit = ratelimit_new(); /* owner: si, serve_standin_free */
    if (!si->ratelimit)
        return 2;
    char err[256];
    if (rate && ratelimit_set_spec(si->ratelimit, rate, err, sizeof err) != 0) {
        fprintf(stderr, "parley serve: %s\n", err);
        return 2;
    }
    long jn = JOURNAL_DEFAULT;
    if (journal && (jn = serve_num("journal", journal, 0, JOURNAL_MAX)) < 0)
        return 2;
    if (si->admin_token) {
        si->faults = faults_new();                  /* owner: si */
        si->journal = jn ? journal_new((size_t)jn) : NULL; /* owner: si */
        if (!si->faults || (jn && !si->journal)) {
            fprintf(stderr, "parley serve: out of memory\n");
            return 2;
        }
    }
    if (store_is_postgres_url(db)) {
        if (snap_dir) {
            fprintf(stderr, "parley serve: --snapshot-dir needs a SQLite database; PostgreSQL keeps no snapshots\n");
            return 2;
        }
    } else {
        si->snapshot_dir = snap_dir ? snap_dir : snapshot_default_dir(db, dir_buf, dir_len);
    }
    return 0;
}

static void serve_standin_free(standin_t *si)
{
    faults_free(si->faults);
    journal_free(si->journal);
    ratelimit_free(si->ratelimit);
}

/* The media settings from the serve options into o: the storage (a
 * directory, DATABASE.media by default for SQLite; none by default for
 * PostgreSQL), the public base URL (http://HOST:PORT of --listen by
 * default), the URL lifetime and the size limit. Returns 0, or 2 after
 * reporting a bad value. */
static int serve_media_opts(media_opts_t *o, const char *media, const char *s3_endpoint, const char *public_url,
                            const char *ttl, const char *max, const char *db, const char *host, uint16_t port,
                            char *dir_buf, size_t dir_len, char *base, size_t base_len)
{
    long n;
    if (ttl) {
        if ((n = serve_num("media-url-ttl", ttl, 1, MEDIA_MAX_TTL)) < 0)
            return 2;
        o->url_ttl = n;
    }
    if (max) {
        char *end;
        errno = 0;
        long long v = strtoll(max, &end, 10);
        if (errno || *end || end == max || v < 0 || v > MEDIA_MAX_MAX) {
            fprintf(stderr, "parley serve: --max-media must be an integer between 0 and %lld, got \"%s\"\n",
                    (long long)MEDIA_MAX_MAX, max);
            return 2;
        }
        o->max_bytes = v;
    }
    o->s3_endpoint = s3_endpoint;
    if (media) {
        o->where = media;
    } else if (!store_is_postgres_url(db)) {
        snprintf(dir_buf, dir_len, "%s.media", db);
        o->where = dir_buf;
    } else if (s3_endpoint) {
        fprintf(stderr, "parley serve: --s3-endpoint needs --media s3://BUCKET/PREFIX\n");
        return 2;
    }
    if (public_url) { /* checked by public_url_ok already; the media URLs add their own '/' */
        size_t n = strlen(public_url);
        while (n > 0 && public_url[n - 1] == '/')
            n--;
        if (n >= base_len) {
            fprintf(stderr, "parley serve: --public-url is %zu bytes; media URLs take at most %zu\n", n, base_len - 1);
            return 2;
        }
        snprintf(base, base_len, "%.*s", (int)n, public_url);
    } else {
        snprintf(base, base_len, strchr(host, ':') ? "http://[%s]:%u" : "http://%s:%u", host, port);
    }
    o->base = base;
    return 0;
}

int cli_serve(int argc, char **argv)
{
    const char *listen = "127.0.0.1:8080", *db = cli_default_db(), *threads = NULL, *durability = "full";
    const char *max_body = "16777216", *max_conn = "4096", *idle = "60", *max_conn_ip = "256", *pool = NULL;
    const char *max_headers = "16384", *header_timeout = "30", *log_format = NULL, *metrics_listen = NULL;
    const char *admin_token = getenv("PARLEY_ADMIN_TOKEN"), *journal = NULL, *rate_limit = NULL, *now = NULL;
    const char *id_seed = NULL, *snapshot_dir = NULL, *wh_timeout = "10", *wh_max_age = "86400";
    const char *media = NULL, *s3_endpoint = NULL, *public_url = NULL, *media_ttl = NULL, *max_media = NULL;
    bool log_requests = false, snapshot_initial = false, metrics = false, wh_block_private = false;
    const cli_opt_t opts[] = {
        {"listen", "HOST:PORT", "address to listen on (default 127.0.0.1:8080; [::1]:8080 for IPv6)", &listen, NULL},
        {"db", "PATH|URL",
         "SQLite database file, created when missing, or a PostgreSQL libpq URL (postgres://USER:PASS@HOST:PORT/DB) "
         "or keyword string (default $PARLEY_DB or ./parley.db)", &db, NULL},
        {"db-pool", "N", "PostgreSQL: connections in the pool (default: threads + 1)", &pool, NULL},
        {"threads", "N", "worker threads (default: one per core)", &threads, NULL},
        {"durability", "full|normal",
         "full (default): a write is on disk before its 200; normal: survives a process crash, "
         "may lose the last writes on power loss", &durability, NULL},
        {"max-body", "BYTES", "largest accepted request body (default 16777216 = 16 MiB); larger gets 413", &max_body,
         NULL},
        {"max-header-size", "BYTES",
         "largest total of a request's headers (default 16384 = 16 KiB, as Node.js; 8192 to 65536); larger "
         "gets 431. The per-connection buffer, cleared after every request, is this plus 32 KiB", &max_headers, NULL},
        {"max-connections", "N",
         "simultaneous connections (default 4096; the open-file limit is raised to fit); further clients wait in "
         "the kernel's accept queue until one closes", &max_conn, NULL},
        {"max-connections-per-ip", "N",
         "simultaneous connections from one client address (default 256; 0 = no limit); more are closed at once. "
         "Loopback clients are never limited. Behind a reverse proxy every client has the proxy's address: "
         "set 0 there", &max_conn_ip, NULL},
        {"idle-timeout", "SECONDS", "close connections idle this long (default 60)", &idle, NULL},
        {"header-timeout", "SECONDS",
         "a request head must be complete within this many seconds of the connection starting to wait for it "
         "(default 30; 0 = no deadline): past it, 408 and close (an idle keep-alive connection is just closed)",
         &header_timeout, NULL},
        {"log-requests", NULL, "log one line per request (method, path, status, time) to stderr", NULL, &log_requests},
        {"log-format", "text|json",
         "log one line per request to stderr: text, or json (time, requestId, method, route, path, status, "
         "durationUs, bytesOut, keyId; never a key, token, query string or body)", &log_format, NULL},
        {"metrics", NULL, "serve GET /metrics (Prometheus text format, no key) on the main port", NULL, &metrics},
        {"metrics-listen", "HOST:PORT", "serve GET /metrics (Prometheus text format, no key) on a port of its own",
         &metrics_listen, NULL},
        {"admin-token", "TOKEN",
         "turns on the admin API under /_parley/ (test tenants, snapshots, faults, rate limit, clock, request "
         "journal); requests need Authorization: Bearer TOKEN (default $PARLEY_ADMIN_TOKEN; off when neither is set)",
         &admin_token, NULL},
        {"journal", "N", "requests the admin API's journal keeps (default 1000; 0 = off)", &journal, NULL},
        {"rate-limit", "N/s|N/m", "a token bucket per API key: over it, 429 with Retry-After (default: none)",
         &rate_limit, NULL},
        {"now", "TIME", "start with the clock frozen at TIME (RFC 3339); the admin API moves it", &now, NULL},
        {"id-seed", "S", "new ids come from a generator seeded with S (an integer): with a frozen clock the same "
                         "requests give byte-identical answers", &id_seed, NULL},
        {"snapshot-dir", "DIR", "where snapshots are kept (default: DATABASE.snapshots; SQLite only)", &snapshot_dir,
         NULL},
        {"snapshot-initial", NULL, "take the snapshot `initial` at start (POST /_parley/reset returns to it)", NULL,
         &snapshot_initial},
        {"media", "DIR|s3://BUCKET/PREFIX",
         "where uploaded recordings are kept: a directory (default: DATABASE.media with SQLite; none with "
         "PostgreSQL), or an S3-compatible bucket (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
         "region from AWS_REGION); instances sharing a PostgreSQL database must share a bucket", &media, NULL},
        {"s3-endpoint", "URL", "the S3-compatible server of --media s3://… (http(s)://HOST:PORT; default: AWS S3)",
         &s3_endpoint, NULL},
        {"public-url", "URL",
         "the server's base URL as clients reach it, for the URLs it hands out (media URLs, snippet links): "
         "http:// or https://, no query (default http://LISTEN-ADDRESS)", &public_url, NULL},
        {"media-url-ttl", "SECONDS", "how long an issued media URL works (default 3600)", &media_ttl, NULL},
        {"max-media", "BYTES", "largest media object a PUT may store (default 2147483648 = 2 GiB; at most 5 GiB, "
                               "S3's limit for one PUT); larger gets 413", &max_media, NULL},
        {"webhook-timeout", "SECONDS", "a webhook receiver must answer within this many seconds (default 10; 1 to 300)",
         &wh_timeout, NULL},
        {"webhook-max-age", "SECONDS",
         "a webhook delivery is retried until its event is this old, then marked failed (default 86400 = 24 h)",
         &wh_max_age, NULL},
        {"webhook-block-private", NULL,
         "refuse webhook receivers at loopback, private, link-local and other non-public addresses (checked after "
         "name resolution)", NULL, &wh_block_private},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley serve [OPTIONS]",
                       "Serves the Conversations API under /v2 and GET /healthz. Prints \"listening on\n"
                       "http://HOST:PORT\" to stderr once connections are accepted. SIGINT or SIGTERM stops\n"
                       "accepting, finishes requests in flight, closes the database and exits 0.",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;

    server_opts_t so = {0};
    char host[128];
    if (serve_parse_listen(listen, host, sizeof host, &so.port) != 0) {
        fprintf(stderr, "parley serve: --listen must be HOST:PORT or [IPV6]:PORT, got \"%s\"\n", listen);
        return 2;
    }
    if (public_url && !public_url_ok(public_url)) {
        fprintf(stderr, "parley serve: --public-url must be an http:// or https:// URL of at most %d bytes without "
                        "query or fragment, got \"%s\"\n", PUBLIC_URL_MAX, public_url);
        return 2;
    }
    so.host = host;
    long n;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    so.threads = (unsigned)(ncpu > 0 ? ncpu : 1);
    if (threads) {
        if ((n = serve_num("threads", threads, 1, 256)) < 0)
            return 2;
        so.threads = (unsigned)n;
    }
    if ((n = serve_num("max-body", max_body, 1, 1L << 30)) < 0)
        return 2;
    so.max_body = (size_t)n;
    if ((n = serve_num("max-header-size", max_headers, 8192, 65536)) < 0)
        return 2;
    so.max_headers = (size_t)n;
    if ((n = serve_num("max-connections", max_conn, 1, 65536)) < 0)
        return 2;
    so.max_connections = (unsigned)n;
    if ((n = serve_num("max-connections-per-ip", max_conn_ip, 0, 65536)) < 0)
        return 2;
    so.max_connections_per_ip = (unsigned)n;
    if ((n = serve_num("idle-timeout", idle, 1, 86400)) < 0)
        return 2;
    so.idle_timeout = (unsigned)n;
    if ((n = serve_num("header-timeout", header_timeout, 0, 86400)) < 0)
        return 2;
    so.header_timeout = (unsigned)n;
    so.log_format = log_requests ? SERVER_LOG_TEXT : SERVER_LOG_NONE;
    if (log_format) {
        if (strcmp(log_format, "text") == 0)
            so.log_format = SERVER_LOG_TEXT;
        else if (strcmp(log_format, "json") == 0)
            so.log_format = SERVER_LOG_JSON;
        else {
            fprintf(stderr, "parley serve: --log-format must be text or json, got \"%s\"\n", log_format);
            return 2;
        }
    }
    so.metrics_on_main = metrics;
    char mhost[128];
    if (metrics_listen) {
        if (serve_parse_listen(metrics_listen, mhost, sizeof mhost, &so.metrics_port) != 0) {
            fprintf(stderr, "parley serve: --metrics-listen must be HOST:PORT or [IPV6]:PORT, got \"%s\"\n",
                    metrics_listen);
            return 2;
        }
        so.metrics_host = mhost;
    }
    webhook_opts_t wo = {.block_private = wh_block_private};
    if ((n = serve_num("webhook-timeout", wh_timeout, 1, 300)) < 0)
        return 2;
    wo.timeout_ms = n * 1000;
    if ((n = serve_num("webhook-max-age", wh_max_age, 1, 365L * 86400)) < 0)
        return 2;
    wo.max_age_ms = (int64_t)n * 1000;
    store_durability_t dur;
    if (strcmp(durability, "full") == 0)
        dur = STORE_DURABILITY_FULL;
    else if (strcmp(durability, "normal") == 0)
        dur = STORE_DURABILITY_NORMAL;
    else {
        fprintf(stderr, "parley serve: --durability must be full or normal, got \"%s\"\n", durability);
        return 2;
    }
    media_opts_t mo = {.url_ttl = MEDIA_DEFAULT_TTL, .max_bytes = MEDIA_DEFAULT_MAX,
                       .durable = dur == STORE_DURABILITY_FULL};
    char media_dir[4096], base[512];
    if (serve_media_opts(&mo, media, s3_endpoint, public_url, media_ttl, max_media, db, host, so.port, media_dir,
                         sizeof media_dir, base, sizeof base) != 0)
        return 2;
    if (key_lib_init() != 0) {
        fprintf(stderr, "parley serve: libsodium failed to initialise\n");
        return 1;
    }
    if (now) {
        int64_t ms;
        if (ptime_parse_ms(now, &ms) != 0) {
            fprintf(stderr, "parley serve: --now must be an RFC 3339 time (2024-03-18T10:00:00Z), got \"%s\"\n", now);
            return 2;
        }
        pclock_set(ms, true);
    }
    if (id_seed) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(id_seed, &end, 10);
        if (errno || *end || end == id_seed || id_seed[0] == '-') {
            fprintf(stderr, "parley serve: --id-seed must be a non-negative integer, got \"%s\"\n", id_seed);
            return 2;
        }
        uuid_seed((uint64_t)v);
    }
    standin_t si;
    char dir_buf[4096];
    if (serve_standin(&si, admin_token, journal, rate_limit, db, snapshot_dir, dir_buf, sizeof dir_buf) != 0) {
        serve_standin_free(&si);
        return 2;
    }
    if (snapshot_initial && !si.snapshot_dir) {
        fprintf(stderr, "parley serve: --snapshot-initial needs a SQLite database\n");
        serve_standin_free(&si);
        return 2;
    }
    so.standin = &si;

    /* Block the stop signals before any thread exists so that only sigwait sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    long pool_size = (long)so.threads + 1;
    if (pool && (pool_size = serve_num("db-pool", pool, 1, 1024)) < 0)
        return 2;
    if (webhook_global_init() != 0) { /* libcurl, before any thread exists */
        fprintf(stderr, "parley serve: libcurl failed to initialise\n");
        serve_standin_free(&si);
        return 1;
    }
    store_t *st = cli_store_open_pool(db, dur, (int)pool_size);
    if (!st) {
        serve_standin_free(&si);
        webhook_global_cleanup();
        return 1;
    }
    /* A shared flock on the SQLite file says "a server uses it" to `parley
     * snapshot restore` (which takes it exclusively). flock and SQLite's fcntl
     * locks do not interact; the descriptor stays open until after
     * store_close, since closing any descriptor of the file would drop
     * SQLite's locks. */
    int lock_fd = -1;
    if (!store_is_postgres_url(db) && (lock_fd = open(db, O_RDONLY | O_CLOEXEC)) >= 0)
        flock(lock_fd, LOCK_SH | LOCK_NB);
    char err[512];
    media_t *mt = NULL;
    if (mo.where && !(mt = media_open(&mo, st, err, sizeof err))) {
        fprintf(stderr, "parley serve: --media: %s\n", err);
        store_close(st);
        if (lock_fd >= 0)
            close(lock_fd);
        serve_standin_free(&si);
        return 1;
    }
    so.media = mt;
    if (snapshot_initial) {
        snapshot_info_t info;
        if (snapshot_take(st, si.snapshot_dir, "initial", &info, err, sizeof err) != STORE_OK) {
            fprintf(stderr, "parley serve: --snapshot-initial: %s\n", err);
            media_close(mt);
            store_close(st);
            if (lock_fd >= 0)
                close(lock_fd);
            serve_standin_free(&si);
            webhook_global_cleanup();
            return 1;
        }
    }
    const char *base_fmt = strchr(host, ':') ? "http://[%s]:%u" : "http://%s:%u";
    char pub_base[PUBLIC_URL_MAX + 1];
    snprintf(pub_base, sizeof pub_base, base_fmt, host, so.port);
    public_url_set(public_url ? public_url : pub_base); /* with port 0 it is set again once the port is known */
    server_t *srv = server_start(&so, st, err, sizeof err);
    webhook_worker_t *hooks = NULL; /* the webhook delivery thread (off the request threads); owned */
    if (srv) {
        wo.gate = server_gate(srv);
        if (!(hooks = webhook_worker_start(st, &wo, err, sizeof err))) {
            server_stop(srv);
            srv = NULL;
        }
    }
    if (!srv) {
        fprintf(stderr, "parley serve: %s\n", err);
        media_close(mt);
        store_close(st);
        if (lock_fd >= 0)
            close(lock_fd);
        serve_standin_free(&si);
        webhook_global_cleanup();
        return 1;
    }
    if (mt && !public_url && so.port == 0) /* the port is known only now */
        snprintf(mt->base, sizeof mt->base, strchr(host, ':') ? "http://[%s]:%u" : "http://%s:%u", host,
                 server_port(srv));
    if (so.metrics_host)
        fprintf(stderr, strchr(mhost, ':') ? "metrics on http://[%s]:%u/metrics\n" : "metrics on http://%s:%u/metrics\n",
                mhost, server_metrics_port(srv));
    if (!public_url && so.port == 0) {
        snprintf(pub_base, sizeof pub_base, base_fmt, host, server_port(srv));
        public_url_set(pub_base);
    }
    const char *fmt = strchr(host, ':') ? "listening on http://[%s]:%u\n" : "listening on http://%s:%u\n";
    fprintf(stderr, fmt, host, server_port(srv));
    fflush(stderr);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    fprintf(stderr, "received %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    webhook_worker_stop(hooks); /* before the server: it passes the server's gate */
    server_stop(srv);
    media_close(mt);
    store_close(st);
    if (lock_fd >= 0)
        close(lock_fd);
    serve_standin_free(&si);
    webhook_global_cleanup();
    fprintf(stderr, "stopped\n");
    return 0;
}
