/* transcript.h - validation of imported v1/v2 transcripts and their three output forms (spec §3.1). */
#ifndef PARLEY_MODEL_TRANSCRIPT_H
#define PARLEY_MODEL_TRANSCRIPT_H

#include <jansson.h>
#include <stddef.h>

#include "lib/arena.h"
#include "lib/jsonw.h"

/* What transcript_build produces; every string is arena-owned JSON or text. */
typedef struct transcript_out {
    const char *v1_json;       /* canonical v1 ({pieceInFlux, final:[{speaker,sentence,startTimestamp,endTimestamp}]}), derived from v2 when only v2 was given; NULL when no transcript */
    const char *v2_json;       /* canonical v2 or NULL */
    size_t segments;           /* number of segments (0 → isEmpty) */
    double last_end;           /* largest endTimestamp of any segment or word, 0 when none */
} transcript_out_t;

/* Validates and converts an import's `transcript` value ({v1?, v2?}; NULL,
 * JSON null or {} means no transcript; a null v1/v2 counts as absent).
 * Rules: speaker/sentence/text are strings; timestamps non-negative numbers
 * with end >= start; v2 segments need at least one word; pieceInFlux is kept
 * as given when a string or object ("" when absent); at most 100,000 segments
 * per form and 1,000,000 words in all. Canonical output keeps only the known
 * keys, in a fixed order, compact. When only v2 is given, v1 is derived
 * (sentence = words joined by one space, pieceInFlux ""). When both are given,
 * segments come from v1. last_end is the largest endTimestamp seen.
 * participants is unused (kept for the contract): speaker emails are resolved
 * when the detailed form is written. Returns 0, or -1 with a message naming
 * the offending path written into err (e.g.
 * "transcript.v2.final[3].words[0].startTimestamp must be a number"); *out is
 * then unusable. */
int transcript_build(arena_t *a, const json_t *transcript, const json_t *participants,
                     transcript_out_t *out, char *err, size_t errlen);

/* Writes the detailed form [{"speaker":{"name","email"},"words":[{text,
 * startTimestamp,endTimestamp}]}] from the stored v2 (preferred; falls back to
 * v1 when v2 does not parse) or v1 (each sentence one word entry); "[]" when
 * both are NULL/"". Speaker emails come from participants_json (ASCII
 * case-insensitive name match; "" when none or unparsable). Returns 0, or -1
 * when the stored JSON cannot be parsed (then "[]" was written). */
int transcript_write_detailed(jsonw_t *w, const char *v1_json, const char *v2_json,
                              const char *participants_json);

#endif
