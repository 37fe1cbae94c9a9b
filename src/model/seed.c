/* seed.c - deterministic generator of realistic conversations for `parley seed`. */
#include "model/seed.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/jsonw.h"
#include "lib/strutil.h"
#include "lib/uuid.h"
#include "model/snippet.h"
#include "model/seed_insights.h"

#define SEED_BATCH_ROWS 5000
#define SEED_DAY 86400
#define SEED_MAX_PEOPLE 8
#define SEED_MAX_SEGMENTS 200
#define SEED_MAX_WORDS 12
#define SEED_NEW_TEAMS 3
#define SEED_NEW_USERS 12
#define SEED_SNIPPETS_MAX 24 /* library snippets per run: on every 5th conversation with a recording, from the first */

#define SEED_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- vocabulary ----------------------------------------------------------- */

static const char *const seed_first_names[] = {
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen",
    "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Priya", "Mark", "Sandra", "Wei", "Ashley",
    "Steven", "Kimberly", "Andrew", "Emily", "Kenji", "Donna", "Omar", "Michelle", "Luis", "Aisha",
    "Ryan", "Olivia", "Noah", "Sofia", "Ethan", "Hannah", "Lucas", "Maya",
};

static const char *const seed_last_names[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Patel", "Kim", "Chen", "Schmidt", "Rossi", "Tanaka",
};

typedef struct seed_company {
    const char *name;
    const char *domain;
} seed_company_t;

static const seed_company_t seed_companies[] = {
    {"Acme Corp", "acme.com"},           {"Globex", "globex.com"},
    {"Initech", "initech.com"},          {"Umbrella Health", "umbrellahealth.com"},
    {"Stark Industries", "stark.com"},   {"Wayne Enterprises", "wayne-ent.com"},
    {"Hooli", "hooli.com"},              {"Pied Piper", "piedpiper.io"},
    {"Vandelay Industries", "vandelay.com"}, {"Soylent Foods", "soylent.co"},
    {"Cyberdyne Systems", "cyberdyne.ai"}, {"Tyrell Corporation", "tyrell.com"},
    {"Wonka Confections", "wonka.com"},  {"Oscorp", "oscorp.com"},
    {"Nakatomi Trading", "nakatomi.jp"}, {"Massive Dynamic", "massivedynamic.com"},
    {"Blue Sun Logistics", "bluesun.com"}, {"Dunder Mifflin", "dundermifflin.com"},
    {"Prestige Worldwide", "prestige-worldwide.com"}, {"Gringotts Bank", "gringotts.co.uk"},
    {"Monarch Solutions", "monarch.io"}, {"Northwind Traders", "northwind.com"},
    {"Contoso", "contoso.com"},          {"Fabrikam", "fabrikam.com"},
    {"Tailspin Toys", "tailspintoys.com"}, {"Litware", "litware.com"},
    {"Adventure Works", "adventure-works.com"}, {"Wide World Importers", "wideworldimporters.com"},
    {"Bluth Company", "bluth.com"},      {"Sterling Cooper", "sterlingcooper.com"},
    {"Los Pollos Hermanos", "lospollos.com"}, {"Gekko & Co", "gekko.com"},
    {"Cogswell Cogs", "cogswell.com"},   {"Spacely Sprockets", "spacely.com"},
    {"Rekall", "rekall.com"},            {"Weyland-Yutani", "weyland.com"},
    {"Zürich Versicherung", "zuerich-vers.ch"}, {"Müller Logistik GmbH", "mueller-logistik.de"},
    {"Société Lumière", "societe-lumiere.fr"}, {"São Paulo Tech", "sptech.com.br"},
    {"Nordström Analytics", "nordstrom-analytics.se"}, {"Kobayashi Maru Ltd", "kobayashi.co.jp"},
    {"Aperture Science", "aperture.com"}, {"Black Mesa", "blackmesa.org"},
    {"Virtucon", "virtucon.com"},        {"Ollivanders", "ollivanders.co.uk"},
    {"Paper Street Soap", "paperstreet.com"}, {"Yoyodyne", "yoyodyne.com"},
};

static const char *const seed_meeting_types[] = {
    "Discovery Call", "Product Demo", "Pricing Discussion", "Contract Review", "Technical Deep Dive",
    "Quarterly Business Review", "Kickoff", "Renewal Discussion", "Security Review", "Onboarding Session",
    "Executive Alignment", "Negotiation", "POC Check-in", "Intro Call", "Follow-up", "Implementation Planning",
};

static const char *const seed_internal_titles[] = {
    "Weekly Pipeline Review", "Deal Desk", "Forecast Call", "Sales Team Standup", "Win/Loss Review",
    "Enablement: Objection Handling", "Enablement: New Pricing", "Territory Planning", "QBR Prep",
    "Account Planning Session", "Onboarding Buddy Sync", "Manager 1:1",
};

/* Short utterances; each has 3 to 12 words separated by single spaces. */
static const char *const seed_sentences[] = {
    "Thanks for making the time today.",
    "Can everyone hear me okay?",
    "Let me share my screen.",
    "How has your week been so far?",
    "Could you walk me through your current process?",
    "We mostly use spreadsheets for that right now.",
    "That makes sense.",
    "What does success look like for your team?",
    "Our reps spend too much time on manual notes.",
    "How many people are on the sales team?",
    "Around forty reps across three regions.",
    "Who else is involved in this decision?",
    "Our VP of Sales signs off on tools like this.",
    "What is your timeline for making a change?",
    "We want something live before next quarter.",
    "Do you have budget set aside for this?",
    "Budget is approved but we need to justify it.",
    "I can send over a business case template.",
    "That would be really helpful, thank you.",
    "Are you evaluating any other vendors?",
    "We looked at a couple of alternatives last year.",
    "What did you like or dislike about them?",
    "The setup took months and adoption was low.",
    "Our onboarding usually takes about two weeks.",
    "How does the CRM sync work?",
    "Notes and fields sync to Salesforce automatically.",
    "Can managers see the call scorecards?",
    "Yes, every call gets scored against your playbook.",
    "Let me show you the dashboard.",
    "This view shows talk ratio by rep.",
    "Can we filter by team?",
    "You can filter by team, owner and date.",
    "What about security and compliance?",
    "We are SOC 2 Type II certified.",
    "Data is encrypted at rest and in transit.",
    "Our legal team will want to review that.",
    "I will send the security package after this call.",
    "How is pricing structured?",
    "Pricing is per seat with an annual contract.",
    "Is there a discount for a multi-year term?",
    "We can discuss that once we scope the rollout.",
    "That sounds reasonable.",
    "Can we start with a pilot?",
    "A thirty day pilot with one team works well.",
    "Which team would you want to start with?",
    "Probably the mid-market team in Austin.",
    "Great, I will set that up.",
    "What integrations do you support?",
    "Zoom, Google Meet, Teams and most dialers.",
    "Does it work with HubSpot too?",
    "Yes, HubSpot and Salesforce are both supported.",
    "Our renewal is coming up in June.",
    "Let's make sure nothing blocks that.",
    "I want to flag a concern about adoption.",
    "We had trouble getting reps to log calls.",
    "Everything is captured without the rep doing anything.",
    "That is the main thing we need.",
    "Can you send a recap after this?",
    "Absolutely, you will have it within the hour.",
    "Let's book a follow-up for next Tuesday.",
    "Tuesday at two works for me.",
    "I will include our head of RevOps.",
    "Sounds good, talk soon.",
    "Thanks everyone, this was really productive.",
    "Sorry, you cut out for a second.",
    "Could you repeat the last part?",
    "Right, that is exactly it.",
    "I see what you mean.",
    "Let me check with my manager on that.",
    "We need this to scale to two hundred users.",
    "Performance has never been an issue at that size.",
    "What does the implementation look like?",
    "A kickoff, admin setup and two training sessions.",
    "Who owns the project on your side?",
    "I will be the main point of contact.",
    "Good question, let me find out.",
    "We saw a twenty percent lift in win rates.",
    "Do you have customer references in our industry?",
    "I can connect you with two of them.",
    "Okay, that covers my questions for today.",
};

