/* worker.c - the webhook delivery worker: one thread that sends each endpoint's pending deliveries in order, with libcurl's multi interface, and records every attempt. */
#include "webhook/worker.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/jsonw.h"
#include "lib/ptime.h"
#include "model/webhook.h"
#include "webhook/client.h"

/* How the worker works. Each endpoint is a queue: its pending deliveries in
 * the order of their events' seq, which is commit order (SQLite has one
 * writer; on PostgreSQL the seqs of transactions that did not overlap are in
 * commit order). A "lane"
 * takes one endpoint at a time: it claims it (store_webhook_claim: on
 * PostgreSQL an advisory lock of the worker's session, so no other instance
 * sends to it meanwhile), loads a window of its first pending deliveries,
 * sends them one after the other, stops at the first that fails (a failing
 * event holds back the later ones: at least once, in order), records every
 * attempt in one transaction, releases the claim and goes back to the scan.
 * Lanes run side by side in one curl multi handle, so a receiver that hangs
 * holds up its own endpoint only. The thread sleeps in curl_multi_poll; a
 * commit that wrote events wakes it (the store's hook), and it rescans
 * every WH_SCAN_MS anyway (events another instance wrote, the admin clock
 * moved). Its store calls pass through the server's gate (a snapshot restore
 * waits for them), never while a transfer is in flight. */

/* Deliveries loaded per lane turn. Each window ends with a record that waits
 * for a group commit (~5 ms under load), during which the lane sends nothing:
 * with 64, one endpoint's deliveries fell behind archives at 1M (bench/threads.sh
 * --webhook answer, 8 s: 31-35k events at the receiver by the end), with 256
 * they kept up (38-40k, every archive's) at the same archive rate (BENCHMARKS.md,
 * session 17). */
#define WH_WINDOW 256
#define WH_WINDOW_BYTES (4u << 20)     /* payload bytes a window holds at most (one at least) */
/* A lane's payload buffer larger than this is freed after its window: a
 * window of at most WH_WINDOW_BYTES keeps it (16 lanes: 64 MiB at worst, while
 * 16 endpoints each have that much waiting; ~2 MiB for one lane of 256 7 KB
 * conversations). */
#define WH_ARENA_KEEP WH_WINDOW_BYTES
#define WH_SCAN_MS 1000                /* rescan at least this often */
#define WH_POLL_MS 100                 /* look at the clock at least this often */
#define WH_PRUNE_EVERY_MS (3600LL * 1000) /* admin-clock time between prunes */
/* A lane records its attempts when its window ends (WH_WINDOW at most), and
 * meanwhile once the oldest is this old: what a crash sends again. Each
 * record waits for a group commit (~10 ms under load): recording every 16
 * attempts held deliveries to ~1,300/s while archives ran at 4,400/s (100k
 * copy); once a window, 2.2-2.4x as many went out under that load, for
 * archives unchanged at 100k and 6% slower at 1M (BENCHMARKS.md). */
#define WH_FLUSH_MS 200

/* One delivery of a window: what its request needs, copied out of the store. */
typedef struct wh_item {
    int64_t seq;                       /* the event's: the delivery's place in its endpoint's order */
    uuid_str_t event_id;
    char type[48];
    int64_t created_at;
    int attempts;
    size_t off, len;                   /* the payload: bytes off..off+len of the lane's arena */
    char *error;                       /* owned; non-NULL: there is no payload (store_wh_item_t.data_error),
                                        * the attempt fails without a request (wh_lane_send) */
} wh_item_t;

/* One endpoint being delivered to. */
typedef struct wh_lane {
    bool busy;                         /* holds an endpoint (claimed) */
    bool sending;                      /* a transfer is in the multi handle */
    bool done;                         /* the window is over: record, release, free */
    uuid_str_t endpoint;
    char *url, *secret;                /* owned */
    bool resource;
    wh_item_t items[WH_WINDOW];
    size_t n, pos;                     /* items loaded; the one being sent */
    buf_t arena;                       /* the window's payloads, one after the other; owned, and kept from
                                        * one window to the next: a window's payloads allocated and freed
                                        * each time made glibc grow and trim its heap, and touching it again
                                        * (page faults) was ~25% of the thread's samples (perf, a drain) */
    store_wh_result_t results[WH_WINDOW];
    char *attempt_json[WH_WINDOW];     /* owned, for results[] */
    size_t nres;
    int64_t first_result;              /* monotonic ms of results[0] (unrecorded since) */
    int64_t sent_at;                   /* admin-clock ms of the current attempt */
    wh_call_t call;
} wh_lane_t;

