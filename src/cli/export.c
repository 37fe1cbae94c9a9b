/* export.c - `parley export` and `parley load`: an organization's conversations as JSON lines, and back (spec §6). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/keys.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/strutil.h"
#include "media/sign.h"
#include "model/export.h"
#include "model/user.h"

#define EXPORT_DB_HELP "SQLite file or PostgreSQL URL (postgres://…) (default $PARLEY_DB or ./parley.db)"
#define EXPORT_QUIET_HELP "no progress line on stderr (it is drawn only when stderr is a terminal)"
#define LOAD_MAX_MESSAGES 100 /* `line N: …` messages printed before summarising */

/* ---- export ---------------------------------------------------------------------- */

/* A conversation's media object (export_media_t records, by conversation uuid). */
typedef struct export_media {
    uuid_str_t conv;
    char key[STORE_MEDIA_KEY_MAX];
} export_media_t;

typedef struct export_ctx {
    buf_t teams;     /* store_team_t records of the organization; owned */
    buf_t media;     /* export_media_t records, sorted by conversation; owned */
    buf_t line;      /* the line being written; owned */
    long count;
    bool failed;     /* stdout or memory failed (reported) */
    progress_t meter;
} export_ctx_t;

static int export_team_cb(void *ctx, const store_team_t *t)
{
    return buf_append(&((export_ctx_t *)ctx)->teams, t, sizeof *t);
}

static int export_media_cb(void *ctx, const char *conv_uuid, const char *key)
{
    export_media_t m;
    snprintf(m.conv, sizeof m.conv, "%s", conv_uuid);
    snprintf(m.key, sizeof m.key, "%s", key);
    return buf_append(&((export_ctx_t *)ctx)->media, &m, sizeof m);
}

static int export_media_cmp(const void *a, const void *b)
{
    return strcmp(((const export_media_t *)a)->conv, ((const export_media_t *)b)->conv);
}

/* The media key of conversation uuid (the stored part's mediaKey), or NULL. */
static const char *export_media_key(const export_ctx_t *x, const char *uuid)
{
    export_media_t want;
    snprintf(want.conv, sizeof want.conv, "%s", uuid);
    const export_media_t *m = x->media.len ? bsearch(&want, x->media.data, x->media.len / sizeof want, sizeof want,
                                                     export_media_cmp) : NULL;
    return m ? m->key : NULL;
}

static int export_conv_cb(void *ctx, const conv_t *c)
{
    export_ctx_t *x = ctx;
    const store_team_t *tv = (const store_team_t *)x->teams.data;
    const char *team_name = NULL;
    for (size_t i = 0; c->team_uuid[0] && i < x->teams.len / sizeof *tv; i++)
        if (strcmp(tv[i].uuid, c->team_uuid) == 0)
            team_name = tv[i].name;
    conv_t with_media = *c;
    with_media.media_key = export_media_key(x, c->uuid);
    c = &with_media;
    buf_reset(&x->line);
    if (export_line_write(&x->line, c, team_name) != 0) {
        progress_clear(&x->meter);
        fprintf(stderr, "parley export: out of memory at conversation %s\n", c->uuid);
        x->failed = true;
        return 1;
    }
    buf_putc(&x->line, '\n');
    if (x->line.oom || fwrite(x->line.data, 1, x->line.len, stdout) != x->line.len) {
        progress_clear(&x->meter);
        fprintf(stderr, "parley export: cannot write to stdout: %s\n", strerror(errno));
        x->failed = true;
        return 1;
    }
    x->count++;
    progress_update(&x->meter, x->count);
    return 0;
}

static int export_count_cb(void *ctx, const conv_t *c)
{
    (void)ctx;
    (void)c;
    return 0;
}

/* The number of conversations export will write (for the meter's total); 0 when unknown. */
static int64_t export_total(store_t *st, const char *org, bool archived)
{
    store_scope_t sc = {.org_uuid = org, .user_uuid = NULL};
    conv_filter_t f = {.archived = archived ? CONV_ARCHIVED_INCLUDE : CONV_ARCHIVED_EXCLUDE, .page = 1, .size = 1};
    int64_t total = 0;
    return store_conv_list(st, &sc, &f, &total, export_count_cb, NULL) == STORE_OK ? total : 0;
}