static const char *const seed_team_names[SEED_NEW_TEAMS] = {"Sales", "Customer Success", "Solutions Engineering"};

static const char *const seed_board_names[] = {"Sales Playbook", "Competitive Battlecards", "Discovery Framework"};

typedef struct seed_insight {
    const char *key;
    const char *title;
    const char *category;
    const char *values[4];
} seed_insight_t;

static const seed_insight_t seed_insights[] = {
    {"budget", "Budget", "BANT", {"$50k annual", "$120k over two years", "Not yet allocated", "Approved for Q3"}},
    {"authority", "Decision Maker", "BANT", {"VP of Sales", "CFO signs off", "Head of RevOps", "CEO"}},
    {"need", "Primary Need", "BANT", {"Call recording", "Forecast accuracy", "Rep coaching", "CRM hygiene"}},
    {"timeline", "Timeline", "BANT", {"End of quarter", "Within 60 days", "Next fiscal year", "Unclear"}},
    {"competitors", "Competitors", "Competition", {"Gong", "Chorus", "Clari", "None mentioned"}},
    {"next_steps", "Next Steps", "Process", {"Send proposal", "Security review", "Pilot kickoff", "Demo for VP"}},
};

typedef struct seed_label {
    const char *category;
    const char *values[6];
} seed_label_t;

static const seed_label_t seed_labels[] = {
    {"Stage", {"Discovery", "Demo", "Proposal", "Negotiation", "Closed Won", "Closed Lost"}},
    {"Sentiment", {"Positive", "Neutral", "Negative", "Positive", "Positive", "Neutral"}},
    {"Product", {"Core Platform", "Analytics", "Enterprise Suite", "Core Platform", "Add-ons", "Analytics"}},
    {"Competitor", {"Gong", "Chorus", "Salesloft", "None", "None", "Outreach"}},
    {"Call Type", {"Outbound", "Inbound", "Renewal", "Expansion", "Outbound", "Inbound"}},
};

static const char *const seed_apps[] = {"Salesforce", "HubSpot", "Dialpad", "Aircall"};

/* ---- PRNG ----------------------------------------------------------------- */

/* splitmix64: a 64-bit state advanced by a constant, output mixed. */
typedef struct seed_rng {
    uint64_t s;
} seed_rng_t;

/* The splitmix64 output function; also used to derive independent streams. */
static uint64_t seed_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t seed_next(seed_rng_t *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return seed_mix(r->s);
}

/* Uniform in [0, n); 0 when n is 0. The modulo bias is negligible here. */
static uint32_t seed_below(seed_rng_t *r, uint32_t n)
{
    return n ? (uint32_t)(seed_next(r) % n) : 0;
}

/* True with probability permille/1000. */
static bool seed_chance(seed_rng_t *r, unsigned permille)
{
    return seed_below(r, 1000) < permille;
}

/* Uniform in [lo, hi]. */
static int64_t seed_range(seed_rng_t *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)seed_below(r, (uint32_t)(hi - lo + 1));
}

static const char *seed_pick_(seed_rng_t *r, const char *const *v, size_t n)
{
    return v[seed_below(r, (uint32_t)n)];
}
#define SEED_PICK(r, arr) seed_pick_((r), (arr), SEED_COUNT(arr))

/* A UUIDv7 with timestamp ms and random bits from r. */
static void seed_uuid(seed_rng_t *r, int64_t ms, uuid_str_t out)
{
    uint8_t rnd[16];
    uint64_t a = seed_next(r), b = seed_next(r);
    memcpy(rnd, &a, 8);
    memcpy(rnd + 8, &b, 8);
    uuid_v7_from(out, ms, rnd);
}

/* Writes n random characters of alphabet into out (no terminator). */
static void seed_chars(seed_rng_t *r, char *out, size_t n, const char *alphabet)
{
    size_t k = strlen(alphabet);
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[seed_below(r, (uint32_t)k)];
}

