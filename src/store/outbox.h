/* outbox.h - what both backends' transactional outboxes share (src/store/{sqlite,postgres}/webhooks.c): the events of a change, the payload's rendering. */
#ifndef PARLEY_STORE_OUTBOX_H
#define PARLEY_STORE_OUTBOX_H

#include <stdint.h>

#include "model/conversation.h"
#include "model/update.h"

/* What the events of a change need from the conversation as it was before
 * the change: its labels, when the change replaces them (for
 * conversation.labels_changed). */
typedef struct store_outbox_pre {
    char *labels;                  /* malloc'd; NULL when they do not matter */
} store_outbox_pre_t;

/* Fills pre from row (the stored conversation before the change, its
 * document parsed; NULL when it could not be read) for the change u. Can't
 * fail: without memory, labels_changed is simply not written. Pair with
 * store_outbox_mask, which frees pre. */
void store_outbox_before(const conv_t *row, const conv_update_t *u, store_outbox_pre_t *pre);

/* The events of change u (not a trigger): conversation.updated, plus
 * conversation.labels_changed when u replaced the labels with a different
 * map. Frees what pre holds. */
int64_t store_outbox_mask(const conv_update_t *u, store_outbox_pre_t *pre);

/* store_conv_cb: appends the conversation as GET /v2/conversations/{id}
 * renders it by default to ctx (a buf_t). Non-zero when memory ran out. */
int store_outbox_render_cb(void *ctx, const conv_t *c);

#endif