struct webhook_worker {
    store_t *st;
    webhook_opts_t o;
    pthread_t thread;
    CURLM *multi;
    atomic_bool stop;
    atomic_bool wake;
    wh_lane_t *lanes;                  /* o.lanes of them; owned */
    gate_waiter_t waiter;
    atomic_bool gate_waiting;          /* waiter is queued in the gate */
    bool claims_lost;                  /* the store lost the session holding the claims */
    int64_t next_scan;                 /* monotonic ms */
    int64_t earliest_due;              /* admin-clock ms of the soonest retry seen; 0 = none */
    int64_t last_prune;                /* admin-clock ms */
    pthread_mutex_t stats_mu;
    webhook_stats_t stats;
};

/* Milliseconds on the monotonic clock. */
static int64_t wh_mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int webhook_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void webhook_global_cleanup(void)
{
    curl_global_cleanup();
}

void webhook_worker_wake(webhook_worker_t *w)
{
    if (!w)
        return;
    atomic_store(&w->wake, true);
    curl_multi_wakeup(w->multi);
}

/* The workers of the process that the store's hook may wake. A committing
 * thread may have read the hook just before webhook_worker_stop removed it:
 * it compares its ctx with this list, under the lock, before touching it. */
#define WH_LIVE_MAX 8
static pthread_mutex_t wh_live_mu = PTHREAD_MUTEX_INITIALIZER;
static webhook_worker_t *wh_live[WH_LIVE_MAX];

/* The store's events hook: a commit wrote events (ctx: the worker, if still alive). */
static void wh_events_hook(void *ctx)
{
    pthread_mutex_lock(&wh_live_mu);
    for (int i = 0; i < WH_LIVE_MAX; i++)
        if (wh_live[i] && wh_live[i] == ctx)
            webhook_worker_wake(ctx);
    pthread_mutex_unlock(&wh_live_mu);
}

/* Adds w to (live) or removes it from the list of wakeable workers; false when it is full. */
static bool wh_live_set(webhook_worker_t *w, bool live)
{
    bool ok = !live;
    pthread_mutex_lock(&wh_live_mu);
    for (int i = 0; i < WH_LIVE_MAX; i++) {
        if (live && !ok && !wh_live[i]) {
            wh_live[i] = w;
            ok = true;
        } else if (!live && wh_live[i] == w) {
            wh_live[i] = NULL;
        }
    }
    pthread_mutex_unlock(&wh_live_mu);
    return ok;
}

/* gate_waiter_t.resume: the exclusive operation is over. */
static void wh_gate_resume(gate_waiter_t *gw)
{
    webhook_worker_t *w = (webhook_worker_t *)((char *)gw - offsetof(webhook_worker_t, waiter));
    atomic_store(&w->gate_waiting, false);
    webhook_worker_wake(w);
}

/* Enters the gate for some store calls; false while an exclusive operation
 * (a snapshot restore) is pending or running: then the worker is woken
 * when it is over. Pair a true with wh_gate_leave. */
static bool wh_gate_enter(webhook_worker_t *w)
{
    if (!w->o.gate)
        return true;
    if (atomic_load(&w->gate_waiting))
        return false;
    atomic_store(&w->gate_waiting, true);
    if (gate_enter(w->o.gate, &w->waiter)) {
        atomic_store(&w->gate_waiting, false);
        return true;
    }
    return false;
}

static void wh_gate_leave(webhook_worker_t *w)
{
    if (w->o.gate)
        gate_leave(w->o.gate);
}

static void wh_count(webhook_worker_t *w, uint64_t *field)
{
    pthread_mutex_lock(&w->stats_mu);
    (*field)++;
    pthread_mutex_unlock(&w->stats_mu);
}

void webhook_worker_stats(webhook_worker_t *w, webhook_stats_t *out)
{
    pthread_mutex_lock(&w->stats_mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->stats_mu);
}