/* A Salesforce-style 15-character id ("001" + "Dn0000" + 6 base62). */
static void seed_sfid(seed_rng_t *r, const char *prefix, char out[16])
{
    memcpy(out, prefix, 3);
    memcpy(out + 3, "Dn0000", 6);
    seed_chars(r, out + 9, 6, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    out[15] = '\0';
}

/* ---- generator state ------------------------------------------------------ */

typedef struct seed_person {
    const char *name;  /* arena */
    const char *email; /* arena */
    uuid_str_t id;
    bool internal, organizer, attended;
    bool email_known;   /* an attendee's email is not always known (beyond.md §0) */
    const char *status; /* static */
} seed_person_t;

/* One company's CRM identity, derived from the seed and the company index. */
typedef struct seed_account {
    uuid_str_t opp_uuid, deal_uuid;
    char account_id[16], opp_id[16];
    const char *opp_title; /* static table */
} seed_account_t;

static const char *const seed_opp_kinds[] = {"New Business", "Enterprise Expansion", "Renewal", "Pilot",
                                             "Platform Upgrade"};

/* A conversation chosen for a library snippet (seed_library). */
typedef struct seed_clip {
    uuid_str_t conv, owner;
    double len;                   /* mediaDuration, seconds */
    int64_t created;              /* the conversation's createdAt, unix milliseconds */
} seed_clip_t;

typedef struct seed_gen {
    store_t *st;
    const seed_opts_t *o;
    uint64_t base;                /* seed_mix of the seed: root of every stream */
    char tag[13];                 /* seed-derived part of external ids */
    char domain[200];             /* the organization's email domain, lowercase */
    store_user_t *users;          /* malloc'd; every user of the org */
    size_t nusers, capusers;
    store_user_t *owners;         /* malloc'd; the users conversations are spread over */
    size_t nowners;
    store_user_t admin;
    uuid_str_t boards[SEED_COUNT(seed_board_names)];
    seed_account_t accounts[SEED_COUNT(seed_companies)];
    int64_t *times;               /* malloc'd; createdAt of every row, ascending */
    arena_t a;                    /* strings of the row being built; reset per row */
    buf_t scratch;                /* one fragment at a time; owned */
    jsonw_t w;
    bool oom;
    /* the current row's transcript before it is written */
    int nseg;
    int seg_speaker[SEED_MAX_SEGMENTS];
    const char *seg_sentence[SEED_MAX_SEGMENTS];
    int seg_nwords[SEED_MAX_SEGMENTS];
    int32_t seg_word[SEED_MAX_SEGMENTS][SEED_MAX_WORDS][2]; /* centiseconds */
    seed_person_t people[SEED_MAX_PEOPLE];
    int npeople;
    seed_clip_t clips[SEED_SNIPPETS_MAX];
    int nclips;
    seed_insights_t *ins;         /* scorecards, their results, history (seed_insights.c); owned */
} seed_gen_t;

/* Starts a fragment in g->scratch and returns the writer for it. */
static jsonw_t *seed_frag_begin(seed_gen_t *g)
{
    buf_reset(&g->scratch);
    jsonw_init(&g->w, &g->scratch);
    return &g->w;
}

/* Copies the fragment into the row arena; on failure sets g->oom and returns "{}". */
static const char *seed_frag_end(seed_gen_t *g)
{
    char *s = NULL;
    if (!g->scratch.oom && !g->w.err && g->scratch.data)
        s = arena_strndup(&g->a, g->scratch.data, g->scratch.len);
    if (!s) {
        g->oom = true;
        return "{}";
    }
    return s;
}

/* arena_printf that records OOM in g (and returns "" then). */
static const char *seed_str(seed_gen_t *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *seed_str(seed_gen_t *g, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    char *s = arena_strdup(&g->a, tmp);
    if (!s) {
        g->oom = true;
        return "";
    }
    return s;
}

/* Lowercases ASCII letters of s in place and returns it. */
static char *seed_lower(char *s)
{
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

/* ---- users and teams ------------------------------------------------------ */

/* store_user_list callback: appends a copy of u to g->users. */
static int seed_user_collect(void *ctx, const store_user_t *u)
{
    seed_gen_t *g = ctx;
    if (g->nusers == g->capusers) {
        size_t cap = g->capusers ? g->capusers * 2 : 16;
        store_user_t *p = realloc(g->users, cap * sizeof *p);
        if (!p)
            return 1;
        g->users = p;
        g->capusers = cap;
    }
    g->users[g->nusers++] = *u;
    return 0;
}

/* Reloads g->users from the store. Returns 0 or -1. */
static int seed_users_load(seed_gen_t *g, char *err, size_t errlen)
{
    g->nusers = 0;
    store_rc_t rc = store_user_list(g->st, g->o->org_uuid, seed_user_collect, g);
    if (rc != STORE_OK)
        return str_fail(err, errlen, "listing the users of organization %s failed: %s", g->o->org_uuid,
                         store_rc_str(rc));
    return 0;
}

static int seed_user_cmp(const void *a, const void *b)
{
    return strcmp(((const store_user_t *)a)->uuid, ((const store_user_t *)b)->uuid);
}

/* Creates SEED_NEW_TEAMS teams and SEED_NEW_USERS users with seed-derived
 * names and uuids. A team or user that already exists (CONFLICT) is reused.
 * Returns 0 or -1. */
static int seed_make_people(seed_gen_t *g, char *err, size_t errlen)
{
    seed_rng_t r = {seed_mix(g->base ^ 0x7465616d73ULL)};
    uuid_str_t teams[SEED_NEW_TEAMS];
    for (int t = 0; t < SEED_NEW_TEAMS; t++) {
        store_rc_t rc = store_team_create(g->st, g->o->org_uuid, seed_team_names[t], NULL, NULL, teams[t]);
        if (rc == STORE_CONFLICT)
            rc = store_team_resolve(g->st, g->o->org_uuid, seed_team_names[t], teams[t]);
        if (rc != STORE_OK)
            return str_fail(err, errlen, "creating team \"%s\" failed: %s", seed_team_names[t], store_rc_str(rc));
    }
    /* distinct first and last names: a random start and a stride coprime with the list sizes */
    size_t nf = SEED_COUNT(seed_first_names), nl = SEED_COUNT(seed_last_names);
    size_t f0 = seed_below(&r, (uint32_t)nf), l0 = seed_below(&r, (uint32_t)nl);
    int64_t ms0 = (g->o->now - 400 * (int64_t)SEED_DAY) * 1000;
    for (int i = 0; i < SEED_NEW_USERS; i++) {
        const char *first = seed_first_names[(f0 + (size_t)i * 5) % nf];
        const char *last = seed_last_names[(l0 + (size_t)i * 3) % nl];
        char email[400];
        snprintf(email, sizeof email, "%s.%s@%s", first, last, g->domain);
        seed_lower(email);
        uuid_str_t id, out;
        seed_uuid(&r, ms0 + i * 1000, id);
        int team = i < 6 ? 0 : (i < 9 ? 1 : 2);
        store_user_new_t nu = {.org_uuid = g->o->org_uuid,
                               .email = email,
                               .first_name = first,
                               .last_name = last,
                               .team_uuid = teams[team],
                               .role = "member",
                               .uuid = id};
        store_rc_t rc = store_user_create(g->st, &nu, out);
        if (rc != STORE_OK && rc != STORE_CONFLICT)
            return str_fail(err, errlen, "creating user %s failed: %s", email, store_rc_str(rc));
    }
    return 0;
}

/* Finds the organization's domain and users (creating some when only the
 * admin exists) and fills g->owners. Returns 0 or -1. */
static int seed_setup_people(seed_gen_t *g, char *err, size_t errlen)
{
    store_rc_t rc = store_org_admin(g->st, g->o->org_uuid, &g->admin);
    if (rc == STORE_NOT_FOUND)
        return str_fail(err, errlen, "organization %s not found", g->o->org_uuid);
    if (rc != STORE_OK)
        return str_fail(err, errlen, "looking up organization %s failed: %s", g->o->org_uuid, store_rc_str(rc));
    const char *at = strrchr(g->admin.email, '@');
    if (at && at[1] && strlen(at + 1) < sizeof g->domain)
        snprintf(g->domain, sizeof g->domain, "%s", at + 1);
    else
        snprintf(g->domain, sizeof g->domain, "org-%.8s.example.com", g->o->org_uuid);
    seed_lower(g->domain);

    if (seed_users_load(g, err, errlen) != 0)
        return -1;
    bool created = false;
    if (g->nusers <= 1) {
        if (seed_make_people(g, err, errlen) != 0 || seed_users_load(g, err, errlen) != 0)
            return -1;
        created = true;
    }
    g->owners = malloc((g->nusers ? g->nusers : 1) * sizeof *g->owners);
    if (!g->owners)
        return str_fail(err, errlen, "out of memory");
    for (size_t i = 0; i < g->nusers; i++) {
        /* owners are the users we made (ids derived from the seed), else everyone */
        if (created && strcmp(g->users[i].uuid, g->admin.uuid) == 0)
            continue;
        g->owners[g->nowners++] = g->users[i];
    }
    if (g->nowners == 0)
        g->owners[g->nowners++] = g->admin;
    qsort(g->owners, g->nowners, sizeof *g->owners, seed_user_cmp);
    return 0;
}

/* Per-organization constants derived from the seed: boards and the CRM
 * identity (opportunity, deal, account) of each company. */
static void seed_setup_constants(seed_gen_t *g)
{
    int64_t ms0 = (g->o->now - 400 * (int64_t)SEED_DAY) * 1000;
    seed_rng_t r = {seed_mix(g->base ^ 0x626f61726473ULL)};
    for (size_t i = 0; i < SEED_COUNT(seed_board_names); i++)
        seed_uuid(&r, ms0 + (int64_t)i, g->boards[i]);
    for (size_t i = 0; i < SEED_COUNT(seed_companies); i++) {
        seed_account_t *ac = &g->accounts[i];
        seed_uuid(&r, ms0 + 100 + (int64_t)i, ac->opp_uuid);
        seed_uuid(&r, ms0 + 200 + (int64_t)i, ac->deal_uuid);
        seed_sfid(&r, "001", ac->account_id);
        seed_sfid(&r, "006", ac->opp_id);
        ac->opp_title = SEED_PICK(&r, seed_opp_kinds);
    }
    uint64_t t = seed_mix(g->base ^ 0x65787469ULL);
    snprintf(g->tag, sizeof g->tag, "%012llx", (unsigned long long)(t & 0xffffffffffffULL));
}

static int seed_time_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Fills g->times with count creation times in [now - 365 days, now], mostly
 * on weekdays between 13:00 and 23:00 UTC (US business hours), ascending so
 * that rows (and their time-ordered uuids) are inserted in key order. */
static int seed_setup_times(seed_gen_t *g, char *err, size_t errlen)
{
    long n = g->o->count;
    g->times = malloc((size_t)(n > 0 ? n : 1) * sizeof *g->times);
    if (!g->times)
        return str_fail(err, errlen, "out of memory");
    seed_rng_t r = {seed_mix(g->base ^ 0x74696d6573ULL)};
    int64_t now = g->o->now;
    int64_t today = now - ((now % SEED_DAY) + SEED_DAY) % SEED_DAY;
    for (long i = 0; i < n; i++) {
        int64_t d = seed_below(&r, 365);
        int64_t day = today - d * SEED_DAY;
        int64_t wd = ((day / SEED_DAY) % 7 + 7 + 4) % 7; /* 0 = Sunday (1970-01-01 was a Thursday) */
        if ((wd == 6 || wd == 0) && seed_chance(&r, 850))
            d += (wd == 6) ? 1 : (d >= 1 ? -1 : 2); /* Saturday → Friday, Sunday → Monday */
        if (d > 364)
            d -= 7;
        int64_t t = today - d * SEED_DAY + 13 * 3600 + seed_below(&r, 10 * 3600);
        if (t > now)
            t = now - seed_below(&r, 3600);
        if (t < now - 365 * (int64_t)SEED_DAY)
            t = now - 365 * (int64_t)SEED_DAY;
        g->times[i] = t;
    }
    qsort(g->times, (size_t)n, sizeof *g->times, seed_time_cmp);
    return 0;
}

/* ---- one conversation ----------------------------------------------------- */

/* An index in [0, n) skewed towards the low end (some reps and accounts are busier). */
static uint32_t seed_skewed(seed_rng_t *r, uint32_t n)
{
    uint32_t a = seed_below(r, n), b = seed_below(r, n);
    return seed_chance(r, 600) ? (a < b ? a : b) : a;
}

/* True when name is already used by one of the first n people. */
static bool seed_name_taken(const seed_gen_t *g, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(g->people[i].name, name) == 0)
            return true;
    return false;
}

/* Builds g->people: the owner first, internal colleagues, then external
 * contacts at company (all internal when internal_call). */
static void seed_people(seed_gen_t *g, seed_rng_t *r, const store_user_t *owner, const seed_company_t *co,
                        bool internal_call, int64_t ms)
{
    static const int totals[] = {2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 6, 6, 7, 7, 8};
    int total = totals[seed_below(r, SEED_COUNT(totals))];
    int nint = internal_call ? total : 1 + (int)seed_below(r, (uint32_t)(total / 3 + 1));
    if (!internal_call && nint > total - 1)
        nint = total - 1;
    g->npeople = 0;
    for (int i = 0; i < total; i++) {
        seed_person_t *p = &g->people[g->npeople];
        memset(p, 0, sizeof *p);
        p->internal = i < nint;
        if (i == 0) {
            p->name = owner->first_name[0] || owner->last_name[0]
                          ? seed_str(g, "%s%s%s", owner->first_name, owner->first_name[0] ? " " : "",
                                     owner->last_name)
                          : seed_str(g, "%s", owner->email);
            p->email = seed_str(g, "%s", owner->email);
        } else {
            const store_user_t *colleague = NULL;
            if (p->internal && g->nowners > 1) {
                for (int tries = 0; tries < 4 && !colleague; tries++) {
                    const store_user_t *u = &g->owners[seed_below(r, (uint32_t)g->nowners)];
                    char nm[600];
                    snprintf(nm, sizeof nm, "%s %s", u->first_name, u->last_name);
                    if (strcmp(u->uuid, owner->uuid) != 0 && !seed_name_taken(g, g->npeople, nm))
                        colleague = u;
                }
            }
            if (colleague) {
                p->name = seed_str(g, "%s %s", colleague->first_name, colleague->last_name);
                p->email = seed_str(g, "%s", colleague->email);
            } else {
                const char *first = NULL, *last = NULL;
                char nm[128];
                for (int tries = 0; tries < 16; tries++) {
                    first = SEED_PICK(r, seed_first_names);
                    last = SEED_PICK(r, seed_last_names);
                    snprintf(nm, sizeof nm, "%s %s", first, last);
                    if (!seed_name_taken(g, g->npeople, nm))
                        break;
                }
                p->name = seed_str(g, "%s", nm);
                const char *dom = p->internal ? g->domain : co->domain;
                char email[300];
                unsigned style = seed_below(r, 10);
                if (style < 6)
                    snprintf(email, sizeof email, "%s.%s@%s", first, last, dom);
                else if (style < 8)
                    snprintf(email, sizeof email, "%s@%s", first, dom);
                else
                    snprintf(email, sizeof email, "%c%s@%s", first[0], last, dom);
                p->email = seed_str(g, "%s", seed_lower(email));
            }
        }
        seed_uuid(r, ms, p->id);
        unsigned st = seed_below(r, 100);
        p->status = st < 80 ? "accepted" : st < 90 ? "tentative" : st < 97 ? "needsAction" : "declined";
        p->attended = (st < 90) ? seed_chance(r, 920) : seed_chance(r, 100);
        p->email_known = seed_chance(r, 700);
        g->npeople++;
    }
    /* the owner and the first external (or second internal) contact always attend */
    g->people[0].attended = true;
    g->people[0].status = "accepted";
    g->people[nint < total ? nint : 1].attended = true;
    int org = (!internal_call && seed_chance(r, 300)) ? nint : 0;
    g->people[org].organizer = true;
    g->people[org].status = "accepted";
}

/* Writes the people matching `which` (0 all, 1 external, 2 internal people
 * who attended: the org's side, as in the hosted API's example) in the shapes
 * real responses have (beyond.md §0): participants [{id,email,name,organizer}]
 * with an external participant's id its email; attendees [{id,name}] plus
 * email and organizer when known, no status. */
static const char *seed_people_json(seed_gen_t *g, int which)
{
    jsonw_t *w = seed_frag_begin(g);
    jsonw_arr_begin(w);
    for (int i = 0; i < g->npeople; i++) {
        const seed_person_t *p = &g->people[i];
        if ((which == 1 && p->internal) || (which == 2 && !(p->internal && p->attended)))
            continue;
        jsonw_obj_begin(w);
        if (which == 2) {
            jsonw_kv_string(w, "id", p->id);
            jsonw_kv_string(w, "name", p->name);
            if (p->email_known)
                jsonw_kv_string(w, "email", p->email);
            if (p->organizer)
                jsonw_kv_bool(w, "organizer", true);
        } else {
            jsonw_kv_string(w, "id", p->internal ? p->id : p->email);
            jsonw_kv_string(w, "email", p->email);
            jsonw_kv_string(w, "name", p->name);
            jsonw_kv_bool(w, "organizer", p->organizer);
        }
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    return seed_frag_end(g);
}

/* Number of segments: 10..200. Seven in ten have 10-14 so that the median
 * rendered resource (GET /conversations/{id}) is about 4-5 KB; a long tail
 * reaches 200. */
static int seed_segment_count(seed_rng_t *r)
{
    uint32_t u = seed_below(r, 1000);
    if (u < 700)
        return (int)seed_range(r, 10, 14);
    if (u < 900)
        return (int)seed_range(r, 16, 40);
    int64_t x = seed_below(r, 1000);
    return 41 + (int)((SEED_MAX_SEGMENTS - 41) * x * x / (999 * 999));
}

/* Plans the transcript (speakers, sentences, word timings) into g. Returns
 * the end of the last segment in centiseconds. */
static int64_t seed_plan_transcript(seed_gen_t *g, seed_rng_t *r, int nseg)
{
    int spk[SEED_MAX_PEOPLE], nspk = 0;
    for (int i = 0; i < g->npeople; i++)
        if (g->people[i].attended)
            spk[nspk++] = i;
    int64_t t = seed_range(r, 50, 1500); /* first words after 0.5-15 s */
    int cur = 0;
    g->nseg = nseg;
    for (int s = 0; s < nseg; s++) {
        /* mostly alternate; the owner (spk[0]) talks most */
        if (s > 0) {
            int next = seed_chance(r, 450) ? 0 : (int)seed_below(r, (uint32_t)nspk);
            if (next == cur)
                next = (cur + 1 + (int)seed_below(r, (uint32_t)(nspk - 1))) % nspk;
            cur = next;
        }
        g->seg_speaker[s] = spk[cur];
        const char *sentence = SEED_PICK(r, seed_sentences);
        g->seg_sentence[s] = sentence;
        int nw = 1;
        for (const char *p = sentence; *p; p++)
            nw += (*p == ' ');
        if (nw > SEED_MAX_WORDS)
            nw = SEED_MAX_WORDS; /* the tables never have more; see the unit test */
        g->seg_nwords[s] = nw;
        for (int k = 0; k < nw; k++) {
            int64_t len = seed_range(r, 18, 55);
            g->seg_word[s][k][0] = (int32_t)t;
            g->seg_word[s][k][1] = (int32_t)(t + len);
            t += len + seed_range(r, 0, 12);
        }
        t += seed_chance(r, 100) ? seed_range(r, 500, 3000) : seed_range(r, 30, 900);
    }
    return g->seg_word[nseg - 1][g->seg_nwords[nseg - 1] - 1][1];
}

/* Appends cs/100 exactly as jsonw_number prints that double: "12", "12.5",
 * "12.34" (cs / 100.0 is the double nearest to the decimal, and %.15g of it
 * gives these digits back), without the cost of printf for floating point. */
static void seed_put_cs(buf_t *b, int64_t cs)
{
    char tmp[24], *e = tmp + sizeof tmp, *p = e;
    int64_t whole = cs / 100, frac = cs % 100;
    if (frac) {
        if (frac % 10) {
            *--p = (char)('0' + frac % 10);
            *--p = (char)('0' + frac / 10);
        } else {
            *--p = (char)('0' + frac / 10);
        }
        *--p = '.';
    }
    do {
        *--p = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole);
    buf_append(b, p, (size_t)(e - p));
}

/* Appends "s" JSON-quoted. */
static void seed_put_quoted(buf_t *b, const char *s, size_t n)
{
    buf_putc(b, '"');
    jsonw_escape(b, s, n);
    buf_putc(b, '"');
}

/* Appends ,"startTimestamp":<a>,"endTimestamp":<b>} */
static void seed_put_times(buf_t *b, int64_t a, int64_t e)
{
    buf_append(b, ",\"startTimestamp\":", 18);
    seed_put_cs(b, a);
    buf_append(b, ",\"endTimestamp\":", 16);
    seed_put_cs(b, e);
    buf_putc(b, '}');
}

/* Copies b into the row arena (OOM recorded in g). */
static const char *seed_buf_to_arena(seed_gen_t *g, const buf_t *b)
{
    char *s = (b->oom || !b->data) ? NULL : arena_strndup(&g->a, b->data, b->len);
    if (!s)
        g->oom = true;
    return s ? s : "";
}

/* Writes the planned transcript in transcript_build's canonical forms,
 * byte for byte (the unit test feeds them back through transcript_build):
 * v2 (when with_v2) plus v1 (derived from v2 exactly as transcript_build
 * derives it: words joined by one space, pieceInFlux ""), and the text form.
 * The JSON is written straight into buffers because this is the hot path. */
static void seed_write_transcript(seed_gen_t *g, conv_t *c, bool with_v2)
{
    buf_t *b = &g->scratch;
    if (with_v2) {
        buf_reset(b);
        buf_append(b, "{\"pieceInFlux\":\"\",\"final\":[", 27);
        for (int s = 0; s < g->nseg; s++) {
            const char *name = g->people[g->seg_speaker[s]].name;
            buf_append(b, s ? ",{\"speaker\":" : "{\"speaker\":", s ? 12 : 11);
            seed_put_quoted(b, name, strlen(name));
            buf_append(b, ",\"words\":[", 10);
            const char *p = g->seg_sentence[s];
            for (int k = 0; k < g->seg_nwords[s]; k++) {
                const char *sp = strchr(p, ' ');
                size_t n = (sp && k + 1 < g->seg_nwords[s]) ? (size_t)(sp - p) : strlen(p);
                buf_append(b, k ? ",{\"text\":" : "{\"text\":", k ? 9 : 8);
                seed_put_quoted(b, p, n);
                seed_put_times(b, g->seg_word[s][k][0], g->seg_word[s][k][1]);
                p += n + (p[n] == ' ');
            }
            buf_append(b, "]}", 2);
        }
        buf_append(b, "]}", 2);
        c->transcript_v2_json = seed_buf_to_arena(g, b);
    }
    buf_reset(b);
    buf_append(b, "{\"pieceInFlux\":\"\",\"final\":[", 27);
    for (int s = 0; s < g->nseg; s++) {
        const char *name = g->people[g->seg_speaker[s]].name, *sentence = g->seg_sentence[s];
        size_t nl = strlen(name), sl = strlen(sentence);
        int last = g->seg_nwords[s] - 1;
        buf_append(b, s ? ",{\"speaker\":" : "{\"speaker\":", s ? 12 : 11);
        seed_put_quoted(b, name, nl);
        buf_append(b, ",\"sentence\":", 12);
        seed_put_quoted(b, sentence, sl);
        seed_put_times(b, g->seg_word[s][0][0], g->seg_word[s][last][1]);
    }
    buf_append(b, "]}", 2);
    c->transcript_v1_json = seed_buf_to_arena(g, b);
}

/* extractedIntelligence: 1-3 insights keyed by name; when confirmed is
 * non-NULL it receives confirmedExtractedIntelligence (the first insight,
 * confirmed by the user) on some, else "{}". */
static const char *seed_intel_json(seed_gen_t *g, seed_rng_t *r, int64_t ms, const char **confirmed)
{
    size_t n = 1 + seed_below(r, 3), first = seed_below(r, SEED_COUNT(seed_insights));
    const seed_insight_t *ins[3];
    const char *vals[3];
    uuid_str_t ids[3];
    for (size_t k = 0; k < n; k++) {
        ins[k] = &seed_insights[(first + k) % SEED_COUNT(seed_insights)];
        vals[k] = ins[k]->values[seed_below(r, 4)];
        seed_uuid(r, ms, ids[k]);
    }
    bool conf = seed_chance(r, 300);
    const char *out = "{}";
    for (int pass = 0; pass < (conf ? 2 : 1); pass++) {
        jsonw_t *w = seed_frag_begin(g);
        jsonw_obj_begin(w);
        for (size_t k = 0; k < (pass ? 1 : n); k++) {
            jsonw_key(w, ins[k]->key);
            jsonw_obj_begin(w);
            jsonw_kv_string(w, "id", ids[k]);
            jsonw_kv_string(w, "key", ins[k]->key);
            jsonw_kv_string(w, "value", vals[k]);
            jsonw_kv_string(w, "title", ins[k]->title);
            jsonw_kv_string(w, "category", ins[k]->category);
            jsonw_kv_string(w, "source", pass ? "user" : "transcript");
            jsonw_obj_end(w);
        }
        jsonw_obj_end(w);
        if (pass)
            *confirmed = seed_frag_end(g);
        else
            out = seed_frag_end(g);
    }
    if (!conf)
        *confirmed = "{}";
    return out;
}

/* labels: 0-4 categories, each with one value. */
static const char *seed_labels_json(seed_gen_t *g, seed_rng_t *r)
{
    size_t n = seed_chance(r, 250) ? 0 : 1 + seed_below(r, 4);
    size_t first = seed_below(r, SEED_COUNT(seed_labels));
    if (n == 0)
        return "{}";
    jsonw_t *w = seed_frag_begin(g);
    jsonw_obj_begin(w);
    for (size_t k = 0; k < n; k++) {
        const seed_label_t *l = &seed_labels[(first + k) % SEED_COUNT(seed_labels)];
        jsonw_kv_string(w, l->category, l->values[seed_below(r, 6)]);
    }
    jsonw_obj_end(w);
    return seed_frag_end(g);
}

/* [{"id":id,"code":code}] */
static const char *seed_crm_one(seed_gen_t *g, const char *id, const char *code)
{
    jsonw_t *w = seed_frag_begin(g);
    jsonw_arr_begin(w);
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "id", id);
    jsonw_kv_string(w, "code", code);
    jsonw_obj_end(w);
    jsonw_arr_end(w);
    return seed_frag_end(g);
}

/* The organization's Webex site name: the first label of its domain (arena). */
static const char *seed_webex_site(seed_gen_t *g)
{
    const char *dot = strchr(g->domain, '.');
    int n = dot ? (int)(dot - g->domain) : (int)strlen(g->domain);
    return seed_str(g, "%.*s", n, g->domain);
}

typedef enum { SEED_NORMAL, SEED_EMPTY, SEED_PENDING, SEED_FAILED } seed_kind_t;

/* Builds row i (created at `created`) into c; strings live in g->a. Sets
 * g->oom when memory ran out. */
static void seed_row(seed_gen_t *g, long i, int64_t created, conv_t *c)
{
    seed_rng_t rr = {seed_mix(g->base ^ (0x5851f42d4c957f2dULL * (uint64_t)(i + 1)))};
    seed_rng_t *r = &rr;
    int64_t ms = created * 1000 + seed_below(r, 1000);

    memset(c, 0, sizeof *c);
    seed_uuid(r, ms, c->uuid);
    snprintf(c->org_uuid, sizeof c->org_uuid, "%s", g->o->org_uuid);
    const store_user_t *owner = &g->owners[seed_skewed(r, (uint32_t)g->nowners)];
    memcpy(c->user_uuid, owner->uuid, sizeof c->user_uuid);
    memcpy(c->team_uuid, owner->primary_team_uuid, sizeof c->team_uuid);
    c->user_email = owner->email;
    c->user_first_name = owner->first_name;
    c->user_last_name = owner->last_name;
    c->user_transcript_lang = owner->transcript_lang;

    unsigned roll = seed_below(r, 1000);
    seed_kind_t kind = roll < 30 ? SEED_EMPTY : roll < 60 ? SEED_PENDING : roll < 70 ? SEED_FAILED : SEED_NORMAL;
    c->is_private = seed_chance(r, 50);
    c->is_internal = seed_chance(r, 50);
    c->referenceable = seed_chance(r, 200);
    size_t ci = seed_skewed(r, SEED_COUNT(seed_companies));
    const seed_company_t *co = &seed_companies[ci];
    const seed_account_t *ac = &g->accounts[ci];

    /* title */
    if (c->is_internal) {
        c->title = seed_chance(r, 150) ? seed_str(g, "Manager 1:1 - %s", owner->first_name)
                                       : SEED_PICK(r, seed_internal_titles);
    } else if (seed_chance(r, 30)) {
        c->title = "Call with "; /* what the hosted API names a call nobody named (beyond.md §0) */
    } else {
        const char *type = SEED_PICK(r, seed_meeting_types);
        switch (seed_below(r, 6)) {
        case 0: c->title = seed_str(g, "%s - %s", co->name, type); break;
        case 1: c->title = seed_str(g, "%s <> %s", co->name, type); break;
        case 2: c->title = seed_str(g, "%s with %s", type, co->name); break;
        case 3: c->title = seed_str(g, "%s | %s", co->name, type); break;
        case 4: c->title = seed_str(g, "Follow-up: %s %s", co->name, type); break;
        default: c->title = seed_str(g, "%s: %s", co->name, type); break;
        }
    }

    seed_people(g, r, owner, co, c->is_internal, ms);
    c->participants_json = seed_people_json(g, 0);
    c->participants_ext_json = seed_people_json(g, 1);
    c->attendees_json = seed_people_json(g, 2);

    /* source: a bot in a meeting, or an import from another application */
    unsigned src = seed_below(r, 100);
    bool imported = src >= 88;
    const char *meeting_url = "";
    c->zoom_url = c->gmeet_url = c->teams_url = c->webex_url = "";
    if (!imported) {
        if (src < 45) {
            meeting_url = c->zoom_url = seed_str(g, "https://zoom.us/j/%010llu",
                                                 (unsigned long long)(seed_next(r) % 10000000000ULL));
        } else if (src < 75) {
            char code[10];
            seed_chars(r, code, 10, "abcdefghijklmnopqrstuvwxyz");
            meeting_url = c->gmeet_url = seed_str(g, "https://meet.google.com/%.3s-%.4s-%.3s", code, code + 3,
                                                  code + 7);
        } else if (src < 85) {
            char code[24];
            seed_chars(r, code, 24, "0123456789abcdefghijklmnopqrstuvwxyz");
            meeting_url = c->teams_url = seed_str(
                g, "https://teams.microsoft.com/l/meetup-join/19%%3ameeting_%.24s%%40thread.v2/0", code);
        } else {
            const char *at = strchr(owner->email, '@');
            int local = at ? (int)(at - owner->email) : (int)strlen(owner->email);
            meeting_url = c->webex_url = seed_str(g, "https://%s.webex.com/meet/%.*s", seed_webex_site(g),
                                                  local, owner->email);
        }
    }
    if (imported) {
        c->application_name = SEED_PICK(r, seed_apps);
        c->external_id = seed_str(g, "crm-%s-%ld", g->tag, i);
    } else if (i == 0 || seed_chance(r, 80)) {
        /* row 0 always has one: loading this seed again, whatever the count,
         * then stops at row 0 on the external id (ids derive from the seed and
         * the row number, times from the count) */
        c->application_name = "Salesforce";
        c->external_id = seed_str(g, "crm-%s-%ld", g->tag, i);
    }

    /* transcript and statuses */
    c->transcript_v1_json = c->transcript_v2_json = NULL;
    c->is_empty = true;
    c->video_uid = "";
    int64_t duration = 0;
    char vid[33];
    seed_chars(r, vid, 32, "0123456789abcdef");
    vid[32] = '\0';
    switch (kind) {
    case SEED_NORMAL: {
        int nseg = seed_segment_count(r);
        int64_t end_cs = seed_plan_transcript(g, r, nseg);
        /* word-level v2 is about four times the size of v1: rarer on long calls */
        seed_write_transcript(g, c, seed_chance(r, nseg <= 40 ? 200 : 50));
        c->is_empty = false;
        duration = end_cs / 100 + 1 + seed_range(r, 5, 90);
        c->video_uid = seed_str(g, "%s", vid);
        c->video_status = c->media_storage_status = "READY";
        c->transcript_status = "COMPLETED";
        c->import_status = "FINISHED";
        unsigned x = seed_below(r, 100);
        c->crm_export_status = x < 60 ? "EXPORTED" : x < 90 ? "NONE" : x < 95 ? "PENDING" : "FAILED";
        break;
    }
    case SEED_EMPTY:
        duration = seed_range(r, 20, 240);
        c->video_uid = seed_str(g, "%s", vid);
        c->video_status = c->media_storage_status = "READY";
        c->transcript_status = "COMPLETED";
        c->import_status = "FINISHED";
        c->crm_export_status = "NONE";
        break;
    case SEED_PENDING:
        c->video_uid = seed_str(g, "%s", vid);
        c->video_status = "IMPORTING";
        c->media_storage_status = "PENDING";
        c->transcript_status = "PENDING";
        c->import_status = "PENDING";
        c->crm_export_status = "NONE";
        break;
    case SEED_FAILED:
        c->video_status = c->media_storage_status = "UNAVAILABLE";
        c->transcript_status = "FAILED";
        c->import_status = "FAILED";
        c->crm_export_status = "NONE";
        break;
    }
    c->media_duration = (double)duration;
    c->created_at = ms; /* times are milliseconds, with a millisecond part as real ones have */
    /* pending and failed ones have no media duration yet, but the call took place */
    c->finished_at = ms + (duration ? duration : seed_range(r, 300, 3600)) * 1000 + seed_below(r, 1000);
    if (!imported && kind != SEED_FAILED) {
        c->live_started_at = ms;
        c->live_ended_at = c->finished_at;
    }

    /* the recording bot */
    if (!imported) {
        uuid_str_t bot;
        seed_uuid(r, ms, bot);
        const char *code = kind == SEED_FAILED ? "fatal" : kind == SEED_PENDING ? "call_ended" : "done";
        const char *msg = kind == SEED_FAILED    ? "Bot was not admitted to the meeting"
                          : kind == SEED_PENDING ? "Processing recording"
                                                 : "Recording uploaded";
        jsonw_t *w = seed_frag_begin(g);
        jsonw_arr_begin(w);
        jsonw_obj_begin(w);
        jsonw_kv_string(w, "uuid", bot);
        jsonw_kv_string(w, "meetingUrl", meeting_url);
        jsonw_key(w, "status");
        jsonw_obj_begin(w);
        jsonw_kv_string(w, "code", code);
        jsonw_kv_string(w, "message", msg);
        jsonw_kv_time(w, "createdAt", c->finished_at + seed_range(r, 30000, 400000));
        jsonw_obj_end(w);
        jsonw_obj_end(w);
        jsonw_arr_end(w);
        c->bots_json = seed_frag_end(g);
        c->import_metadata_json = "{}";
    } else {
        c->bots_json = "[]";
        jsonw_t *w = seed_frag_begin(g);
        jsonw_obj_begin(w);
        jsonw_kv_string(w, "applicationName", c->application_name);
        jsonw_kv_string(w, "mediaURL", seed_str(g, "https://media.example.com/recordings/%s.mp4", vid));
        jsonw_key(w, "extra");
        jsonw_obj_begin(w);
        jsonw_kv_string(w, "source", "api");
        jsonw_obj_end(w);
        jsonw_obj_end(w);
        c->import_metadata_json = seed_frag_end(g);
    }
    c->zoom_metadata_json = "{}";
    if (c->zoom_url[0] && seed_chance(r, 200)) {
        jsonw_t *w = seed_frag_begin(g);
        jsonw_obj_begin(w);
        jsonw_kv_string(w, "calleeName", g->people[g->npeople - 1].name);
        jsonw_kv_string(w, "calleeNumber",
                        seed_str(g, "+1 %03u 555 %04u", 200 + seed_below(r, 700), seed_below(r, 10000)));
        jsonw_kv_string(w, "callerName", g->people[0].name);
        jsonw_kv_string(w, "callerNumber",
                        seed_str(g, "+1 %03u 555 %04u", 200 + seed_below(r, 700), seed_below(r, 10000)));
        jsonw_obj_end(w);
        c->zoom_metadata_json = seed_frag_end(g);
    }

    /* analysis: only on conversations with a transcript */
    bool analyzed = kind == SEED_NORMAL;
    c->scorecards_json = analyzed ? seed_insights_results(g->ins, i, c) : "[]";
    if (!c->scorecards_json) {
        g->oom = true;
        c->scorecards_json = "[]";
    }
    c->confirmed_intel_json = "{}";
    c->extracted_intel_json =
        analyzed && !c->is_internal && seed_chance(r, 400) ? seed_intel_json(g, r, ms, &c->confirmed_intel_json)
                                                           : "{}";
    c->labels_json = analyzed ? seed_labels_json(g, r) : "{}";
    c->label_tags_na_json = seed_chance(r, 80) ? "[\"Competitor\"]" : "[]";
    c->deprecated_label_categories_json = seed_chance(r, 30) ? "[\"Legacy Stage\"]" : "[]";

    c->boards_json = "[]";
    if (analyzed && seed_chance(r, 250)) {
        size_t b = seed_below(r, SEED_COUNT(seed_board_names));
        uuid_str_t id;
        seed_uuid(r, ms, id);
        jsonw_t *w = seed_frag_begin(g);
        jsonw_arr_begin(w);
        jsonw_obj_begin(w);
        jsonw_kv_string(w, "uuid", id);
        jsonw_key(w, "board");
        jsonw_obj_begin(w);
        jsonw_kv_string(w, "uuid", g->boards[b]);
        jsonw_kv_string(w, "name", seed_board_names[b]);
        jsonw_kv_string(w, "teamUUID", c->team_uuid);
        jsonw_key(w, "columns");
        jsonw_arr_begin(w);
        jsonw_arr_end(w);
        jsonw_obj_end(w);
        jsonw_key(w, "battlecards");
        jsonw_arr_begin(w);
        jsonw_arr_end(w);
        jsonw_obj_end(w);
        jsonw_arr_end(w);
        c->boards_json = seed_frag_end(g);
    }
    c->talktracks_json = "[]";
    if (analyzed && seed_chance(r, 200)) {
        uuid_str_t id;
        seed_uuid(r, ms, id);
        jsonw_t *w = seed_frag_begin(g);
        jsonw_arr_begin(w);
        jsonw_obj_begin(w);
        jsonw_kv_string(w, "uuid", id);
        jsonw_key(w, "items");
        jsonw_arr_begin(w);
        int n = (int)seed_range(r, 2, 4);
        for (int k = 0; k < n; k++) {
            uuid_str_t a, b;
            seed_uuid(r, ms, a);
            seed_uuid(r, ms, b);
            jsonw_obj_begin(w);
            jsonw_kv_string(w, "uuid", a);
            jsonw_kv_string(w, "activatedItemId", b);
            jsonw_kv_bool(w, "done", seed_chance(r, 650));
            jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        jsonw_obj_end(w);
        jsonw_arr_end(w);
        c->talktracks_json = seed_frag_end(g);
    }

    /* CRM: customer calls are often tied to the company's opportunity and
     * account; about 40% of all calls have no opportunity (beyond.md §0) */
    bool crm = !c->is_internal && seed_chance(r, 720);
    c->deal_uuid = crm && seed_chance(r, 700) ? ac->deal_uuid : "";
    c->email_template_id = "";
    if (analyzed && seed_chance(r, 80)) {
        uuid_str_t id;
        seed_uuid(r, ms, id);
        c->email_template_id = seed_str(g, "%s", id);
    }
    c->external_opportunity_json = "{}";
    c->ext_intel_opp_id = "";
    c->linked_crm_json = c->external_accounts_json = c->external_contacts_json = "[]";
    if (crm) {
        if (seed_chance(r, 880)) {
            jsonw_t *w = seed_frag_begin(g);
            jsonw_obj_begin(w);
            jsonw_kv_string(w, "uuid", ac->opp_uuid);
            jsonw_kv_string(w, "title", seed_str(g, "%s - %s", co->name, ac->opp_title));
            jsonw_obj_end(w);
            c->external_opportunity_json = seed_frag_end(g);
            c->ext_intel_opp_id = ac->opp_id;
        }
        char contact[16];
        seed_sfid(r, "003", contact);
        jsonw_t *w = seed_frag_begin(g);
        jsonw_arr_begin(w);
        const char *ids[3] = {ac->account_id, ac->opp_id, contact};
        const char *codes[3] = {"Account", "Opportunity", "Contact"};
        unsigned mask = 1 + seed_below(r, 7);
        for (int k = 0; k < 3; k++) {
            if (!(mask & (1u << k)))
                continue;
            jsonw_obj_begin(w);
            jsonw_kv_string(w, "id", ids[k]);
            jsonw_kv_string(w, "code", codes[k]);
            jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        c->linked_crm_json = seed_frag_end(g);
        if (seed_chance(r, 600))
            c->external_accounts_json = seed_crm_one(g, ac->account_id, "Account");
        if (seed_chance(r, 500))
            c->external_contacts_json = seed_crm_one(g, contact, "Contact");
    }

    /* archived a few days to weeks after the call, never in the future */
    if (seed_chance(r, 20)) {
        c->archived = true;
        c->archived_at = ms + seed_range(r, 3600, 30 * SEED_DAY) * 1000 + seed_below(r, 1000);
        if (c->archived_at > g->o->now * 1000)
            c->archived_at = g->o->now * 1000;
    }
}

/* ---- the library (beyond.md §5) ---------------------------------------------- */

/* The organization library's folders seeded snippets go into, and the hidden one. */
static const char *const seed_folder_paths[] = {"/Onboarding", "/Onboarding/Discovery calls", "/Objection handling",
                                                "/Competitors", "/Pricing"};
static const char *const seed_snippet_titles[] = {"Great discovery question", "Pricing objection handled",
                                                  "Competitor comparison", "Strong close", "Customer pain in their words",
                                                  "Next steps agreed", "Snippet"};

/* Notes conversation c (row i) for a library snippet: every 5th one with a
 * recording of at least 30 s, until SEED_SNIPPETS_MAX. */
static void seed_clip_note(seed_gen_t *g, long i, const conv_t *c)
{
    if (g->nclips >= SEED_SNIPPETS_MAX || i % 5 != 0 || c->media_duration < 30)
        return;
    seed_clip_t *k = &g->clips[g->nclips++];
    memcpy(k->conv, c->uuid, sizeof k->conv);
    memcpy(k->owner, c->user_uuid, sizeof k->owner);
    k->len = c->media_duration;
    k->created = c->created_at;
}

/* Puts a snippet into the library for every noted conversation — most into
 * seed_folder_paths of the organization's library, every 6th into its
 * owner's My Library (/Favorites) — and makes the hidden folder /Archive,
 * in one transaction. Ids, times and share codes derive from the seed
 * ([decided] seeded share codes are demo data, not secrets); folder ids come
 * from the store, like team ids. Returns 0 or -1. */
static int seed_library(seed_gen_t *g, char *err, size_t errlen)
{
    if (g->nclips == 0)
        return 0;
    seed_rng_t r = {seed_mix(g->base ^ 0x6c696272617279ULL)}; /* "library" */
    store_rc_t rc = store_batch_begin(g->st);
    if (rc != STORE_OK)
        return str_fail(err, errlen, "starting the library transaction failed: %s", store_rc_str(rc));
    uuid_str_t archive;
    rc = store_folder_ensure(g->st, g->o->org_uuid, "", "/Archive", g->admin.uuid, true, g->o->now * 1000, archive);
    for (int k = 0; rc == STORE_OK && k < g->nclips; k++) {
        const seed_clip_t *c = &g->clips[k];
        store_snippet_t s;
        memset(&s, 0, sizeof s);
        int64_t at = c->created + 600000 + seed_below(&r, 86400000); /* within a day of the call */
        if (at > g->o->now * 1000)
            at = g->o->now * 1000;
        s.created_at = at;
        seed_uuid(&r, s.created_at, s.uuid);
        memcpy(s.org_uuid, g->o->org_uuid, sizeof s.org_uuid);
        memcpy(s.user_uuid, c->owner, sizeof s.user_uuid);
        memcpy(s.conversation_uuid, c->conv, sizeof s.conversation_uuid);
        uint8_t code[SNIPPET_SHARE_CODE_BYTES];
        for (size_t j = 0; j < sizeof code; j++)
            code[j] = (uint8_t)seed_next(&r);
        snippet_share_code(code, s.share_code, sizeof s.share_code);
        s.title = SEED_PICK(&r, seed_snippet_titles);
        s.notes = seed_chance(&r, 500) ? "Worth sharing with the team." : "";
        s.start_time = (double)seed_below(&r, (uint32_t)(c->len - 20));
        double room = c->len - s.start_time - 10; /* >= 10: the clip ends within the call */
        s.end_time = s.start_time + 10 + seed_below(&r, room < 50 ? (uint32_t)room : 50);
        s.duration = s.end_time - s.start_time;
        s.internal = seed_chance(&r, 300);
        s.notify_views = seed_chance(&r, 500);
        s.in_library = true;
        s.my_library = k % 6 == 5;
        const char *path = s.my_library ? "/Favorites" : seed_folder_paths[k % SEED_COUNT(seed_folder_paths)];
        rc = store_snippet_create(g->st, &s, path, at);
    }
    store_rc_t end = store_batch_end(g->st, rc == STORE_OK);
    if (rc == STORE_OK)
        rc = end;
    if (rc != STORE_OK)
        return str_fail(err, errlen, "creating the library's snippets failed: %s", store_rc_str(rc));
    return 0;
}

/* ---- driver --------------------------------------------------------------- */

/* store_conv_get callback that only notes the row exists. */
static int seed_found(void *ctx, const conv_t *c)
{
    (void)c;
    *(bool *)ctx = true;
    return 0;
}

/* Releases everything g owns. */
static void seed_gen_free(seed_gen_t *g)
{
    free(g->users);
    free(g->owners);
    free(g->times);
    seed_insights_free(g->ins);
    arena_free(&g->a);
    buf_free(&g->scratch);
    free(g);
}

int seed_run(store_t *st, const seed_opts_t *o, char *err, size_t errlen)
{
    if (!st || !o || !o->org_uuid)
        return str_fail(err, errlen, "seed: missing store or organization");
    if (o->count < 0 || o->count > SEED_MAX_COUNT)
        return str_fail(err, errlen, "count must be between 0 and %ld, got %ld", SEED_MAX_COUNT, o->count);
    seed_gen_t *g = calloc(1, sizeof *g); /* owned here; seed_gen_free releases it */
    if (!g)
        return str_fail(err, errlen, "out of memory");
    g->st = st;
    g->o = o;
    g->base = seed_mix(o->seed ^ 0x7061726c6579ULL); /* "parley" */
    arena_init(&g->a);
    buf_init(&g->scratch);

    int rc = -1;
    bool in_batch = false;
    long done = 0;
    if (seed_setup_people(g, err, errlen) != 0)
        goto out;
    seed_setup_constants(g);
    if (seed_setup_times(g, err, errlen) != 0)
        goto out;
    if (!(g->ins = seed_insights_open(st, o->org_uuid, o->seed, o->now, err, errlen)))
        goto out;

    for (long i = 0; i < o->count; i++) {
        conv_t c;
        arena_free(&g->a);
        arena_init(&g->a);
        seed_row(g, i, g->times[i], &c);
        if (g->oom) {
            str_fail(err, errlen, "out of memory while generating conversation %ld", i);
            goto out;
        }
        if (i == 0) {
            /* the same seed loaded twice into one organization would collide on every id */
            bool found = false;
            store_scope_t sc = {.org_uuid = o->org_uuid, .user_uuid = NULL};
            if (store_conv_get(st, &sc, c.uuid, seed_found, &found) == STORE_OK && found) {
                str_fail(err, errlen,
                          "organization %s already holds the conversations of seed %llu; use another --seed",
                          o->org_uuid, (unsigned long long)o->seed);
                goto out;
            }
        }
        if (!in_batch) {
            store_rc_t brc = store_batch_begin(st);
            if (brc != STORE_OK) {
                str_fail(err, errlen, "starting a transaction failed: %s", store_rc_str(brc));
                goto out;
            }
            in_batch = true;
        }
        seed_clip_note(g, i, &c);
        uuid_str_t existing;
        store_rc_t irc = store_conv_insert(st, &c, existing);
        if (irc == STORE_CONFLICT) {
            /* ids derive from the seed and the row number: the seed was loaded before with another count */
            str_fail(err, errlen,
                      "conversation %ld: applicationExternalID %s already used by %s (seed %llu was loaded into "
                      "this organization before; use another --seed)",
                      i, c.external_id ? c.external_id : "", existing, (unsigned long long)o->seed);
            goto out;
        }
        if (irc != STORE_OK) {
            str_fail(err, errlen, "inserting conversation %ld (%s) failed: %s", i, c.uuid, store_rc_str(irc));
            goto out;
        }
        if (seed_insights_store(g->ins, &c, err, errlen) != 0)
            goto out;
        if ((i + 1) % SEED_BATCH_ROWS == 0 || i + 1 == o->count) {
            in_batch = false;
            store_rc_t brc = store_batch_end(st, true);
            if (brc != STORE_OK) {
                str_fail(err, errlen, "committing conversations up to %ld failed: %s", i, store_rc_str(brc));
                goto out;
            }
            done = i + 1;
        }
        if (o->progress)
            o->progress(o->progress_ctx, i + 1);
    }
    if (seed_library(g, err, errlen) != 0)
        goto out;
    if (o->count > 0 && seed_insights_history(g->ins, g->owners, g->nowners, err, errlen) != 0)
        goto out;
    rc = 0;
out:
    if (in_batch)
        store_batch_end(st, false);
    if (rc != 0 && done > 0) {
        size_t l = strlen(err);
        if (l + 1 < errlen)
            snprintf(err + l, errlen - l, " (%ld conversations were committed before)", done);
    }
    seed_gen_free(g);
    return rc;
}
