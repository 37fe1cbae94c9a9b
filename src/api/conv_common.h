/* conv_common.h - helpers the conversation handlers share (conversations.c, conversation_updates.c); defined in conv_common.c. */
#ifndef PARLEY_API_CONV_COMMON_H
#define PARLEY_API_CONV_COMMON_H

#include "http/request.h"
#include "model/conversation.h"

/* Renders each row the store hands over with the request's options. */
typedef struct api_conv_out {
    jsonw_t *w;
    const conv_render_opts_t *ro;
} api_conv_out_t;

/* store_conv_cb: writes the conversation with conv_render(o->w, c, o->ro); ctx is an api_conv_out_t. */
int api_conv_out_cb(void *ctx, const conv_t *c);

/* Decodes the render options a single-resource endpoint honours
 * (detailedTranscript, filter[hide_transcript], filter[include_*]). Replies
 * 400 and returns -1 on a bad value, else 0. */
int api_conv_single_opts(req_t *r, conv_render_opts_t *ro);

/* Replies for a store result that is not STORE_OK on a single-resource call:
 * 404 (NOT_FOUND, naming id), 403 (FORBIDDEN), else 500. */
void api_conv_store_fail(req_t *r, store_rc_t rc, const char *id);

/* Records a refused change (403) of conversation uuid as a failed
 * workflow-log entry named workflow_name. Errors are logged, never replied:
 * the caller still sends its 403. */
void api_conv_log_refusal(req_t *r, const char *uuid, const char *workflow_name, int64_t now);

#endif