/* Frees what lane l holds and makes it free again (its claim must be released already). */
static void wh_lane_clear(wh_lane_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].error);
    for (size_t i = 0; i < l->nres; i++)
        free(l->attempt_json[i]);
    free(l->url);
    free(l->secret);
    wh_call_t call = l->call;
    buf_t arena = l->arena;
    if (arena.cap > WH_ARENA_KEEP || arena.oom)
        buf_free(&arena);
    buf_reset(&arena);
    memset(l, 0, sizeof *l);
    l->call = call;   /* the curl handle is kept for the next endpoint */
    l->arena = arena; /* and the payload buffer */
}

/* store_wh_item_cb of the window load (ctx: the lane): copies the delivery;
 * non-zero (stop) once the window is full. */
static int wh_window_cb(void *ctx, const store_wh_item_t *it)
{
    wh_lane_t *l = ctx;
    if (l->n == WH_WINDOW || (l->n > 0 && l->arena.len >= WH_WINDOW_BYTES))
        return 1;
    if (l->n == 0) {
        l->url = strdup(it->url);       /* owner: the lane */
        l->secret = strdup(it->secret); /* owner: the lane */
        l->resource = it->resource;
        if (!l->url || !l->secret)
            return 1;
    }
    wh_item_t *x = &l->items[l->n];
    memset(x, 0, sizeof *x);
    x->seq = it->seq;
    memcpy(x->event_id, it->event_id, sizeof x->event_id);
    snprintf(x->type, sizeof x->type, "%s", it->type);
    x->created_at = it->created_at;
    x->attempts = it->attempts;
    if (it->data_error) {
        x->error = strdup(it->data_error); /* owner: the lane */
        if (x->error)
            l->n++;
        return 1; /* the window ends with it: the later deliveries wait for it anyway */
    }
    x->off = l->arena.len;
    webhook_payload(&l->arena, l->resource, it->event_id, it->type, it->created_at, it->org_uuid, it->data);
    if (l->arena.oom)
        return 1;
    x->len = l->arena.len - x->off;
    l->n++;
    return 0;
}

static void wh_lane_result(webhook_worker_t *w, wh_lane_t *l, const wh_outcome_t *o);

/* Starts the transfer of the lane's current item, or (an item without a
 * payload) has its attempt fail at once. False when it cannot. */
static bool wh_lane_send(webhook_worker_t *w, wh_lane_t *l)
{
    wh_item_t *x = &l->items[l->pos];
    l->sent_at = ptime_now_ms();
    if (x->error) {
        wh_outcome_t o;
        memset(&o, 0, sizeof o);
        snprintf(o.error, sizeof o.error, "%s", x->error);
        wh_count(w, &w->stats.attempts);
        wh_lane_result(w, l, &o);
        return true;
    }
    /* the arena does not move while the window is sent: it grows only while the window loads */
    if (wh_call_prepare(&l->call, l->url, l->arena.data + x->off, x->len, x->event_id, x->type, l->secret,
                        l->sent_at / 1000) != 0)
        return false;
    curl_easy_setopt(l->call.easy, CURLOPT_PRIVATE, l);
    if (curl_multi_add_handle(w->multi, l->call.easy) != CURLM_OK)
        return false;
    l->sending = true;
    wh_count(w, &w->stats.attempts);
    return true;
}

/* Releases the claim on the lane's endpoint (errors aside: a lost session released it already). */
static void wh_lane_release(webhook_worker_t *w, wh_lane_t *l)
{
    if (!w->claims_lost && store_webhook_claim(w->st, l->endpoint, false) == STORE_UNAVAILABLE)
        w->claims_lost = true;
}

/* Inside the gate: claims endpoint id for a free lane, loads its window and
 * starts the first transfer. */
static void wh_lane_start(webhook_worker_t *w, wh_lane_t *l, const char *id)
{
    store_rc_t rc = store_webhook_claim(w->st, id, true);
    if (rc == STORE_UNAVAILABLE)
        w->claims_lost = true;
    if (rc != STORE_OK)
        return; /* another instance delivers to it now (CONFLICT), or the store failed */
    snprintf(l->endpoint, sizeof l->endpoint, "%s", id);
    l->busy = true;
    rc = store_webhook_window(w->st, id, WH_WINDOW, wh_window_cb, l);
    if (rc == STORE_UNAVAILABLE)
        w->claims_lost = true;
    if (rc != STORE_OK || l->n == 0 || !l->url || !l->secret || !wh_lane_send(w, l)) {
        wh_lane_release(w, l);
        wh_lane_clear(l);
    }
}

