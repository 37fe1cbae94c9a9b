/* scorecard.c - scorecards, their items and results (beyond.md §3): request bodies, checks and the JSON they render as. */
#include "model/scorecard.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/jfield.h"
#include "lib/json_arena.h"
#include "lib/ptime.h"
#include "lib/strutil.h"

/* ---- helpers ----------------------------------------------------------------- */

/* Number of UTF-8 characters of s. */
static size_t sc_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* A string member of at most max characters (and min, when present):
 * 1 absent, 0 set, -1 (err) wrong. */
static int sc_text(const json_t *o, const char *key, size_t min, size_t max, const char **out, char *err,
                   size_t errlen)
{
    int rc = jfield_string(o, key, key, 4 * max, out, err, errlen);
    if (rc != 0)
        return rc;
    size_t n = sc_chars(*out);
    if (n < min || n > max)
        return str_fail(err, errlen, "%s must be %zu-%zu characters, got %zu", key, min, max, n);
    return 0;
}

/* A UUID string member into *out (canonical, arena): 1 absent, 0 set, -1 (err) wrong. */
static int sc_uuid(arena_t *a, const json_t *o, const char *key, const char *name, const char **out, char *err,
                   size_t errlen)
{
    const char *s = NULL;
    char shown[STR_SHOWN_MAX + 4];
    int rc = jfield_string(o, key, name, 64, &s, err, errlen);
    if (rc == -1 && json_is_string(json_object_get(o, key)))
        rc = -2; /* too long: not a UUID either */
    if (rc == 1)
        return 1;
    uuid_str_t u;
    if (rc < 0 || !uuid_parse(s, u)) {
        const json_t *v = json_object_get(o, key);
        if (json_is_string(v))
            return str_fail(err, errlen, "%s must be a UUID, got \"%s\"", name,
                            str_shown(json_string_value(v), shown, sizeof shown));
        return str_fail(err, errlen, "%s must be a UUID string", name);
    }
    if (!(*out = arena_strdup(a, u)))
        return str_fail(err, errlen, "out of memory");
    return 0;
}

/* Writes ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" under key k. */
static void sc_kv_time_ms(jsonw_t *w, const char *k, int64_t ms)
{
    char t[PTIME_MS_STR_LEN + 1];
    ptime_format_ms(ms, t);
    jsonw_kv_string(w, k, t);
}

double scorecard_round2(double x)
{
    return round(x * 100.0) / 100.0;
}

/* ---- scorecards ------------------------------------------------------------------ */

void scorecard_defaults(scorecard_t *s)
{
    s->enabled = true;
    s->all_teams = false;
    s->expert_mode = false;
    s->is_default_template = false;
    s->interaction_type = "conversation";
    s->detailed_instructions = "";
    s->scorecard_prompt = "";
    s->criteria_json = "{\"operator\":\"AND\",\"conditions\":[]}";
}

