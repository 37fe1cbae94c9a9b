/* ptime.c - RFC 3339 parsing and canonical UTC formatting, independent of TZ and locale. */
#include "lib/ptime.h"

#include <stdbool.h>

#include "lib/pclock.h"

/* Proleptic Gregorian civil date → days since 1970-01-01 (H. Hinnant's algorithm). */
static int64_t ptime_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Inverse of ptime_days_from_civil. */
static void ptime_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool ptime_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int ptime_mdays(int64_t y, int m)
{
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ptime_leap(y) ? 29 : md[m - 1];
}

/* Whole seconds of ms, rounded down (also before 1970). */
static int64_t ptime_floor_sec(int64_t ms)
{
    return ms >= 0 ? ms / 1000 : -((999 - ms) / 1000);
}

int64_t ptime_now(void)
{
    return ptime_floor_sec(pclock_now_ms());
}

int64_t ptime_now_ms(void)
{
    return pclock_now_ms();
}

/* Writes v (0 <= v < 10^n) as exactly n decimal digits. */
static void ptime_put_digits(char *out, int v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Times outside years 0000..9999 are clamped to those bounds so the output
 * always has the fixed 20-character form. */
void ptime_format(int64_t t, char *out)
{
    static const int64_t lo = -62167219200LL;  /* 0000-01-01T00:00:00Z */
    static const int64_t hi = 253402300799LL;  /* 9999-12-31T23:59:59Z */
    if (t < lo)
        t = lo;
    if (t > hi)
        t = hi;
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int64_t y;
    int m, d;
    ptime_civil_from_days(days, &y, &m, &d);
    ptime_put_digits(out, (int)y, 4);
    out[4] = '-';
    ptime_put_digits(out + 5, m, 2);
    out[7] = '-';
    ptime_put_digits(out + 8, d, 2);
    out[10] = 'T';
    ptime_put_digits(out + 11, (int)(secs / 3600), 2);
    out[13] = ':';
    ptime_put_digits(out + 14, (int)(secs / 60 % 60), 2);
    out[16] = ':';
    ptime_put_digits(out + 17, (int)(secs % 60), 2);
    out[19] = 'Z';
    out[20] = '\0';
}

/* Reads exactly n decimal digits at *p, advancing it; -1 when any is not a digit. */
static int ptime_digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    return v;
}

/* Strict RFC 3339 (see header). Seconds 60 (leap seconds) are rejected;
 * fraction digits past the third are dropped (truncated, not rounded). */
int ptime_parse_ms(const char *s, int64_t *out)
{
    if (!s)
        return -1;
    const char *p = s;
    int y = ptime_digits(&p, 4);
    if (y < 0 || *p++ != '-')
        return -1;
    int mo = ptime_digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-')
        return -1;
    int d = ptime_digits(&p, 2);
    if (d < 1 || d > ptime_mdays(y, mo))
        return -1;
    int64_t days = ptime_days_from_civil(y, mo, d);
    if (*p == '\0') {
        *out = days * 86400 * 1000;
        return 0;
    }
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    int hh = ptime_digits(&p, 2);
    if (hh < 0 || hh > 23 || *p++ != ':')
        return -1;
    int mi = ptime_digits(&p, 2);
    if (mi < 0 || mi > 59 || *p++ != ':')
        return -1;
    int ss = ptime_digits(&p, 2);
    if (ss < 0 || ss > 59)
        return -1;
    int ms = 0;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        int scale = 100;
        for (; *p >= '0' && *p <= '9'; p++) {
            ms += (*p - '0') * scale;
            scale /= 10;
        }
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int oh = ptime_digits(&p, 2);
        if (oh < 0 || oh > 23 || *p++ != ':')
            return -1;
        int om = ptime_digits(&p, 2);
        if (om < 0 || om > 59)
            return -1;
        off = sign * (int64_t)(oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    *out = (days * 86400 + hh * 3600 + mi * 60 + ss - off) * 1000 + ms;
    return 0;
}

int ptime_parse(const char *s, int64_t *out)
{
    int64_t ms;
    if (ptime_parse_ms(s, &ms) != 0)
        return -1;
    *out = ptime_floor_sec(ms);
    return 0;
}

void ptime_format_ms(int64_t ms, char *out)
{
    static const int64_t lo = -62167219200000LL;  /* 0000-01-01T00:00:00.000Z */
    static const int64_t hi = 253402300799999LL;  /* 9999-12-31T23:59:59.999Z */
    if (ms < lo)
        ms = lo;
    if (ms > hi)
        ms = hi;
    int64_t t = ptime_floor_sec(ms);
    ptime_format(t, out);
    out[19] = '.';
    ptime_put_digits(out + 20, (int)(ms - t * 1000), 3);
    out[23] = 'Z';
    out[24] = '\0';
}
