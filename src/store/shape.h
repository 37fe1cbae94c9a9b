/* shape.h - the row shapes both backends read (which column fills which field of a store struct) and the one hand-off of a row to its callback. */
#ifndef PARLEY_STORE_SHAPE_H
#define PARLEY_STORE_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/strutil.h"
#include "store/insights.h"
#include "store/store.h"

/* How one column fills its field. The NULL cases are what both backends
 * give, so a row reads the same whichever stored it. */
typedef enum {
    STORE_FIELD_STR,   /* char[cap]: the text copied ("" for NULL), truncated to fit */
    STORE_FIELD_TEXT,  /* const char *: points into the backend's row (NULL for NULL) */
    STORE_FIELD_TEXT0, /* const char *: points into the backend's row ("" for NULL) */
    STORE_FIELD_INT,   /* int64_t (0 for NULL) */
    STORE_FIELD_BOOL,  /* bool (false for NULL) */
    STORE_FIELD_REAL,  /* double (0 for NULL) */
    STORE_FIELD_DOC,   /* conv_t's stored document ("<slots>\n<document>", conv_stored_doc): fills doc,
                        * doc_len and slots (doc NULL when the column is NULL or malformed) */
} store_field_kind_t;

typedef struct store_field {
    const char *name;  /* conversation columns: the column, = the conv_t field; else NULL (the SQL names it) */
    store_field_kind_t kind;
    size_t off;        /* of the field in its struct */
    size_t cap;        /* STORE_FIELD_STR: the field's size */
    bool body;         /* conversation columns: kept in SQLite's conversation_bodies */
} store_field_t;

/* A row's columns, in SELECT order, and the struct they fill (zeroed first). */
typedef struct store_shape {
    size_t size;
    const store_field_t *fields;
    int n;
} store_shape_t;

extern const store_shape_t store_shape_uuid;       /* uuid_str_t: one column */
extern const store_shape_t store_shape_user;       /* store_user_t */
extern const store_shape_t store_shape_team;       /* store_team_t */
extern const store_shape_t store_shape_key;        /* store_key_info_t */
extern const store_shape_t store_shape_key_lookup; /* store_key_t */
extern const store_shape_t store_shape_log;        /* store_workflow_log_t */
extern const store_shape_t store_shape_conv;       /* conv_t: the stored columns, then the owner's four */
extern const store_shape_t store_shape_webhook;    /* store_webhook_t: the columns of STORE_WEBHOOK_SELECT */
/* shape_library.c */
extern const store_shape_t store_shape_org;        /* store_org_t */
extern const store_shape_t store_shape_snippet;    /* store_snippet_t */
extern const store_shape_t store_shape_folder;     /* store_folder_t (totals included) */
/* scorecards, the summary and the history (insights.h) */
extern const store_shape_t store_shape_scorecard;      /* scorecard_t */
extern const store_shape_t store_shape_scorecard_item; /* scorecard_item_t */
extern const store_shape_t store_shape_summary_group;  /* store_summary_group_t */
extern const store_shape_t store_shape_gi;             /* store_gi_entry_t */

/* The select list of a webhook endpoint row (webhook_endpoints) in both
 * backends' SQL, in store_shape_webhook's order. */
#define STORE_WEBHOOK_SELECT "id, org_uuid, url, events, payload = 'resource', secret, created_at"

/* The stored columns of a conversation: the first STORE_CONV_NCOLS fields of
 * store_shape_conv (its last four, the owner's, come from a join with users).
 * Most of a conversation is in its stored document (the last column); the
 * others are what filters, ordering, scopes and the live parts of a render
 * need, and what the document leaves out (conversation.h). */
#define STORE_CONV_NCOLS 21
extern const store_field_t store_conv_cols[STORE_CONV_NCOLS + 4];

/* How a backend reads column col of a row (src: its row handle): the text
 * (NULL for SQL NULL; valid as long as the row), or the value as a number,
 * 0 / false for SQL NULL. */
typedef struct store_cols {
    const char *(*text)(const void *src, int col);
    size_t (*len)(const void *src, int col); /* bytes of the text (0 for NULL) */
    int64_t (*i64)(const void *src, int col);
    double (*f64)(const void *src, int col);
    bool (*boolean)(const void *src, int col);
} store_cols_t;

/* Fills out (a struct of shape sh, zeroed first) from the row src, whose
 * columns from col0 on are sh's, read through cols. Inline so that a
 * backend's constant cols are called directly. Can't fail. */
static inline void store_shape_read(const store_shape_t *sh, void *out, const store_cols_t *cols, const void *src,
                                    int col0)
{
    memset(out, 0, sh->size);
    char *base = out;
    for (int i = 0; i < sh->n; i++) {
        const store_field_t *f = &sh->fields[i];
        void *field = base + f->off;
        int col = col0 + i;
        switch (f->kind) {
        case STORE_FIELD_STR: {
            const char *v = cols->text(src, col);
            str_copy((char *)field, f->cap, v);
            break;
        }
        case STORE_FIELD_TEXT:
        case STORE_FIELD_TEXT0: {
            const char *v = cols->text(src, col);
            *(const char **)field = v || f->kind == STORE_FIELD_TEXT ? v : "";
            break;
        }
        case STORE_FIELD_INT:
            *(int64_t *)field = cols->i64(src, col);
            break;
        case STORE_FIELD_BOOL:
            *(bool *)field = cols->boolean(src, col);
            break;
        case STORE_FIELD_REAL:
            *(double *)field = cols->f64(src, col);
            break;
        case STORE_FIELD_DOC:
            conv_stored_doc_read((conv_t *)out, cols->text(src, col), cols->len(src, col));
            break;
        }
    }
}

/* The callback of a row read: at most one member is set; it gives the rows' shape. */
typedef struct store_cbs {
    store_user_cb user;
    store_team_cb team;
    store_key_cb key;
    store_conv_cb conv;
    store_log_cb log;
    store_webhook_cb webhook;
    store_folder_cb folder;
    store_snippet_cb snippet;
    store_scorecard_cb scorecard;
    store_scorecard_item_cb scorecard_item;
    store_summary_cb summary;
    store_gi_cb gi;
} store_cbs_t;

/* Room for one row of any callback's shape. */
typedef union store_row {
    store_user_t u;
    store_team_t t;
    store_key_info_t k;
    conv_t c;
    store_workflow_log_t l;
    store_webhook_t w;
    store_folder_t f;
    store_snippet_t s;
    scorecard_t sc;
    scorecard_item_t sci;
    store_summary_group_t sum;
    store_gi_entry_t gi;
} store_row_t;

/* The shape of the rows cb takes; NULL when no member is set. */
const store_shape_t *store_cbs_shape(const store_cbs_t *cb);

/* Hands row (read with store_cbs_shape(cb)) to the set callback with ctx and
 * returns its answer (non-zero: stop); 0 when none is set. */
int store_cbs_call(const store_cbs_t *cb, void *ctx, const store_row_t *row);

#endif