/* Reads criteria {operator?, conditions?} into compact JSON (arena). 1 absent, 0 set, -1 (err). */
static int sc_criteria(arena_t *a, const json_t *root, const char **out, char *err, size_t errlen)
{
    const json_t *c = json_object_get(root, "criteria");
    if (!c || json_is_null(c))
        return 1;
    if (!json_is_object(c))
        return str_fail(err, errlen, "criteria must be an object {operator, conditions}");
    const char *op = "AND";
    if (jfield_string(c, "operator", "criteria.operator", 8, &op, err, errlen) < 0)
        return -1;
    if (strcmp(op, "AND") != 0 && strcmp(op, "OR") != 0)
        return str_fail(err, errlen, "criteria.operator must be \"AND\" or \"OR\"");
    const json_t *conds = json_object_get(c, "conditions");
    if (conds && !json_is_null(conds) && !json_is_array(conds))
        return str_fail(err, errlen, "criteria.conditions must be an array of objects");
    size_t n = json_is_array(conds) ? json_array_size(conds) : 0;
    if (n > SCORECARD_CRITERIA_MAX)
        return str_fail(err, errlen, "criteria.conditions has %zu entries; the limit is %d", n,
                        SCORECARD_CRITERIA_MAX);
    for (size_t i = 0; i < n; i++)
        if (!json_is_object(json_array_get(conds, i)))
            return str_fail(err, errlen, "criteria.conditions[%zu] must be an object", i);
    json_t *o = json_pack("{s:s, s:O}", "operator", op, "conditions", n ? conds : json_array());
    if (!o)
        return str_fail(err, errlen, "out of memory");
    if (!n)
        json_decref(json_object_get(o, "conditions")); /* json_pack's O took a reference of the fresh array */
    *out = json_arena_dumps(a, o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!*out)
        return str_fail(err, errlen, "out of memory");
    if (strlen(*out) > 65536)
        return str_fail(err, errlen, "criteria is %zu bytes as JSON; the limit is 65536", strlen(*out));
    return 0;
}

int scorecard_body_parse(arena_t *a, const json_t *root, bool create, scorecard_t *s, unsigned *set, char *err,
                         size_t errlen)
{
    *set = 0;
    if (!json_is_object(root))
        return str_fail(err, errlen, "the body must be a JSON object");
    int rc = sc_text(root, "title", 1, SCORECARD_TITLE_MAX, &s->title, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 0)
        *set |= SC_F_TITLE;
    else if (create)
        return str_fail(err, errlen, "title is required (1-%d characters)", SCORECARD_TITLE_MAX);

    const char *team = NULL;
    bool all = false;
    int rt = sc_uuid(a, root, "teamUUID", "teamUUID", &team, err, errlen);
    if (rt < 0)
        return -1;
    int ra = jfield_bool(root, "allTeams", "allTeams", &all, err, errlen);
    if (ra < 0)
        return -1;
    if (rt == 0 && ra == 0 && all)
        return str_fail(err, errlen, "give either teamUUID or allTeams: true, not both");
    if (rt == 0) {
        snprintf(s->team_uuid, sizeof s->team_uuid, "%s", team);
        s->all_teams = false;
        *set |= SC_F_TEAM;
    } else if (ra == 0 && all) {
        s->team_uuid[0] = '\0';
        s->all_teams = true;
        *set |= SC_F_TEAM;
    } else if (ra == 0) {
        return str_fail(err, errlen, "allTeams: false needs a teamUUID");
    } else if (create) {
        return str_fail(err, errlen, "one of teamUUID and allTeams: true is required");
    }

    bool b;
    struct { const char *key; bool *dst; unsigned bit; } bools[] = {
        {"enabled", &s->enabled, SC_F_ENABLED},
        {"expertMode", &s->expert_mode, SC_F_EXPERT},
        {"isDefaultTemplate", &s->is_default_template, SC_F_DEFAULT},
    };
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        rc = jfield_bool(root, bools[i].key, bools[i].key, &b, err, errlen);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            *bools[i].dst = b;
            *set |= bools[i].bit;
        }
    }
    const char *it = NULL;
    if ((rc = jfield_string(root, "interactionType", "interactionType", 16, &it, err, errlen)) < 0)
        return -1;
    if (rc == 0) {
        if (strcmp(it, "conversation") != 0 && strcmp(it, "chat") != 0 && strcmp(it, "email") != 0)
            return str_fail(err, errlen, "interactionType must be \"conversation\", \"chat\" or \"email\"");
        s->interaction_type = it;
        *set |= SC_F_INTERACTION;
    }
    if ((rc = sc_text(root, "detailedInstructions", 0, SCORECARD_TEXT_MAX, &s->detailed_instructions, err,
                      errlen)) < 0)
        return -1;
    *set |= rc == 0 ? SC_F_INSTRUCTIONS : 0;
    if ((rc = sc_text(root, "scorecardPrompt", 0, SCORECARD_TEXT_MAX, &s->scorecard_prompt, err, errlen)) < 0)
        return -1;
    *set |= rc == 0 ? SC_F_PROMPT : 0;
    if ((rc = sc_criteria(a, root, &s->criteria_json, err, errlen)) < 0)
        return -1;
    *set |= rc == 0 ? SC_F_CRITERIA : 0;
    if (!create && !*set)
        return str_fail(err, errlen, "give at least one of title, teamUUID, allTeams, enabled, interactionType, "
                                     "detailedInstructions, scorecardPrompt, expertMode, isDefaultTemplate, criteria");
    return 0;
}

