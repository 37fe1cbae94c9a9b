/* folder_path.h - making a library folder path ("/a/b") one folder at a time: the walk both backends' folder_ensure share. */
#ifndef PARLEY_STORE_FOLDER_PATH_H
#define PARLEY_STORE_FOLDER_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* A folder path to make, in the library of org and owner ("" = the
 * organization's), the missing folders as user's at now_ms. All borrowed. */
typedef struct store_folder_req {
    const char *org, *owner, *path, *user;
    bool hidden;               /* the path's last folder, if made, is hidden */
    int64_t now_ms;
    const char *fn;            /* logged as */
} store_folder_req_t;

/* One folder of the path, as the walk hands it to a backend's step. */
typedef struct store_folder_seg {
    const char *prefix;        /* the path up to this folder: "/a", then "/a/b" */
    const char *name;          /* this folder's name (truncated to a folder name's size) */
    bool last;                 /* the path's last folder */
    const char *parent;        /* the uuid of the folder it is in; "" for the root */
} store_folder_seg_t;

/* A backend's step (conn: its connection, inside the caller's transaction):
 * finds folder seg->prefix of q's library or makes it, its uuid into id.
 * STORE_OK, or the answer the whole path gives up with. */
typedef store_rc_t (*store_folder_step_fn)(void *conn, const store_folder_req_t *q, const store_folder_seg_t *seg,
                                           uuid_str_t id);

/* Calls step for each folder of q->path in turn ("/a", "/a/b", ...; "/" has
 * none), each with its parent's uuid; the last one's uuid ("" for "/") goes
 * to out (optional). STORE_ERROR (logged under q->fn) when q->path is not a
 * folder path (it must start with '/' and fit a folder's path); else the
 * first answer of step that is not STORE_OK, or STORE_OK. */
store_rc_t store_folder_path_ensure(const store_folder_req_t *q, store_folder_step_fn step, void *conn,
                                    uuid_str_t out);

#endif
