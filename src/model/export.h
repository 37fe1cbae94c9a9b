/* export.h - the line format of `parley export` and `parley load` (spec §6): one conversation per line. */
#ifndef PARLEY_MODEL_EXPORT_H
#define PARLEY_MODEL_EXPORT_H

#include <stddef.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "model/conversation.h"

/* One line is one JSON object (no newline inside), members in this order:
 *
 *   {"conversation": <the resource exactly as GET /v2/conversations/{id} renders it>,
 *    "stored": {"participants": [every participant, internal ones included],
 *               "importMetadata": {…}, "zoomMetadata": {…},
 *               "transcriptText": "<speaker>: <text>\n…",
 *               "applicationExternalID": "…", "applicationName": "…",
 *               "mediaKey": "uploads/<org>/<uuid>"},   (only when media is attached, spec §7)
 *    "team": {"uuid": "…", "name": "…"}}          (only when the conversation has a team)
 *
 * "conversation" is byte for byte the GET body; "stored" holds what that body
 * does not show (internal participants, the metadata GET shows only on
 * request, the list form of the transcript, the external id). Both stored
 * transcript forms are in conversation.attributes.transcript ({"v1","v2"}).
 * Loading takes every JSON fragment (participants, labels, transcript v1/v2,
 * …) as the exact bytes of the line, never re-serialised, so a loaded
 * conversation renders byte-identically. */

/* Appends one line (without the newline) for c to b. team_name is the name of
 * c->team_uuid (NULL or ignored when the conversation has no team). Returns
 * 0, or -1 when memory ran out (b->oom). */
int export_line_write(buf_t *b, const conv_t *c, const char *team_name);

/* A decoded line. conv has every stored field set from the line (strings in
 * the arena, JSON fragments exactly as in the line), org_uuid "" and the
 * owner in user_uuid / user_email / user_first_name / user_last_name /
 * user_transcript_lang. team_name is NULL when the line has no "team". */
typedef struct export_line {
    conv_t conv;
    const char *team_name;
} export_line_t;

/* Decodes and validates line[0..len); every string of out, and the parse's
 * JSON nodes, are allocated from a (which owns them). Rules: valid JSON (UTF-8, no duplicate
 * keys) whose "conversation" is a conversations resource with a UUID id equal
 * to attributes.uuid; createdAt a non-empty RFC 3339 time, the other times
 * RFC 3339 or ""; statuses one of their enums or ""; flags booleans;
 * mediaDuration a number >= 0; array/object attributes of their type (absent
 * ones take their empty value); attributes.user an object with uuid =
 * userUUID and a valid email; "stored" and "team" optional, of their shapes,
 * team.uuid = teamUUID. Returns 0, or -1 with a message naming the member
 * path and the rule in err (e.g. "conversation.attributes.createdAt must be an
 * RFC 3339 time, got \"yesterday\""). */
int export_line_parse(arena_t *a, const char *line, size_t len, export_line_t *out, char *err, size_t errlen);

#endif