void scorecard_render(jsonw_t *w, const scorecard_t *s)
{
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "id", s->uuid);
    jsonw_kv_string(w, "title", s->title);
    jsonw_kv_string(w, "organizationId", s->org_uuid);
    jsonw_key(w, "teamId");
    if (s->all_teams || !s->team_uuid[0])
        jsonw_null(w);
    else
        jsonw_string(w, s->team_uuid);
    jsonw_kv_bool(w, "allTeams", s->all_teams);
    jsonw_kv_bool(w, "enabled", s->enabled);
    jsonw_kv_string(w, "interactionType", s->interaction_type);
    jsonw_kv_string(w, "detailedInstructions", s->detailed_instructions);
    jsonw_kv_string(w, "scorecardPrompt", s->scorecard_prompt);
    jsonw_kv_bool(w, "expertMode", s->expert_mode);
    jsonw_kv_bool(w, "isDefaultTemplate", s->is_default_template);
    jsonw_kv_raw(w, "criteria", s->criteria_json, "{\"operator\":\"AND\",\"conditions\":[]}");
    sc_kv_time_ms(w, "createdAt", s->created_at);
    jsonw_obj_end(w);
}

/* ---- items -------------------------------------------------------------------- */

void scorecard_item_defaults(scorecard_item_t *it)
{
    it->type = "numeric";
    it->position = 0;
    it->weight = 0;
    it->version = 1;
    it->expert_prompt = "";
    it->num_min = 0;
    it->num_middle = 50;
    it->num_max = 100;
    it->min_criteria = it->middle_criteria = it->max_criteria = "";
}

/* Reads metadata.numericMetadata onto it. 1 absent, 0 set, -1 (err). */
static int sc_metadata(const json_t *root, bool create, scorecard_item_t *it, char *err, size_t errlen)
{
    const json_t *m = json_object_get(root, "metadata");
    if (!m || json_is_null(m))
        return 1;
    if (!json_is_object(m))
        return str_fail(err, errlen, "metadata must be an object {numericMetadata}");
    const json_t *nm = json_object_get(m, "numericMetadata");
    if (!nm || json_is_null(nm))
        return 0;
    if (!json_is_object(nm))
        return str_fail(err, errlen, "metadata.numericMetadata must be an object");
    double v[3] = {it->num_min, it->num_middle, it->num_max};
    static const char *const keys[3] = {"min", "middle", "max"};
    int got[3];
    for (int i = 0; i < 3; i++) {
        char name[48];
        snprintf(name, sizeof name, "metadata.numericMetadata.%s", keys[i]);
        if ((got[i] = jfield_number(nm, keys[i], name, -SCORECARD_NUMBER_MAX, SCORECARD_NUMBER_MAX, &v[i], err,
                                    errlen)) < 0)
            return -1;
    }
    if (create && got[1] == 1)
        v[1] = (v[0] + v[2]) / 2;
    if (!(v[0] < v[2]))
        return str_fail(err, errlen, "metadata.numericMetadata needs min < max, got min %.15g, max %.15g", v[0], v[2]);
    if (!(v[0] <= v[1] && v[1] <= v[2]))
        return str_fail(err, errlen, "metadata.numericMetadata.middle must lie within min-max, got %.15g", v[1]);
    it->num_min = v[0];
    it->num_middle = v[1];
    it->num_max = v[2];
    static const char *const ckeys[3] = {"minCriteria", "middleCriteria", "maxCriteria"};
    const char **dst[3] = {&it->min_criteria, &it->middle_criteria, &it->max_criteria};
    for (int i = 0; i < 3; i++)
        if (sc_text(nm, ckeys[i], 0, SCORECARD_TEXT_MAX, dst[i], err, errlen) < 0)
            return -1;
    return 0;
}

