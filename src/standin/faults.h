/* faults.h - fault rules of the admin API (stand-in §3): which requests to answer with an error, slow or drop. */
#ifndef PARLEY_STANDIN_FAULTS_H
#define PARLEY_STANDIN_FAULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/uuid.h"

#define FAULTS_MAX_RULES 1000
#define FAULTS_MAX_HEADERS 32
#define FAULTS_MAX_BODY (64u * 1024)   /* bytes of a rule's respond.body, as JSON text */
#define FAULTS_MAX_DELAY_MS 60000

typedef struct faults faults_t;

/* What a fired rule does to one request. Strings live in the arena given to
 * faults_decide. */
typedef struct fault_action {
    uuid_str_t rule_id;
    int status;                    /* 0: no respond, the real handler answers */
    const char *body;              /* respond.body as JSON text, NULL = a problem for status */
    size_t n_headers;
    const char *header_names[FAULTS_MAX_HEADERS];
    const char *header_values[FAULTS_MAX_HEADERS];
    int retry_after;               /* seconds, -1 = none (429/503 default to 1) */
    int delay_ms;                  /* 0 = none */
    bool drop;                     /* close the connection without an answer */
} fault_action_t;

/* An empty rule list. NULL when out of memory. Owner: the caller (faults_free). */
faults_t *faults_new(void);
void faults_free(faults_t *f);

/* Parses a rule body (stand-in §3) and appends the rule. Unknown members,
 * wrong types and values out of range fail with -1 and a message naming the
 * member and value in err (the caller answers 400); more than
 * FAULTS_MAX_RULES rules also fail. On success writes the rule as JSON (with
 * "id" and "hits": 0) to out and returns 0. */
int faults_add(faults_t *f, const json_t *body, buf_t *out, char *err, size_t errlen);
/* Writes {"data":[rule…]} (creation order, with current hits) to out. */
void faults_list(faults_t *f, buf_t *out);
/* Removes one rule; false when no rule has that id. */
bool faults_remove(faults_t *f, const char *id);
/* Removes every rule. */
void faults_clear(faults_t *f);
/* True when there is at least one rule (a lock-free check for the fast path). */
bool faults_any(faults_t *f);

/* Tries the rules in creation order against one request; the first that
 * fires decides. A rule matches when method, path glob and key id (each when
 * given) match; its first `after` matches pass; then it fires with its
 * probability (drawn from its own generator, seeded by `seed` when given).
 * A fired rule counts a hit and is removed after `times` hits. Returns true
 * and fills out (strings copied into a) when a rule fired. key_id may be NULL
 * (no key). Thread-safe. */
bool faults_decide(faults_t *f, const char *method, const char *path, const char *key_id, arena_t *a,
                   fault_action_t *out);

#endif
