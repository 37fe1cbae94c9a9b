/* library.h - library folders (beyond.md §5): folder paths, the roots of the libraries, the one folder renderer. */
#ifndef PARLEY_MODEL_LIBRARY_H
#define PARLEY_MODEL_LIBRARY_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/jsonw.h"
#include "store/store.h"

#define LIBRARY_NAME_MAX_CHARS 100 /* one folder name */
#define LIBRARY_DEPTH_MAX 16       /* folders in one path */
#define LIBRARY_PATH_MAX 1000      /* bytes of a whole path */

/* Checks folder path s (a body member shown as name in messages) and writes
 * its canonical form into out (capacity >= LIBRARY_PATH_MAX + 1): "/" for the
 * root ("/" or ""), else "/a/b" (a trailing "/" dropped). [decided] a path
 * starts with "/", has no empty segment, no segment "." or "..", segments of
 * 1 to LIBRARY_NAME_MAX_CHARS characters without control characters, at most
 * LIBRARY_DEPTH_MAX segments and LIBRARY_PATH_MAX bytes. Returns 0, or -1
 * with the rule broken in err. */
int library_path_parse(const char *s, const char *name, char *out, size_t outlen, char *err, size_t errlen);

/* The uuid of the root of a library (org_uuid, owner_uuid "" = the
 * organization's library, else the user whose My Library it is): roots are
 * not stored, so the uuid is derived, stable, and unique per library: the
 * first 16 bytes of SHA-256("parley-library-root:" org "/" owner) as a
 * version-8 UUID. */
void library_root_uuid(const char *org_uuid, const char *owner_uuid, uuid_str_t out);

/* Fills *out with the root of a library as a folder: the derived uuid, name
 * "Library" (the organization's) or "My Library", path "/", no parent, userUUID
 * the owner ("" for the organization's). */
void library_root(const char *org_uuid, const char *owner_uuid, store_folder_t *out);

/* Writes {uuid, name, organizationUUID, parentUUID, path, hidden, userUUID,
 * subFolders:[{uuid, name, parentUUID, hidden, totalElements, totalFolders}],
 * subFoldersTotal} for folder f with its n direct subfolders subs. A
 * top-level folder's parentUUID is its library's root. Can't fail. */
void library_folder_render(jsonw_t *w, const store_folder_t *f, const store_folder_t *subs, size_t n);

#endif