int cli_export(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL;
    bool archived = false, quiet = false;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization uuid or name (required)", &org, NULL},
        {"include-archived", NULL, "export archived conversations too (default: only live ones)", NULL, &archived},
        {"quiet", NULL, EXPORT_QUIET_HELP, NULL, &quiet},
        {"db", "PATH", EXPORT_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley export --org ORG [--include-archived] [--quiet] [--db PATH] > dump.jsonl",
                       "Writes the organization's conversations to stdout, oldest first, one JSON object\n"
                       "per line:\n"
                       "  {\"conversation\": <exactly what GET /v2/conversations/{id} returns>,\n"
                       "   \"stored\": {\"participants\": [all, internal ones too], \"importMetadata\": {},\n"
                       "              \"zoomMetadata\": {}, \"transcriptText\": \"\",\n"
                       "              \"applicationExternalID\": \"\", \"applicationName\": \"\",\n"
                       "              \"mediaKey\": \"uploads/…\" (only with attached media)},\n"
                       "   \"team\": {\"uuid\": \"\", \"name\": \"\"}}\n"
                       "`parley load` reads it back; a loaded conversation renders byte for byte the same.\n"
                       "Prints the count on stderr (and, on a terminal, the progress while it runs).",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!org) {
        fprintf(stderr, "parley export: --org is required\n");
        return 2;
    }
    uuid_str_t o;
    store_t *st = cli_store_org(db, STORE_DURABILITY_FULL, org, o);
    if (!st)
        return 1;
    export_ctx_t x = {.count = 0};
    buf_init(&x.teams);
    buf_init(&x.media);
    buf_init(&x.line);
    /* not when the lines themselves go to the terminal: the redraws would land among them */
    bool meter = progress_wanted(stderr, quiet) && !isatty(fileno(stdout));
    progress_start(&x.meter, stderr, meter, "export", "conversations", meter ? export_total(st, o, archived) : 0,
                   NULL);
    rc = 1;
    if (store_team_list(st, o, export_team_cb, &x) != STORE_OK || x.teams.oom) {
        fprintf(stderr, "parley export: cannot read the organization's teams\n");
        goto done;
    }
    store_rc_t mrc = store_conv_media_list(st, o, export_media_cb, &x);
    if ((mrc != STORE_OK && mrc != STORE_NOT_SUPPORTED) || x.media.oom) {
        fprintf(stderr, "parley export: cannot read the organization's media\n");
        goto done;
    }
    if (x.media.len) /* the store sorts them already; bsearch relies on it, so make sure */
        qsort(x.media.data, x.media.len / sizeof(export_media_t), sizeof(export_media_t), export_media_cmp);
    if (store_conv_each(st, o, archived, export_conv_cb, &x) != STORE_OK) {
        progress_clear(&x.meter);
        if (!x.failed)
            fprintf(stderr, "parley export: cannot read the conversations\n");
        goto done;
    }
    if (fflush(stdout) != 0) {
        progress_clear(&x.meter);
        fprintf(stderr, "parley export: cannot write to stdout: %s\n", strerror(errno));
        goto done;
    }
    progress_finish(&x.meter);
    fprintf(stderr, "exported %ld conversations\n", x.count);
    rc = 0;
done:
    buf_free(&x.line);
    buf_free(&x.media);
    buf_free(&x.teams);
    store_close(st);
    return rc;
}

/* ---- load ------------------------------------------------------------------------ */

/* One id of the dump mapped to the id it has in the target organization. */
typedef struct load_map {
    uuid_str_t from, to;
} load_map_t;

typedef struct load_ctx {
    store_t *st;
    const char *org;
    bool new_ids;
    buf_t users, teams;   /* load_map_t records; owned */
    long line_no;
    long bad, messages;
    long loaded, users_made, teams_made;
    progress_t meter;     /* counts the non-empty lines read */
} load_ctx_t;

/* Reports "line N: msg" on stderr (the first LOAD_MAX_MESSAGES only) and
 * counts the line as bad. Returns -1. */
