/* snippet.c - the snippet resource (beyond.md §1): the POST /snippets body with its `reference`, share codes, the one renderer. */
#include "model/snippet.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "lib/ptime.h"
#include "lib/strutil.h"

/* Member key of obj, or NULL when absent or JSON null. */
static const json_t *snippet_opt(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return v && !json_is_null(v) ? v : NULL;
}

/* Number of UTF-8 characters in s[0..n). */
static size_t snippet_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

/* An index member key of the reference part obj (named "reference.<part>.<key>"):
 * a string of 1..SNIPPET_INDEX_MAX_DIGITS digits into *out. */
static int snippet_index(const json_t *obj, const char *part, const char *key, int64_t *out, char *err, size_t errlen)
{
    const json_t *v = snippet_opt(obj, key);
    if (!v)
        return str_fail(err, errlen, "reference.%s.%s is required", part, key);
    if (!json_is_string(v))
        return str_fail(err, errlen, "reference.%s.%s must be a string of digits (\"42\"), got a %s", part, key,
                        json_is_number(v) ? "number" : "non-string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    char shown[STR_SHOWN_MAX + 4];
    if (n == 0 || n > SNIPPET_INDEX_MAX_DIGITS || strspn(s, "0123456789") != n)
        return str_fail(err, errlen, "reference.%s.%s must be a string of 1 to %d digits, got \"%s\"", part, key,
                        SNIPPET_INDEX_MAX_DIGITS, str_shown(s, shown, sizeof shown));
    int64_t v64 = 0;
    for (size_t i = 0; i < n; i++)
        v64 = v64 * 10 + (s[i] - '0');
    *out = v64;
    return 0;
}

/* The part {start_idx, end_idx} named part of reference ref into *start / *end. */
static int snippet_range(const json_t *ref, const char *part, int64_t *start, int64_t *end, char *err, size_t errlen)
{
    const json_t *p = snippet_opt(ref, part);
    if (!p)
        return str_fail(err, errlen, "reference.%s is required ({\"start_idx\": \"0\", \"end_idx\": \"10\"})", part);
    if (!json_is_object(p))
        return str_fail(err, errlen, "reference.%s must be an object {start_idx, end_idx}", part);
    if (snippet_index(p, part, "start_idx", start, err, errlen) != 0 ||
        snippet_index(p, part, "end_idx", end, err, errlen) != 0)
        return -1;
    if (*start > *end)
        return str_fail(err, errlen, "reference.%s.start_idx (%lld) must not be after end_idx (%lld)", part,
                        (long long)*start, (long long)*end);
    return 0;
}

int snippet_reference_parse(const json_t *ref, store_snippet_t *out, char *err, size_t errlen)
{
    out->has_reference = false;
    out->ref_char_start = out->ref_char_end = out->ref_speaker_start = out->ref_speaker_end = 0;
    out->ref_version[0] = '\0';
    if (!ref || json_is_null(ref))
        return 0;
    if (!json_is_object(ref))
        return str_fail(err, errlen, "reference must be an object {characters, speakers, transcript_version}");
    if (snippet_range(ref, "characters", &out->ref_char_start, &out->ref_char_end, err, errlen) != 0 ||
        snippet_range(ref, "speakers", &out->ref_speaker_start, &out->ref_speaker_end, err, errlen) != 0)
        return -1;
    const json_t *v = snippet_opt(ref, "transcript_version");
    if (!v)
        return str_fail(err, errlen, "reference.transcript_version is required (\"V1\" or \"V2\")");
    const char *tv = json_is_string(v) ? json_string_value(v) : NULL;
    if (!tv || (strcmp(tv, "V1") != 0 && strcmp(tv, "V2") != 0)) {
        char shown[STR_SHOWN_MAX + 4];
        return str_fail(err, errlen, "reference.transcript_version must be \"V1\" or \"V2\", got %s%s%s",
                        tv ? "\"" : "a non-string", tv ? str_shown(tv, shown, sizeof shown) : "", tv ? "\"" : "");
    }
    snprintf(out->ref_version, sizeof out->ref_version, "%s", tv);
    out->has_reference = true;
    return 0;
}

/* A required UUID string member into buf. */
static int snippet_uuid(const json_t *body, const char *key, uuid_str_t buf, char *err, size_t errlen)
{
    const json_t *v = snippet_opt(body, key);
    if (!v)
        return str_fail(err, errlen, "%s is required", key);
    char shown[STR_SHOWN_MAX + 4];
    if (!json_is_string(v))
        return str_fail(err, errlen, "%s must be a UUID string", key);
    if (json_string_length(v) > 64 || !uuid_parse(json_string_value(v), buf))
        return str_fail(err, errlen, "%s must be a UUID, got \"%s\"", key,
                        str_shown(json_string_value(v), shown, sizeof shown));
    return 0;
}

/* A boolean member: required, or (dflt >= 0) defaulting to dflt. */
static int snippet_bool(const json_t *obj, const char *key, const char *name, int dflt, bool *out, char *err,
                        size_t errlen)
{
    const json_t *v = snippet_opt(obj, key);
    if (!v) {
        if (dflt < 0)
            return str_fail(err, errlen, "%s is required (true or false)", name);
        *out = dflt != 0;
        return 0;
    }
    if (!json_is_boolean(v))
        return str_fail(err, errlen, "%s must be a boolean", name);
    *out = json_is_true(v);
    return 0;
}

/* A required number member of video into *out, >= 0. */
static int snippet_time(const json_t *video, const char *key, double *out, char *err, size_t errlen)
{
    const json_t *v = snippet_opt(video, key);
    if (!v)
        return str_fail(err, errlen, "video.%s is required (seconds)", key);
    if (!json_is_number(v))
        return str_fail(err, errlen, "video.%s must be a number of seconds", key);
    *out = json_number_value(v);
    if (!(*out >= 0 && *out <= 1e9))
        return str_fail(err, errlen, "video.%s must be from 0 to 1e9 seconds, got %.17g", key, *out);
    return 0;
}

/* An optional string member of at most max_chars characters into *out. */
static int snippet_text(const json_t *body, const char *key, size_t max_chars, const char **out, char *err,
                        size_t errlen)
{
    const json_t *v = snippet_opt(body, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v))
        return str_fail(err, errlen, "%s must be a string", key);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n)
        return str_fail(err, errlen, "%s must not contain NUL characters", key);
    size_t chars = snippet_chars(s, n);
    if (chars > max_chars)
        return str_fail(err, errlen, "%s is %zu characters; the limit is %zu", key, chars, max_chars);
    *out = s;
    return 0;
}

