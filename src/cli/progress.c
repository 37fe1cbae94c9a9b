/* progress.c - a one-line progress meter (count/total, rate, ETA) for long commands on a terminal. */
#include "cli/progress.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double progress_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool progress_wanted(FILE *f, bool quiet)
{
    return !quiet && f && isatty(fileno(f));
}

void progress_start(progress_t *p, FILE *out, bool on, const char *label, const char *unit, int64_t total,
                    progress_clock_fn clock)
{
    *p = (progress_t){.out = out, .on = on && out, .label = label, .unit = unit, .total = total > 0 ? total : 0,
                      .clock = clock ? clock : progress_monotonic};
    if (p->on)
        p->start = p->last_draw = p->clock();
}

/* "M:SS", or "H:MM:SS" from an hour on, into out (capacity n); whole
 * seconds rounded up when up, else to the nearest. */
static void progress_duration(double s, bool up, char *out, size_t n)
{
    if (s < 0)
        s = 0;
    if (s >= 100 * 3600.0) {
        snprintf(out, n, ">99h");
        return;
    }
    int t = up ? (int)ceil(s) : (int)(s + 0.5); /* < 360,000 */
    if (t >= 3600)
        snprintf(out, n, "%d:%02d:%02d", t / 3600 % 100, t / 60 % 60, t % 60);
    else
        snprintf(out, n, "%d:%02d", t / 60 % 60, t % 60);
}

void progress_format(const progress_t *p, int64_t count, double elapsed, bool done, char *out, size_t n)
{
    char of[32] = "", rate[32] = "-", tail[48] = "";
    if (p->total)
        snprintf(of, sizeof of, "/%lld", (long long)p->total);
    double r = elapsed > 0.001 ? (double)count / elapsed : 0;
    if (r > 0)
        snprintf(rate, sizeof rate, "%.0f", r);
    char d[32] = "--:--";
    if (done) { /* the ETA has no more use: say how long it took */
        progress_duration(elapsed, false, d, sizeof d);
        snprintf(tail, sizeof tail, ", done in %s", d);
    } else if (p->total) {
        if (count >= p->total)
            progress_duration(0, false, d, sizeof d);
        else if (r > 0)
            progress_duration((double)(p->total - count) / r, true, d, sizeof d); /* "0:00" only when done */
        snprintf(tail, sizeof tail, ", ETA %s", d);
    }
    snprintf(out, n, "%s: %lld%s %s, %s/s%s", p->label, (long long)count, of, p->unit, rate, tail);
}

/* Writes line over what is on screen (padding over a longer previous line). */
static void progress_draw(progress_t *p, const char *line)
{
    int len = (int)strlen(line);
    int pad = p->width > len ? p->width - len : 0;
    fprintf(p->out, "\r%s%*s", line, pad, "");
    fflush(p->out);
    p->width = len;
}

void progress_set_total(progress_t *p, int64_t total)
{
    if (p)
        p->total = total > 0 ? total : 0;
}

void progress_update(progress_t *p, int64_t count)
{
    if (!p || !p->on)
        return;
    p->count = count;
    double now = p->clock();
    if (now - p->last_draw < PROGRESS_INTERVAL)
        return;
    p->last_draw = now;
    char line[256];
    progress_format(p, count, now - p->start, false, line, sizeof line);
    progress_draw(p, line);
}

void progress_clear(progress_t *p)
{
    if (!p || !p->on || !p->width)
        return;
    fprintf(p->out, "\r%*s\r", p->width, "");
    fflush(p->out);
    p->width = 0;
}

void progress_finish(progress_t *p)
{
    if (!p || !p->on)
        return;
    double now = p->clock();
    char line[256];
    progress_format(p, p->count, now - p->start, true, line, sizeof line);
    progress_draw(p, line);
    fputc('\n', p->out);
    fflush(p->out);
    p->on = false;
    p->width = 0;
}
