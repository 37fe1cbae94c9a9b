/* json_merge.h - merges the members of one JSON object into another, on the text (json_patch of one level). */
#ifndef PARLEY_JSON_MERGE_H
#define PARLEY_JSON_MERGE_H

/* base (any text; taken as "{}" unless it is a JSON object) with patch's
 * members merged in: base's members, minus the first member named like each
 * key of patch, then patch's members with non-null values, appended in patch
 * order; minified, keys and scalars byte for byte. Returns a malloc'd string
 * (caller frees), or NULL when out of memory or patch is not a JSON object. */
char *json_merge_members(const char *base, const char *patch);

#endif