int scorecard_item_body_parse(const json_t *root, bool create, scorecard_item_t *it, unsigned *set, char *err,
                              size_t errlen)
{
    *set = 0;
    if (!json_is_object(root))
        return str_fail(err, errlen, "the body must be a JSON object");
    int rc = sc_text(root, "title", 1, SCORECARD_ITEM_TITLE_MAX, &it->title, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 0)
        *set |= SCI_F_TITLE;
    else if (create)
        return str_fail(err, errlen, "title is required (1-%d characters)", SCORECARD_ITEM_TITLE_MAX);
    const char *type = NULL;
    if ((rc = jfield_string(root, "type", "type", 32, &type, err, errlen)) < 0)
        return -1;
    if (rc == 0 && strcmp(type, "numeric") != 0)
        return str_fail(err, errlen, "type must be \"numeric\" (the only item type)");
    if (rc == 0)
        *set |= SCI_F_TYPE;
    else if (create)
        return str_fail(err, errlen, "type is required (\"numeric\")");
    if ((rc = jfield_number(root, "weight", "weight", 0, 100, &it->weight, err, errlen)) < 0)
        return -1;
    if (rc == 0)
        *set |= SCI_F_WEIGHT;
    else if (create)
        return str_fail(err, errlen, "weight is required (a number from 0 to 100)");
    if ((rc = jfield_int(root, "position", "position", 0, 1000000, &it->position, err, errlen)) < 0)
        return -1;
    *set |= rc == 0 ? SCI_F_POSITION : 0;
    if ((rc = sc_text(root, "expertPrompt", 0, SCORECARD_TEXT_MAX, &it->expert_prompt, err, errlen)) < 0)
        return -1;
    *set |= rc == 0 ? SCI_F_EXPERT : 0;
    if ((rc = sc_metadata(root, create, it, err, errlen)) < 0)
        return -1;
    *set |= rc == 0 ? SCI_F_METADATA : 0;
    if (!create && !*set)
        return str_fail(err, errlen, "give at least one of title, type, position, weight, expertPrompt, metadata");
    return 0;
}

void scorecard_item_render(jsonw_t *w, const scorecard_item_t *it)
{
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "id", it->uuid);
    jsonw_kv_string(w, "scorecardId", it->scorecard_uuid);
    jsonw_kv_string(w, "title", it->title);
    jsonw_kv_string(w, "type", it->type);
    jsonw_kv_int(w, "position", it->position);
    jsonw_kv_number(w, "weight", it->weight);
    jsonw_kv_int(w, "version", it->version);
    jsonw_kv_string(w, "expertPrompt", it->expert_prompt);
    jsonw_key(w, "metadata");
    jsonw_obj_begin(w);
    jsonw_key(w, "numericMetadata");
    jsonw_obj_begin(w);
    jsonw_kv_number(w, "min", it->num_min);
    jsonw_kv_number(w, "middle", it->num_middle);
    jsonw_kv_number(w, "max", it->num_max);
    jsonw_kv_string(w, "minCriteria", it->min_criteria);
    jsonw_kv_string(w, "middleCriteria", it->middle_criteria);
    jsonw_kv_string(w, "maxCriteria", it->max_criteria);
    jsonw_obj_end(w);
    jsonw_obj_end(w);
    sc_kv_time_ms(w, "createdAt", it->created_at);
    sc_kv_time_ms(w, "lastUpdatedAt", it->updated_at);
    jsonw_obj_end(w);
}

