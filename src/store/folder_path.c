/* folder_path.c - making a library folder path one folder at a time: the walk both backends' folder_ensure share. */
#include "store/folder_path.h"

#include <stdio.h>
#include <string.h>

#include "lib/strutil.h"

store_rc_t store_folder_path_ensure(const store_folder_req_t *q, store_folder_step_fn step, void *conn,
                                    uuid_str_t out)
{
    char prefix[sizeof(((store_folder_t *)0)->path)];
    char name[sizeof(((store_folder_t *)0)->name)];
    uuid_str_t parent = "";
    size_t n = strlen(q->path);
    if (q->path[0] != '/' || n >= sizeof prefix) {
        fprintf(stderr, "parley: store %s: not a folder path\n", q->fn);
        return STORE_ERROR;
    }
    for (size_t at = 1; at < n;) {
        size_t end = at + strcspn(q->path + at, "/");
        memcpy(prefix, q->path, end);
        prefix[end] = '\0';
        snprintf(name, sizeof name, "%.*s", (int)(end - at), q->path + at);
        const store_folder_seg_t seg = {prefix, name, end >= n, parent};
        uuid_str_t id;
        store_rc_t r = step(conn, q, &seg, id);
        if (r != STORE_OK)
            return r;
        memcpy(parent, id, sizeof parent);
        at = end + 1;
    }
    if (out)
        str_copy(out, sizeof(uuid_str_t), parent);
    return STORE_OK;
}