/* The attempt-object JSON of one attempt at time at (ms). Owner: the caller (free). */
static char *wh_attempt_json(int64_t at, const wh_outcome_t *o)
{
    char when[PTIME_MS_STR_LEN + 1];
    ptime_format_ms(at, when);
    buf_t b;
    buf_init(&b);
    jsonw_t jw;
    jsonw_init(&jw, &b);
    jsonw_obj_begin(&jw);
    jsonw_kv_string(&jw, "at", when);
    jsonw_key(&jw, "responseStatus");
    if (o->status > 0)
        jsonw_int(&jw, o->status);
    else
        jsonw_null(&jw);
    jsonw_key(&jw, "error");
    if (o->delivered)
        jsonw_null(&jw);
    else
        jsonw_string(&jw, o->error);
    jsonw_obj_end(&jw);
    return buf_detach(&b, NULL);
}

/* The attempt at lane l's current item ended with o: its result is kept
 * for recording; the next item goes out when this one was delivered, else
 * the window ends. */
static void wh_lane_result(webhook_worker_t *w, wh_lane_t *l, const wh_outcome_t *o)
{
    wh_item_t *x = &l->items[l->pos];
    int64_t now = ptime_now_ms();
    store_wh_result_t *r = &l->results[l->nres];
    memset(r, 0, sizeof *r);
    r->event_seq = x->seq;
    memcpy(r->endpoint_id, l->endpoint, sizeof r->endpoint_id);
    memcpy(r->event_id, x->event_id, sizeof r->event_id);
    int attempts = x->attempts + 1;
    if (o->delivered) {
        r->status = STORE_WH_DELIVERED;
        wh_count(w, &w->stats.delivered);
    } else if (now - x->created_at >= w->o.max_age_ms) {
        r->status = STORE_WH_FAILED;
        wh_count(w, &w->stats.failed);
    } else {
        double u = (double)randombytes_uniform(1u << 30) / (double)(1u << 30);
        int64_t next = now + webhook_backoff_ms(attempts, u);
        if (next > x->created_at + w->o.max_age_ms) /* one last try at the deadline */
            next = x->created_at + w->o.max_age_ms;
        r->status = STORE_WH_PENDING;
        r->next_attempt_at = next;
        wh_count(w, &w->stats.retries);
    }
    l->attempt_json[l->nres] = wh_attempt_json(l->sent_at, o); /* owner: the lane */
    r->attempt_json = l->attempt_json[l->nres];
    if (!r->attempt_json) { /* out of memory: not recorded, so the delivery happens again */
        l->done = true;
        return;
    }
    if (l->nres++ == 0)
        l->first_result = wh_mono_ms();
    if (o->delivered && l->pos + 1 < l->n) {
        l->pos++;
        if (wh_lane_send(w, l))
            return;
    }
    l->done = true;
}

/* A transfer of lane l ended with rc (wh_lane_result). */
static void wh_lane_finished(webhook_worker_t *w, wh_lane_t *l, CURLcode rc)
{
    curl_multi_remove_handle(w->multi, l->call.easy);
    l->sending = false;
    wh_outcome_t o;
    wh_call_outcome(&l->call, rc, w->o.timeout_ms, &o);
    wh_lane_result(w, l, &o);
}

/* Inside the gate: records the attempts lane l made so far and forgets them. */
static void wh_lane_flush(webhook_worker_t *w, wh_lane_t *l)
{
    if (l->nres && store_webhook_record(w->st, l->results, l->nres) == STORE_UNAVAILABLE)
        w->claims_lost = true; /* not recorded: these are sent again (at least once) */
    for (size_t i = 0; i < l->nres; i++)
        free(l->attempt_json[i]);
    l->nres = 0;
}

/* True when lane l has attempts to record before its window ends. */
static bool wh_lane_flush_due(const wh_lane_t *l, int64_t mono)
{
    return l->busy && !l->done && l->nres && mono - l->first_result >= WH_FLUSH_MS;
}

/* Inside the gate: records lane l's attempts, releases its endpoint, frees it. */
static void wh_lane_close(webhook_worker_t *w, wh_lane_t *l)
{
    wh_lane_flush(w, l);
    wh_lane_release(w, l);
    wh_lane_clear(l);
    atomic_store(&w->wake, true); /* its next window, or the next endpoint */
}

