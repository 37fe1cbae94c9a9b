/* import.h - validation of a POST /conversations/import body into a new conversation (spec §4.2). */
#ifndef PARLEY_MODEL_IMPORT_H
#define PARLEY_MODEL_IMPORT_H

#include <jansson.h>
#include <stddef.h>

#include "lib/arena.h"
#include "model/conversation.h"

/* Fills c from the body root (an object). org_uuid, team_uuid and the
 * owner's user_email / user_first_name / user_last_name /
 * user_transcript_lang are kept as the caller set them (zero c first if it is
 * fresh); every other field is reset and set here: uuid is a new UUIDv7
 * (uuid_v7(), i.e. the time of creation, not createdAt); user_uuid is the
 * lowercased userID (existence and permission are the caller's checks).
 * Strings are arena-owned (or static literals for fixed values).
 * Decisions: a JSON null optional field counts as absent; unknown fields are
 * ignored; "" conversationTitle → "Imported conversation"; ""
 * applicationExternalID → external_id NULL (none); applicationName and
 * applicationExternalID <= 255 characters, conversationTitle <= 500, mediaURL
 * <= 2048 bytes (http/https with a host); headers and transcriptionSettings
 * are validated and dropped; opportunityID → externalOpportunity
 * {"uuid":…,"title":""}; participants get a new id each and status
 * "accepted", those with accessType "Internal" (any case) are left out of
 * participants_ext_json; import_metadata_json is
 * {"applicationName":…,"mediaURL":…[,"extra":externalMetadata.extra]};
 * finished_at stays 0; mediaDuration = transcript last_end. Returns 0, or -1
 * with a message naming the field and the rule in err (e.g. "mediaURL is
 * required", "conversationStartedAt must be an RFC 3339 time, got \"x\"");
 * c is then partially filled and must not be stored.
 * `now` is the creation time used when conversationStartedAt is absent. */
int import_build(arena_t *a, const json_t *root, int64_t now, conv_t *c, char *err, size_t errlen);

#endif