int snippet_body_parse(const json_t *body, snippet_body_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    store_snippet_t *s = &out->s;
    snprintf(out->folder_path, sizeof out->folder_path, "/");
    if (!json_is_object(body))
        return str_fail(err, errlen, "the request body must be a JSON object");
    if (snippet_uuid(body, "user_uuid", s->user_uuid, err, errlen) != 0 ||
        snippet_uuid(body, "conversation_id", s->conversation_uuid, err, errlen) != 0)
        return -1;
    const json_t *video = snippet_opt(body, "video");
    if (!video)
        return str_fail(err, errlen, "video is required ({\"start_time\", \"end_time\", \"duration\"} in seconds)");
    if (!json_is_object(video))
        return str_fail(err, errlen, "video must be an object {start_time, end_time, duration}");
    if (snippet_time(video, "start_time", &s->start_time, err, errlen) != 0 ||
        snippet_time(video, "end_time", &s->end_time, err, errlen) != 0 ||
        snippet_time(video, "duration", &s->duration, err, errlen) != 0)
        return -1;
    if (!(s->end_time > s->start_time))
        return str_fail(err, errlen, "video.end_time (%.17g) must be after video.start_time (%.17g)", s->end_time,
                        s->start_time);
    if (snippet_bool(body, "internal", "internal", -1, &s->internal, err, errlen) != 0 ||
        snippet_bool(body, "notify_views", "notify_views", -1, &s->notify_views, err, errlen) != 0 ||
        snippet_reference_parse(json_object_get(body, "reference"), s, err, errlen) != 0 ||
        snippet_text(body, "notes", SNIPPET_NOTES_MAX_CHARS, &s->notes, err, errlen) != 0 ||
        snippet_text(body, "title", SNIPPET_TITLE_MAX_CHARS, &s->title, err, errlen) != 0 ||
        snippet_bool(body, "in_library", "in_library", 0, &s->in_library, err, errlen) != 0)
        return -1;
    if (!s->notes)
        s->notes = "";
    if (!s->title || !s->title[0])
        s->title = SNIPPET_DEFAULT_TITLE;
    const json_t *lib = snippet_opt(body, "library_item_info");
    if (lib) {
        if (!json_is_object(lib))
            return str_fail(err, errlen, "library_item_info must be an object {my_library, folder_path}");
        if (snippet_bool(lib, "my_library", "library_item_info.my_library", 0, &s->my_library, err, errlen) != 0)
            return -1;
        const json_t *fp = snippet_opt(lib, "folder_path");
        if (fp) {
            if (!json_is_string(fp) || strlen(json_string_value(fp)) != json_string_length(fp))
                return str_fail(err, errlen, "library_item_info.folder_path must be a string (\"/a/b\")");
            if (library_path_parse(json_string_value(fp), "library_item_info.folder_path", out->folder_path,
                                   sizeof out->folder_path, err, errlen) != 0)
                return -1;
        }
    }
    return 0;
}

int snippet_window_check(const store_snippet_t *s, double call_len, char *err, size_t errlen)
{
    if (s->end_time > call_len)
        return str_fail(err, errlen, "video.end_time (%.17g) must be within the call, which is %.17g seconds long",
                        s->end_time, call_len);
    if (s->duration > call_len)
        return str_fail(err, errlen, "video.duration (%.17g) must be within the call, which is %.17g seconds long",
                        s->duration, call_len);
    return 0;
}

void snippet_share_code(const uint8_t rnd[SNIPPET_SHARE_CODE_BYTES], char *out, size_t outlen)
{
    char b64[sodium_base64_ENCODED_LEN(SNIPPET_SHARE_CODE_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(b64, sizeof b64, rnd, SNIPPET_SHARE_CODE_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, outlen, "%s", b64);
}

bool snippet_share_code_ok(const char *s)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    return strlen(s) == SNIPPET_SHARE_CODE_LEN && strspn(s, alphabet) == SNIPPET_SHARE_CODE_LEN;
}

void snippet_render(jsonw_t *w, const store_snippet_t *s)
{
    char at[PTIME_MS_STR_LEN + 1];
    ptime_format_ms(s->created_at, at);
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "id", s->uuid);
    jsonw_kv_string(w, "title", s->title);
    jsonw_kv_string(w, "conversation_id", s->conversation_uuid);
    jsonw_key(w, "video");
    jsonw_obj_begin(w);
    jsonw_kv_number(w, "start_time", s->start_time);
    jsonw_kv_number(w, "end_time", s->end_time);
    jsonw_kv_number(w, "duration", s->duration);
    jsonw_obj_end(w);
    jsonw_kv_string(w, "notes", s->notes);
    jsonw_kv_string(w, "createdAt", at);
    jsonw_obj_end(w);
}
