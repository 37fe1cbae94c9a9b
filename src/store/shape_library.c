/* shape_library.c - the row shapes of organizations, snippets and library folders, which both backends read. */
#include "store/shape.h"

#define STR(t, f) {NULL, STORE_FIELD_STR, offsetof(t, f), sizeof(((t *)0)->f), false}
#define INT(t, f) {NULL, STORE_FIELD_INT, offsetof(t, f), 0, false}
#define BOOL(t, f) {NULL, STORE_FIELD_BOOL, offsetof(t, f), 0, false}
#define REAL(t, f) {NULL, STORE_FIELD_REAL, offsetof(t, f), 0, false}
#define TEXT0(t, f) {NULL, STORE_FIELD_TEXT0, offsetof(t, f), 0, false}
#define SHAPE(t, fields) {sizeof(t), fields, (int)(sizeof(fields) / sizeof(fields[0]))}

/* uuid, name, created. */
static const store_field_t org_fields[] = {
    STR(store_org_t, uuid), STR(store_org_t, name), INT(store_org_t, created_at),
};
const store_shape_t store_shape_org = SHAPE(store_org_t, org_fields);

/* uuid, org, user, conversation, share code, title, notes, start, end, duration, internal, notify views,
 * has a reference, its four indexes (0 when none) and version ('' when none), in library, my library,
 * folder or '', created (ms). */
static const store_field_t snippet_fields[] = {
    STR(store_snippet_t, uuid),           STR(store_snippet_t, org_uuid),
    STR(store_snippet_t, user_uuid),      STR(store_snippet_t, conversation_uuid),
    STR(store_snippet_t, share_code),     TEXT0(store_snippet_t, title),
    TEXT0(store_snippet_t, notes),        REAL(store_snippet_t, start_time),
    REAL(store_snippet_t, end_time),      REAL(store_snippet_t, duration),
    BOOL(store_snippet_t, internal),      BOOL(store_snippet_t, notify_views),
    BOOL(store_snippet_t, has_reference), INT(store_snippet_t, ref_char_start),
    INT(store_snippet_t, ref_char_end),   INT(store_snippet_t, ref_speaker_start),
    INT(store_snippet_t, ref_speaker_end), STR(store_snippet_t, ref_version),
    BOOL(store_snippet_t, in_library),    BOOL(store_snippet_t, my_library),
    STR(store_snippet_t, folder_uuid),    INT(store_snippet_t, created_at),
};
const store_shape_t store_shape_snippet = SHAPE(store_snippet_t, snippet_fields);

/* uuid, org, owner ('' = the organization's library), parent or '', maker, name, path, hidden, created
 * (ms), then the two totals (0 where a statement does not count them). */
static const store_field_t folder_fields[] = {
    STR(store_folder_t, uuid),        STR(store_folder_t, org_uuid),     STR(store_folder_t, owner_uuid),
    STR(store_folder_t, parent_uuid), STR(store_folder_t, user_uuid),    STR(store_folder_t, name),
    STR(store_folder_t, path),        BOOL(store_folder_t, hidden),      INT(store_folder_t, created_at),
    INT(store_folder_t, total_elements), INT(store_folder_t, total_folders),
};
const store_shape_t store_shape_folder = SHAPE(store_folder_t, folder_fields);
