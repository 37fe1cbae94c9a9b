/* outbox.c - what both backends' transactional outboxes share: the events of a change, the payload's rendering. */
#include "store/outbox.h"

#include <stdlib.h>
#include <string.h>

#include "model/webhook.h"

void store_outbox_before(const conv_t *row, const conv_update_t *u, store_outbox_pre_t *pre)
{
    pre->labels = NULL;
    if (row && u && u->labels_json && !u->trigger)
        pre->labels = strdup(row->labels_json ? row->labels_json : "{}"); /* owner: pre, store_outbox_mask */
}

int64_t store_outbox_mask(const conv_update_t *u, store_outbox_pre_t *pre)
{
    int64_t mask = WEBHOOK_EV_UPDATED;
    if (u->labels_json && pre->labels && webhook_labels_changed(pre->labels, u->labels_json))
        mask |= WEBHOOK_EV_LABELS_CHANGED;
    free(pre->labels);
    pre->labels = NULL;
    return mask;
}

int store_outbox_render_cb(void *ctx, const conv_t *c)
{
    buf_t *b = ctx;
    jsonw_t w;
    jsonw_init(&w, b);
    conv_render_opts_t o = conv_render_opts_single();
    conv_render(&w, c, &o);
    return w.err || b->oom ? -1 : 0;
}
