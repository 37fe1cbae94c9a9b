/* snippet.h - the snippet resource (beyond.md §1): the POST /snippets body with its `reference`, share codes, the one renderer. */
#ifndef PARLEY_MODEL_SNIPPET_H
#define PARLEY_MODEL_SNIPPET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/jsonw.h"
#include "model/library.h"
#include "store/store.h"

#define SNIPPET_TITLE_MAX_CHARS 500
#define SNIPPET_DEFAULT_TITLE "Snippet"
#define SNIPPET_NOTES_MAX_CHARS 20000
#define SNIPPET_INDEX_MAX_DIGITS 18 /* a reference index: a string of 1 to 18 digits (fits an int64) */
#define SNIPPET_SHARE_CODE_BYTES 16 /* random bytes of a share code: 128 bits */
#define SNIPPET_SHARE_CODE_LEN 22   /* their unpadded base64url form */

/* A POST /snippets body, read by snippet_body_parse. */
typedef struct snippet_body {
    store_snippet_t s;         /* user, conversation, title, notes, video times, flags, reference, library flags;
                                * strings borrow from the JSON value */
    char folder_path[LIBRARY_PATH_MAX + 1]; /* canonical library_item_info.folder_path; "/" = the root */
} snippet_body_t;

/* Reads the optional `reference` value ref (NULL or JSON null: none) into
 * out's ref_ members and has_reference: an object {characters:{start_idx,
 * end_idx}, speakers:{start_idx, end_idx}, transcript_version:"V1"|"V2"}, all
 * required, the indexes strings of 1 to SNIPPET_INDEX_MAX_DIGITS ASCII digits
 * with start_idx <= end_idx. Unknown members are ignored. Returns 0, or -1
 * with a message naming the member ("reference.characters.start_idx"), the
 * value and the rule in err. */
int snippet_reference_parse(const json_t *ref, store_snippet_t *out, char *err, size_t errlen);

/* Validates body (any JSON value) for POST /snippets into *out: user_uuid and
 * conversation_id (required UUIDs), video {start_time, end_time, duration}
 * (required numbers, 0 <= start_time < end_time, 0 <= duration), internal
 * and notify_views (required booleans), reference (snippet_reference_parse),
 * notes (string <= SNIPPET_NOTES_MAX_CHARS characters, default ""), title
 * (string <= SNIPPET_TITLE_MAX_CHARS characters; absent or "" =
 * "Snippet"), in_library (boolean, default false), library_item_info
 * {my_library?: boolean, folder_path?: library_path_parse} (null or absent:
 * the organization library's root). JSON null counts as absent; unknown
 * members are ignored. Times within the call are checked apart
 * (snippet_window_check). Returns 0, or -1 with the reason in err. */
int snippet_body_parse(const json_t *body, snippet_body_t *out, char *err, size_t errlen);

/* The call-length rule of the video times: end_time and duration at most
 * call_len (seconds: the conversation's mediaDuration). Returns 0, or -1
 * with the reason in err. */
int snippet_window_check(const store_snippet_t *s, double call_len, char *err, size_t errlen);

/* Writes the share code of the SNIPPET_SHARE_CODE_BYTES bytes rnd (unpadded
 * base64url, SNIPPET_SHARE_CODE_LEN characters) into out (capacity >=
 * SNIPPET_SHARE_CODE_LEN + 1). */
void snippet_share_code(const uint8_t rnd[SNIPPET_SHARE_CODE_BYTES], char *out, size_t outlen);
/* True when s has the form of a share code (so anything else is a 404 without a lookup). */
bool snippet_share_code_ok(const char *s);

/* Writes the snippet as its link answers it: {id, title, conversation_id,
 * video:{start_time, end_time, duration}, notes, createdAt} (createdAt with
 * milliseconds). Can't fail. */
void snippet_render(jsonw_t *w, const store_snippet_t *s);

#endif