/* What the scan found: endpoints whose oldest pending delivery is due. */
typedef struct wh_scan {
    webhook_worker_t *w;
    int64_t now;
    uuid_str_t due[256];
    size_t ndue;
} wh_scan_t;

/* store_wh_head_cb of the scan. */
static int wh_scan_cb(void *ctx, const char *endpoint, int64_t due_ms)
{
    wh_scan_t *s = ctx;
    webhook_worker_t *w = s->w;
    for (int i = 0; i < w->o.lanes; i++)
        if (w->lanes[i].busy && strcmp(w->lanes[i].endpoint, endpoint) == 0)
            return 0; /* being delivered to */
    if (due_ms > s->now) {
        if (!w->earliest_due || due_ms < w->earliest_due)
            w->earliest_due = due_ms;
        return 0;
    }
    if (s->ndue < sizeof s->due / sizeof s->due[0])
        snprintf(s->due[s->ndue++], sizeof(uuid_str_t), "%s", endpoint);
    return 0;
}

/* Inside the gate: finds due endpoints and gives them free lanes; prunes
 * old finished events once per WH_PRUNE_EVERY_MS of the admin clock. */
static void wh_scan(webhook_worker_t *w)
{
    wh_scan_t *s = calloc(1, sizeof *s); /* owner: this function */
    if (!s)
        return;
    s->w = w;
    s->now = ptime_now_ms();
    w->earliest_due = 0;
    if (store_webhook_due(w->st, wh_scan_cb, s) == STORE_UNAVAILABLE)
        w->claims_lost = true;
    size_t k = 0;
    for (int i = 0; i < w->o.lanes && k < s->ndue; i++)
        if (!w->lanes[i].busy)
            wh_lane_start(w, &w->lanes[i], s->due[k++]);
    /* more due endpoints than lanes: the next scan comes when a lane frees up (wh_lane_close wakes) */
    if (s->now - w->last_prune >= WH_PRUNE_EVERY_MS || s->now < w->last_prune) {
        int64_t deleted = 0;
        if (store_webhook_prune(w->st, s->now - WEBHOOK_RETENTION_MS, &deleted) == STORE_OK)
            w->last_prune = s->now;
    }
    free(s);
}

/* After the store lost the session that held the claims (PostgreSQL): the
 * endpoints of running lanes may already be another instance's. Windows
 * end at their current transfer (whose result is still recorded: a
 * duplicate at worst); the next scan claims again. */
static void wh_claims_lost(webhook_worker_t *w)
{
    for (int i = 0; i < w->o.lanes; i++) {
        wh_lane_t *l = &w->lanes[i];
        if (l->busy && !l->done)
            l->n = l->pos + 1; /* no next item */
    }
    w->claims_lost = false;
}

/* Collects finished transfers. A lane whose delivery went through has its
 * next one added meanwhile (wh_lane_result): curl_multi_perform runs again
 * at once to send it, instead of after a curl_multi_poll that would return
 * at once (a system call a delivery less). Ends once nothing new was added:
 * at most a window's deliveries a lane, each a round trip to its receiver. */
