/* api.h - every HTTP handler, one file per resource (conversations.c, import.c, health.c). */
#ifndef PARLEY_API_H
#define PARLEY_API_H

#include "http/request.h"

void api_health(req_t *r);

/* conversations.c */
void api_conv_list(req_t *r);
void api_conv_list_light(req_t *r);
void api_conv_get(req_t *r);
void api_conv_by_external_id(req_t *r);
void api_conv_archive(req_t *r);
void api_conv_unarchive(req_t *r);

/* import.c */
void api_conv_import(req_t *r);

#endif