static int load_bad(load_ctx_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int load_bad(load_ctx_t *x, const char *fmt, ...)
{
    x->bad++;
    if (x->messages++ < LOAD_MAX_MESSAGES) {
        progress_clear(&x->meter);
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "line %ld: ", x->line_no);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    return -1;
}

static const char *load_find(const buf_t *m, const char *from)
{
    const load_map_t *v = (const load_map_t *)m->data;
    for (size_t i = 0; i < m->len / sizeof *v; i++)
        if (strcmp(v[i].from, from) == 0)
            return v[i].to;
    return NULL;
}

static int load_remember(load_ctx_t *x, buf_t *m, const char *from, const char *to)
{
    load_map_t e;
    snprintf(e.from, sizeof e.from, "%s", from);
    snprintf(e.to, sizeof e.to, "%s", to);
    if (buf_append(m, &e, sizeof e) != 0)
        return load_bad(x, "out of memory");
    return 0;
}

/* Maps the line's team (uuid, name may be NULL) into to. With --new-ids a
 * team of the same name is reused, else one is made; without, the uuid is
 * kept: an existing team of the org is reused, a missing one is created with
 * its name (suffixed " (<uuid prefix>)" when the name is taken). */
static int load_team(load_ctx_t *x, const char *uuid, const char *name, uuid_str_t to)
{
    const char *known = load_find(&x->teams, uuid);
    if (known) {
        snprintf(to, sizeof(uuid_str_t), "%s", known);
        return 0;
    }
    char fallback[64];
    if (!name) {
        snprintf(fallback, sizeof fallback, "Team %.8s", uuid);
        name = fallback;
    }
    store_rc_t rc;
    if (x->new_ids) {
        rc = store_team_resolve(x->st, x->org, name, to);
        if (rc == STORE_NOT_FOUND) {
            rc = store_team_create(x->st, x->org, name, NULL, NULL, to);
            if (rc == STORE_OK)
                x->teams_made++;
        }
    } else {
        store_team_t t;
        rc = store_team_get(x->st, x->org, uuid, &t);
        if (rc == STORE_OK) {
            snprintf(to, sizeof(uuid_str_t), "%s", t.uuid);
        } else if (rc == STORE_NOT_FOUND) {
            uuid_str_t other;
            char renamed[USER_NAME_MAX_BYTES + 16];
            if (store_team_resolve(x->st, x->org, name, other) == STORE_OK) {
                snprintf(renamed, sizeof renamed, "%.*s (%.8s)", USER_NAME_MAX_BYTES - 12, name, uuid);
                name = renamed;
            }
            rc = store_team_create(x->st, x->org, name, NULL, uuid, to);
            if (rc == STORE_CONFLICT)
                return load_bad(x, "team %s is used by another organization or its name \"%s\" is taken (use --new-ids)",
                                uuid, name);
            if (rc == STORE_OK)
                x->teams_made++;
        }
    }
    if (rc != STORE_OK)
        return load_bad(x, "cannot create or find team %s (%s)", uuid, store_rc_str(rc));
    return load_remember(x, &x->teams, uuid, to);
}

/* Maps the owner of c into to (creating the user when missing, in team, which
 * may be "" for the organization's default team). With --new-ids users are
 * matched by email; without, by uuid (an email taken by another uuid is an error). */
static int load_user(load_ctx_t *x, const conv_t *c, const char *team, uuid_str_t to)
{
    const char *known = load_find(&x->users, c->user_uuid);
    if (known) {
        snprintf(to, sizeof(uuid_str_t), "%s", known);
        return 0;
    }
    store_user_t u;
    store_rc_t rc;
    if (x->new_ids) {
        rc = store_user_resolve(x->st, x->org, c->user_email, &u);
    } else {
        rc = store_user_resolve(x->st, x->org, c->user_uuid, &u);
        if (rc == STORE_OK && strcmp(u.uuid, c->user_uuid) != 0)
            rc = STORE_NOT_FOUND; /* matched an email that looks like the uuid: not this user */
        if (rc == STORE_NOT_FOUND && store_user_resolve(x->st, x->org, c->user_email, &u) == STORE_OK)
            return load_bad(x,
                            "user %s: email %s belongs to user %s of the organization (use --new-ids to map users "
                            "by email)",
                            c->user_uuid, c->user_email, u.uuid);
    }
    if (rc == STORE_OK) {
        snprintf(to, sizeof(uuid_str_t), "%s", u.uuid);
    } else if (rc == STORE_NOT_FOUND) {
        store_user_new_t nu = {.org_uuid = x->org,
                               .email = c->user_email,
                               .first_name = c->user_first_name,
                               .last_name = c->user_last_name,
                               .team_uuid = team[0] ? team : NULL,
                               .uuid = x->new_ids ? NULL : c->user_uuid,
                               .transcript_lang = c->user_transcript_lang && *c->user_transcript_lang
                                                      ? c->user_transcript_lang
                                                      : NULL};
        rc = store_user_create(x->st, &nu, to);
        if (rc == STORE_CONFLICT)
            return load_bad(x, "user %s is used by another organization (use --new-ids)", c->user_uuid);
        if (rc == STORE_OK)
            x->users_made++;
    }
    if (rc != STORE_OK)
        return load_bad(x, "cannot create or find user %s (%s)", c->user_uuid, store_rc_str(rc));
    return load_remember(x, &x->users, c->user_uuid, to);
}

/* The number of non-empty lines of in when it is a regular file (read
 * through, then rewound), for the meter's total; 0 when unknown. */
static int64_t load_count_lines(FILE *in)
{
    struct stat sb;
    if (fstat(fileno(in), &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0;
    char chunk[65536];
    int64_t lines = 0;
    bool blank = true; /* the current line has nothing but line ends so far */
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (chunk[i] == '\n') {
                lines += !blank;
                blank = true;
            } else if (chunk[i] != '\r') {
                blank = false;
            }
        }
    }
    lines += !blank;
    if (ferror(in) || fseeko(in, 0, SEEK_SET) != 0) {
        clearerr(in);
        return fseeko(in, 0, SEEK_SET) == 0 ? 0 : -1;
    }
    return lines;
}

/* Decodes one line and inserts it (inside the open batch). Returns 0 or -1 (reported). */
static int load_line(load_ctx_t *x, arena_t *a, const char *line, size_t len)
{
    export_line_t el;
    char err[512];
    if (export_line_parse(a, line, len, &el, err, sizeof err) != 0)
        return load_bad(x, "%s", err);
    conv_t *c = &el.conv;
    if (c->media_key && !media_key_parse(c->media_key, NULL)) {
        char shown[STR_SHOWN_MAX + 4];
        return load_bad(x, "stored.mediaKey must be uploads/<uuid>/<uuid>, got \"%s\"",
                        str_shown(c->media_key, shown, sizeof shown));
    }
    uuid_str_t team = "", owner;
    if (c->team_uuid[0] && load_team(x, c->team_uuid, el.team_name, team) != 0)
        return -1;
    if (load_user(x, c, team, owner) != 0)
        return -1;
    uuid_str_t old;
    snprintf(old, sizeof old, "%s", c->uuid);
    if (x->new_ids)
        uuid_v7(c->uuid);
    snprintf(c->org_uuid, sizeof c->org_uuid, "%s", x->org);
    snprintf(c->user_uuid, sizeof c->user_uuid, "%s", owner);
    snprintf(c->team_uuid, sizeof c->team_uuid, "%s", team);
    uuid_str_t existing = "";
    store_rc_t rc = store_conv_insert(x->st, c, existing);
    if (rc == STORE_CONFLICT) {
        if (strcmp(existing, c->uuid) == 0)
            return load_bad(x, "conversation %s already exists (use --new-ids to load a copy)", old);
        char shown[STR_SHOWN_MAX + 4];
        return load_bad(x, "applicationExternalID \"%s\" is already used by conversation %s",
                        str_shown(c->external_id ? c->external_id : "", shown, sizeof shown), existing);
    }
    if (rc != STORE_OK)
        return load_bad(x, "cannot store conversation %s (%s)", old, store_rc_str(rc));
    /* the media object stays where it is (its key names the organization it was uploaded to) */
    if (c->media_key && (rc = store_conv_media_set(x->st, x->org, c->uuid, c->media_key)) != STORE_OK)
        return load_bad(x, "cannot store the media of conversation %s (%s)", old, store_rc_str(rc));
    x->loaded++;
    return 0;
}

int cli_load(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL;
    bool new_ids = false, quiet = false;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization to load into, uuid or name (required)", &org, NULL},
        {"new-ids", NULL,
         "give conversations, and the users and teams made for them, new ids (users are then matched by email, "
         "teams by name); default: keep every id",
         NULL, &new_ids},
        {"quiet", NULL, EXPORT_QUIET_HELP, NULL, &quiet},
        {"db", "PATH", EXPORT_DB_HELP, &db, NULL},
        {0},
    };
    const char *pos[1];
    int got = 0;
    int rc = cli_parse(argc, argv, "parley load --org ORG [--new-ids] [--quiet] [--db PATH] DUMP.jsonl",
                       "Loads the lines `parley export` wrote (DUMP.jsonl, or - for stdin) into an\n"
                       "organization, all in one transaction: when any line is bad, each bad line is\n"
                       "reported on stderr as `line N: <what is wrong>` and nothing is loaded. Owners\n"
                       "and teams missing from the organization are created from the line (the user's\n"
                       "email, names and transcript language; the team's name). Empty lines are skipped.\n"
                       "Ids are kept unless --new-ids; applicationExternalID is always kept, so loading\n"
                       "the same dump twice into one organization conflicts. On a terminal, stderr shows\n"
                       "the progress (lines read; of how many, and the time left, when DUMP is a file).",
                       opts, pos, 1, &got);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!org || got != 1) {
        fprintf(stderr, "parley load: --org and the dump file (or -) are required\n");
        return 2;
    }
    FILE *in = strcmp(pos[0], "-") == 0 ? stdin : fopen(pos[0], "r"); /* closed below unless stdin */
    if (!in) {
        fprintf(stderr, "parley load: cannot open %s: %s\n", pos[0], strerror(errno));
        return 1;
    }
    if (key_lib_init() != 0) {
        if (in != stdin)
            fclose(in);
        return 1;
    }
    uuid_str_t o;
    store_t *st = cli_store_org(db, STORE_DURABILITY_FULL, org, o);
    if (!st) {
        if (in != stdin)
            fclose(in);
        return 1;
    }
    load_ctx_t x = {.st = st, .org = o, .new_ids = new_ids};
    bool meter = progress_wanted(stderr, quiet);
    int64_t total = meter ? load_count_lines(in) : 0;
    if (total < 0) {
        fprintf(stderr, "parley load: cannot read %s: %s\n", pos[0], strerror(errno));
        if (in != stdin)
            fclose(in);
        store_close(st);
        return 1;
    }
    progress_start(&x.meter, stderr, meter, "load", "lines", total, NULL);
    buf_init(&x.users);
    buf_init(&x.teams);
    char *line = NULL; /* getline's buffer; freed below */
    size_t cap = 0;
    bool in_batch = false;
    rc = 1;
    if (store_batch_begin(st) != STORE_OK) {
        fprintf(stderr, "parley load: cannot start a transaction\n");
        goto done;
    }
    in_batch = true;
    ssize_t n;
    int64_t lines_read = 0; /* non-empty ones, for the meter */
    while ((n = getline(&line, &cap, in)) >= 0) {
        x.line_no++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        arena_t a; /* this line's strings; freed after the insert */
        arena_init(&a);
        load_line(&x, &a, line, len);
        arena_free(&a);
        progress_update(&x.meter, ++lines_read);
    }
    progress_clear(&x.meter); /* the summary or the messages below go on a clean line */
    if (ferror(in)) {
        fprintf(stderr, "parley load: cannot read %s: %s\n", pos[0], strerror(errno));
        goto done;
    }
    if (x.bad) {
        if (x.messages > LOAD_MAX_MESSAGES)
            fprintf(stderr, "… and %ld more bad lines\n", x.messages - LOAD_MAX_MESSAGES);
        fprintf(stderr, "parley load: %ld bad line%s of %ld; nothing was loaded\n", x.bad, x.bad == 1 ? "" : "s",
                x.line_no);
        goto done;
    }
    in_batch = false;
    if (store_batch_end(st, true) != STORE_OK) {
        fprintf(stderr, "parley load: the commit failed; nothing was loaded\n");
        goto done;
    }
    progress_finish(&x.meter);
    printf("loaded %ld conversations (%ld users and %ld teams created)\n", x.loaded, x.users_made, x.teams_made);
    rc = 0;
done:
    if (in_batch)
        store_batch_end(st, false);
    free(line);
    buf_free(&x.users);
    buf_free(&x.teams);
    if (in != stdin)
        fclose(in);
    store_close(st);
    return rc;
}