/* ---- results ------------------------------------------------------------------ */

int scorecard_result_parse(arena_t *a, const json_t *root, scorecard_result_req_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->summary = "";
    if (!json_is_object(root))
        return str_fail(err, errlen, "the body must be a JSON object");
    int rc = sc_uuid(a, root, "scorecard_uuid", "scorecard_uuid", &out->scorecard_uuid, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 1)
        return str_fail(err, errlen, "scorecard_uuid is required");
    int rcv = sc_uuid(a, root, "conversation_uuid", "conversation_uuid", &out->conversation_uuid, err, errlen);
    if (rcv < 0)
        return -1;
    int rch = sc_uuid(a, root, "chat_uuid", "chat_uuid", &out->chat_uuid, err, errlen);
    if (rch < 0)
        return -1;
    if (rcv == 0 && rch == 0)
        return str_fail(err, errlen, "give either conversation_uuid or chat_uuid, not both");
    if (rcv == 1 && rch == 1)
        return str_fail(err, errlen, "one of conversation_uuid and chat_uuid is required");
    if (sc_text(root, "summary", 0, SCORECARD_TEXT_MAX, &out->summary, err, errlen) < 0)
        return -1;

    const json_t *items = json_object_get(root, "items");
    if (!items || json_is_null(items))
        return str_fail(err, errlen, "items is required (1-%d entries)", SCORECARD_RESULT_ITEMS_MAX);
    if (!json_is_array(items))
        return str_fail(err, errlen, "items must be an array of {scorecard_item_uuid, description, numeric_result}");
    size_t n = json_array_size(items);
    if (n == 0 || n > SCORECARD_RESULT_ITEMS_MAX)
        return str_fail(err, errlen, "items must have 1-%d entries, got %zu", SCORECARD_RESULT_ITEMS_MAX, n);
    if (!(out->items = arena_alloc(a, n * sizeof *out->items)))
        return str_fail(err, errlen, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(items, i);
        scorecard_result_item_t *it = &out->items[i];
        char name[64];
        memset(it, 0, sizeof *it);
        it->description = "";
        if (!json_is_object(e))
            return str_fail(err, errlen, "items[%zu] must be an object", i);
        snprintf(name, sizeof name, "items[%zu].scorecard_item_uuid", i);
        if ((rc = sc_uuid(a, e, "scorecard_item_uuid", name, &it->item_uuid, err, errlen)) < 0)
            return -1;
        if (rc == 1)
            return str_fail(err, errlen, "%s is required", name);
        for (size_t k = 0; k < i; k++)
            if (strcmp(out->items[k].item_uuid, it->item_uuid) == 0)
                return str_fail(err, errlen, "items[%zu] repeats scorecard item %s of items[%zu]", i, it->item_uuid,
                                k);
        if (sc_text(e, "description", 0, SCORECARD_TEXT_MAX, &it->description, err, errlen) < 0) {
            size_t l = strlen(err);
            snprintf(err + l, errlen > l ? errlen - l : 0, " (items[%zu])", i);
            return -1;
        }
        snprintf(name, sizeof name, "items[%zu].numeric_result", i);
        rc = jfield_number(e, "numeric_result", name, -SCORECARD_NUMBER_MAX, SCORECARD_NUMBER_MAX, &it->score, err,
                           errlen);
        if (rc < 0)
            return -1;
        it->has_score = rc == 0;
    }
    out->n_items = n;
    return 0;
}

/* The item of items[0..n) with uuid id, or NULL. */
static const scorecard_item_t *sc_item_find(const scorecard_item_t *items, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i].uuid, id) == 0)
            return &items[i];
    return NULL;
}