static void wh_collect(webhook_worker_t *w)
{
    bool started = true;
    while (started) {
        started = false;
        int running = 0, left;
        curl_multi_perform(w->multi, &running);
        CURLMsg *m;
        while ((m = curl_multi_info_read(w->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            wh_lane_t *l = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&l);
            CURLcode rc = m->data.result;
            if (l) {
                wh_lane_finished(w, l, rc); /* m is invalid after the handle is removed */
                started |= l->sending;
            }
        }
    }
}

static void *wh_main(void *arg)
{
    webhook_worker_t *w = arg;
    pthread_setname_np(pthread_self(), "parley-webhook");
    atomic_store(&w->wake, true);
    while (!atomic_load(&w->stop)) {
        int64_t mono = wh_mono_ms();
        bool closing = false;
        for (int i = 0; i < w->o.lanes; i++)
            closing |= (w->lanes[i].busy && w->lanes[i].done) || wh_lane_flush_due(&w->lanes[i], mono);
        bool wake = atomic_exchange(&w->wake, false);
        bool due = w->earliest_due && ptime_now_ms() >= w->earliest_due;
        if ((closing || wake || due || mono >= w->next_scan) && wh_gate_enter(w)) {
            for (int i = 0; i < w->o.lanes; i++) {
                if (w->lanes[i].busy && w->lanes[i].done)
                    wh_lane_close(w, &w->lanes[i]);
                else if (wh_lane_flush_due(&w->lanes[i], mono))
                    wh_lane_flush(w, &w->lanes[i]);
            }
            if (w->claims_lost)
                wh_claims_lost(w);
            wh_scan(w);
            if (w->claims_lost)
                wh_claims_lost(w);
            wh_gate_leave(w);
            w->next_scan = wh_mono_ms() + WH_SCAN_MS;
        }
        int64_t wait = w->next_scan - wh_mono_ms();
        if (wait > WH_POLL_MS)
            wait = WH_POLL_MS;
        if (wait < 0)
            wait = 0;
        if (!atomic_load(&w->wake))
            curl_multi_poll(w->multi, NULL, 0, (int)wait, NULL);
        wh_collect(w);
    }
    /* Stopping: transfers in flight are abandoned; what finished is recorded. */
    for (int i = 0; i < w->o.lanes; i++) {
        wh_lane_t *l = &w->lanes[i];
        if (l->sending) {
            curl_multi_remove_handle(w->multi, l->call.easy);
            l->sending = false;
        }
    }
    bool in = wh_gate_enter(w);
    for (int i = 0; i < w->o.lanes; i++) {
        wh_lane_t *l = &w->lanes[i];
        if (l->busy && in)
            wh_lane_close(w, l);
        else
            wh_lane_clear(l);
    }
    if (in)
        wh_gate_leave(w);
    return NULL;
}

/* Frees w and everything it holds (the thread is not running). */
static void wh_free(webhook_worker_t *w)
{
    if (w->lanes)
        for (int i = 0; i < w->o.lanes; i++) {
            wh_call_free(&w->lanes[i].call);
            buf_free(&w->lanes[i].arena);
        }
    free(w->lanes);
    if (w->multi)
        curl_multi_cleanup(w->multi);
    pthread_mutex_destroy(&w->stats_mu);
    free(w);
}

webhook_worker_t *webhook_worker_start(store_t *st, const webhook_opts_t *o, char *err, size_t errlen)
{
    webhook_worker_t *w = calloc(1, sizeof *w); /* owner: the caller, webhook_worker_stop */
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->st = st;
    w->o = *o;
    if (w->o.timeout_ms <= 0)
        w->o.timeout_ms = WEBHOOK_TIMEOUT_MS_DEFAULT;
    if (w->o.max_age_ms <= 0)
        w->o.max_age_ms = WEBHOOK_MAX_AGE_MS_DEFAULT;
    if (w->o.lanes <= 0)
        w->o.lanes = WEBHOOK_LANES_DEFAULT;
    w->waiter.resume = wh_gate_resume;
    pthread_mutex_init(&w->stats_mu, NULL);
    w->multi = curl_multi_init();
    w->lanes = calloc((size_t)w->o.lanes, sizeof *w->lanes); /* owner: w */
    bool ok = w->multi && w->lanes;
    for (int i = 0; ok && i < w->o.lanes; i++)
        ok = wh_call_init(&w->lanes[i].call, w->o.timeout_ms, w->o.block_private) == 0;
    if (!ok) {
        snprintf(err, errlen, "cannot set up libcurl (out of memory)");
        wh_free(w);
        return NULL;
    }
    if (!wh_live_set(w, true)) {
        snprintf(err, errlen, "too many webhook workers in one process");
        wh_free(w);
        return NULL;
    }
    if (pthread_create(&w->thread, NULL, wh_main, w) != 0) {
        snprintf(err, errlen, "cannot start the webhook thread");
        wh_live_set(w, false);
        wh_free(w);
        return NULL;
    }
    store_set_events_hook(st, wh_events_hook, w);
    return w;
}

void webhook_worker_stop(webhook_worker_t *w)
{
    if (!w)
        return;
    store_set_events_hook(w->st, NULL, NULL);
    wh_live_set(w, false); /* from here no committing thread touches w */
    atomic_store(&w->stop, true);
    curl_multi_wakeup(w->multi);
    pthread_join(w->thread, NULL);
    wh_free(w);
}
