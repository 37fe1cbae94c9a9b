/* library.c - library folders (beyond.md §5): folder paths, the roots of the libraries, the one folder renderer. */
#include "model/library.h"

#include <stdio.h>
#include <string.h>

#include "lib/strutil.h"

int library_path_parse(const char *s, const char *name, char *out, size_t outlen, char *err, size_t errlen)
{
    char shown[STR_SHOWN_MAX + 4];
    size_t n = strlen(s);
    if (n > LIBRARY_PATH_MAX)
        return str_fail(err, errlen, "%s is %zu bytes; the limit is %d", name, n, LIBRARY_PATH_MAX);
    if (n == 0 || strcmp(s, "/") == 0) {
        snprintf(out, outlen, "/");
        return 0;
    }
    if (s[0] != '/')
        return str_fail(err, errlen, "%s must start with \"/\" (\"/a/b\"), got \"%s\"", name,
                        str_shown(s, shown, sizeof shown));
    if (n >= outlen)
        return str_fail(err, errlen, "%s is too long", name);
    size_t len = s[n - 1] == '/' ? n - 1 : n; /* a trailing "/" is dropped */
    int depth = 0;
    for (size_t at = 1; at <= len;) {
        size_t seg = strcspn(s + at, "/");
        if (at + seg > len)
            seg = len - at;
        if (seg == 0)
            return str_fail(err, errlen, "%s must not contain an empty folder name (\"//\"), got \"%s\"", name,
                            str_shown(s, shown, sizeof shown));
        if ((seg == 1 && s[at] == '.') || (seg == 2 && s[at] == '.' && s[at + 1] == '.'))
            return str_fail(err, errlen, "%s must not contain \".\" or \"..\" folders, got \"%s\"", name,
                            str_shown(s, shown, sizeof shown));
        size_t chars = 0;
        for (size_t i = at; i < at + seg; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x20 || c == 0x7f)
                return str_fail(err, errlen, "%s must not contain control characters", name);
            if ((c & 0xC0) != 0x80)
                chars++;
        }
        if (chars > LIBRARY_NAME_MAX_CHARS)
            return str_fail(err, errlen, "%s: a folder name is %zu characters; the limit is %d", name, chars,
                            LIBRARY_NAME_MAX_CHARS);
        if (++depth > LIBRARY_DEPTH_MAX)
            return str_fail(err, errlen, "%s is more than %d folders deep", name, LIBRARY_DEPTH_MAX);
        at += seg + 1;
    }
    if (!str_utf8_valid(s, n))
        return str_fail(err, errlen, "%s must be UTF-8", name);
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

void library_root_uuid(const char *org_uuid, const char *owner_uuid, uuid_str_t out)
{
    const char *parts[] = {"parley-library-root:", org_uuid, "/", owner_uuid};
    uuid_v8_name(parts, 4, out);
}

void library_root(const char *org_uuid, const char *owner_uuid, store_folder_t *out)
{
    memset(out, 0, sizeof *out);
    library_root_uuid(org_uuid, owner_uuid, out->uuid);
    snprintf(out->org_uuid, sizeof out->org_uuid, "%s", org_uuid);
    snprintf(out->owner_uuid, sizeof out->owner_uuid, "%s", owner_uuid);
    snprintf(out->user_uuid, sizeof out->user_uuid, "%s", owner_uuid);
    snprintf(out->name, sizeof out->name, "%s", owner_uuid[0] ? "My Library" : "Library");
    snprintf(out->path, sizeof out->path, "/");
}

/* The parentUUID f shows: its parent, its library's root for a top-level
 * folder, "" for a root. */
static const char *library_parent(const store_folder_t *f, uuid_str_t buf)
{
    if (f->parent_uuid[0])
        return f->parent_uuid;
    if (strcmp(f->path, "/") == 0)
        return "";
    library_root_uuid(f->org_uuid, f->owner_uuid, buf);
    return buf;
}

void library_folder_render(jsonw_t *w, const store_folder_t *f, const store_folder_t *subs, size_t n)
{
    uuid_str_t buf;
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "uuid", f->uuid);
    jsonw_kv_string(w, "name", f->name);
    jsonw_kv_string(w, "organizationUUID", f->org_uuid);
    jsonw_kv_string(w, "parentUUID", library_parent(f, buf));
    jsonw_kv_string(w, "path", f->path);
    jsonw_kv_bool(w, "hidden", f->hidden);
    jsonw_kv_string(w, "userUUID", f->user_uuid);
    jsonw_key(w, "subFolders");
    jsonw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        jsonw_obj_begin(w);
        jsonw_kv_string(w, "uuid", subs[i].uuid);
        jsonw_kv_string(w, "name", subs[i].name);
        jsonw_kv_string(w, "parentUUID", library_parent(&subs[i], buf));
        jsonw_kv_bool(w, "hidden", subs[i].hidden);
        jsonw_kv_int(w, "totalElements", subs[i].total_elements);
        jsonw_kv_int(w, "totalFolders", subs[i].total_folders);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    jsonw_kv_int(w, "subFoldersTotal", (int64_t)n);
    jsonw_obj_end(w);
}