int scorecard_result_check(const scorecard_result_req_t *rq, const scorecard_item_t *items, size_t n, char *err,
                           size_t errlen)
{
    for (size_t i = 0; i < rq->n_items; i++) {
        const scorecard_result_item_t *ri = &rq->items[i];
        const scorecard_item_t *it = sc_item_find(items, n, ri->item_uuid);
        if (!it)
            return str_fail(err, errlen, "items[%zu].scorecard_item_uuid %s is not an item of scorecard %s", i,
                            ri->item_uuid, rq->scorecard_uuid);
        if (ri->has_score && !(ri->score >= it->num_min && ri->score <= it->num_max))
            return str_fail(err, errlen, "items[%zu].numeric_result must lie within the item's range %.15g-%.15g, got %.15g",
                            i, it->num_min, it->num_max, ri->score);
    }
    return 0;
}

double scorecard_result_score(const scorecard_result_req_t *rq, const scorecard_item_t *items, size_t n,
                              double *min, double *max)
{
    double sum = 0, wsum = 0, wtotal = 0;
    size_t scored = 0;
    *min = *max = 0;
    for (size_t i = 0; i < rq->n_items; i++) {
        const scorecard_result_item_t *ri = &rq->items[i];
        if (!ri->has_score)
            continue;
        const scorecard_item_t *it = sc_item_find(items, n, ri->item_uuid);
        double w = it ? it->weight : 0;
        if (scored == 0 || ri->score < *min)
            *min = ri->score;
        if (scored == 0 || ri->score > *max)
            *max = ri->score;
        sum += ri->score;
        wtotal += ri->score * w;
        wsum += w;
        scored++;
    }
    if (!scored)
        return 0;
    return scorecard_round2(wsum > 0 ? wtotal / wsum : sum / (double)scored);
}

void scorecard_result_render(buf_t *out, const char *result_uuid, const char *scorecard_title,
                             const scorecard_result_req_t *rq, const scorecard_item_t *items, size_t n)
{
    jsonw_t w;
    jsonw_init(&w, out);
    double lo, hi, avg = scorecard_result_score(rq, items, n, &lo, &hi);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "uuid", result_uuid);
    jsonw_kv_string(&w, "title", scorecard_title);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < rq->n_items; i++) {
        const scorecard_result_item_t *ri = &rq->items[i];
        const scorecard_item_t *it = sc_item_find(items, n, ri->item_uuid);
        jsonw_obj_begin(&w);
        jsonw_kv_string(&w, "uuid", ri->item_uuid);
        jsonw_kv_string(&w, "title", it ? it->title : "");
        jsonw_kv_string(&w, "description", ri->description);
        jsonw_key(&w, "score");
        if (ri->has_score)
            jsonw_number(&w, ri->score);
        else
            jsonw_null(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "summary");
    jsonw_obj_begin(&w);
    jsonw_kv_number(&w, "averageScore", avg);
    jsonw_kv_number(&w, "min", lo);
    jsonw_kv_number(&w, "max", hi);
    jsonw_kv_string(&w, "summaryText", rq->summary);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
}

int scorecard_results_append(const char *old, const char *entry, buf_t *out)
{
    buf_reset(out);
    size_t n = old ? strlen(old) : 0;
    while (n > 0 && (old[n - 1] == ' ' || old[n - 1] == '\n' || old[n - 1] == '\t' || old[n - 1] == '\r'))
        n--;
    size_t start = 0;
    while (start < n && (old[start] == ' ' || old[start] == '\n' || old[start] == '\t' || old[start] == '\r'))
        start++;
    bool array = n > start + 1 && old[start] == '[' && old[n - 1] == ']';
    bool empty = true;
    if (array) {
        for (size_t i = start + 1; i < n - 1 && empty; i++)
            empty = old[i] == ' ' || old[i] == '\n' || old[i] == '\t' || old[i] == '\r';
    }
    if (array && !empty) {
        buf_append(out, old + start, n - 1 - start);
        buf_putc(out, ',');
    } else {
        buf_putc(out, '[');
    }
    buf_puts(out, entry);
    buf_putc(out, ']');
    return out->oom ? -1 : 0;
}

int scorecard_results_add(arena_t *a, conv_t *c, const char *entry)
{
    buf_t b; /* owned here */
    buf_init(&b);
    const char *now = scorecard_results_append(c->scorecards_json, entry, &b) == 0 ? arena_strndup(a, b.data, b.len)
                                                                                   : NULL;
    buf_free(&b);
    if (!now)
        return -1;
    c->scorecards_json = now;
    return 0;
}

/* ---- the summary ------------------------------------------------------------- */

/* A UUID array member (at most SCORECARD_FILTER_MAX) into *out and *n (arena). Returns 0 or -1. */
static int sc_uuid_list(arena_t *a, const json_t *root, const char *key, const char ***out, size_t *n, char *err,
                        size_t errlen)
{
    const json_t *v = json_object_get(root, key);
    *out = NULL;
    *n = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return str_fail(err, errlen, "%s must be an array of UUIDs", key);
    size_t len = json_array_size(v);
    if (len > SCORECARD_FILTER_MAX)
        return str_fail(err, errlen, "%s has %zu entries; the limit is %d", key, len, SCORECARD_FILTER_MAX);
    if (len == 0)
        return 0;
    if (!(*out = arena_alloc(a, len * sizeof **out)))
        return str_fail(err, errlen, "out of memory");
    for (size_t i = 0; i < len; i++) {
        const json_t *e = json_array_get(v, i);
        uuid_str_t u;
        char shown[STR_SHOWN_MAX + 4];
        if (!json_is_string(e) || !uuid_parse(json_string_value(e), u))
            return str_fail(err, errlen, "%s[%zu] must be a UUID, got %s", key, i,
                            json_is_string(e) ? str_shown(json_string_value(e), shown, sizeof shown) : "another type");
        if (!((*out)[i] = arena_strdup(a, u)))
            return str_fail(err, errlen, "out of memory");
    }
    *n = len;
    return 0;
}

/* A time member: 1 absent, 0 set (ms), -1 (err). */
static int sc_time(const json_t *root, const char *key, int64_t *out, char *err, size_t errlen)
{
    const char *s = NULL;
    char shown[STR_SHOWN_MAX + 4];
    int rc = jfield_string(root, key, key, 64, &s, err, errlen);
    if (rc != 0)
        return rc;
    if (ptime_parse_ms(s, out) != 0)
        return str_fail(err, errlen, "%s must be an RFC 3339 time (e.g. 2024-03-18T10:00:00Z), got \"%s\"", key,
                        str_shown(s, shown, sizeof shown));
    return 0;
}

int scorecard_summary_parse(arena_t *a, const json_t *root, scorecard_summary_req_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->to_ms = INT64_MAX;
    if (!json_is_object(root))
        return str_fail(err, errlen, "the body must be a JSON object");
    int rc = sc_uuid(a, root, "scorecardUUID", "scorecardUUID", &out->scorecard_uuid, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 1)
        return str_fail(err, errlen, "scorecardUUID is required");
    if (sc_time(root, "fromDateTime", &out->from_ms, err, errlen) < 0 ||
        sc_time(root, "toDateTime", &out->to_ms, err, errlen) < 0)
        return -1;
    if (out->from_ms > out->to_ms)
        return str_fail(err, errlen, "fromDateTime must not be after toDateTime");
    if (sc_uuid_list(a, root, "teamUUIDs", &out->team_uuids, &out->n_teams, err, errlen) != 0 ||
        sc_uuid_list(a, root, "userUUIDs", &out->user_uuids, &out->n_users, err, errlen) != 0 ||
        sc_uuid_list(a, root, "scorecardsItemsUUIDs", &out->item_uuids, &out->n_items, err, errlen) != 0)
        return -1;
    return 0;
}
