/* test_progress.c - unit tests for the progress meter: format, the 10-a-second limit, off when not a terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/progress.h"

static double fake_now; /* the fake clock's reading, set by each test */

static double fake_clock(void)
{
    return fake_now;
}

/* Everything written to f so far, as a string (owned by the caller). */
static char *contents(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    assert_true(n >= 0);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    rewind(f);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fseek(f, 0, SEEK_END);
    return s;
}

static int count_char(const char *s, char c)
{
    int n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static void test_format(void **state)
{
    (void)state;
    progress_t p;
    char line[256];
    fake_now = 100;
    progress_start(&p, stderr, false, "seed", "conversations", 10000, fake_clock);
    progress_format(&p, 2500, 0.5, false, line, sizeof line);
    assert_string_equal(line, "seed: 2500/10000 conversations, 5000/s, ETA 0:02");
    progress_format(&p, 9999, 1, false, line, sizeof line); /* the ETA rounds up: 0:00 only when done */
    assert_string_equal(line, "seed: 9999/10000 conversations, 9999/s, ETA 0:01");
    progress_format(&p, 10000, 1, false, line, sizeof line);
    assert_string_equal(line, "seed: 10000/10000 conversations, 10000/s, ETA 0:00");
    progress_format(&p, 0, 0.5, false, line, sizeof line); /* no rate yet: no ETA */
    assert_string_equal(line, "seed: 0/10000 conversations, -/s, ETA --:--");
    progress_format(&p, 100, 1000, false, line, sizeof line); /* 0.1/s: 99,000 s left */
    assert_string_equal(line, "seed: 100/10000 conversations, 0/s, ETA 27:30:00");
    progress_format(&p, 1, 1000, false, line, sizeof line);
    assert_string_equal(line, "seed: 1/10000 conversations, 0/s, ETA >99h");
    progress_format(&p, 10000, 75, true, line, sizeof line);
    assert_string_equal(line, "seed: 10000/10000 conversations, 133/s, done in 1:15");
    progress_format(&p, 10000, 3725, true, line, sizeof line);
    assert_string_equal(line, "seed: 10000/10000 conversations, 3/s, done in 1:02:05");

    progress_start(&p, stderr, false, "load", "conversations", 0, fake_clock); /* total unknown */
    progress_format(&p, 1234, 2, false, line, sizeof line);
    assert_string_equal(line, "load: 1234 conversations, 617/s");
    progress_format(&p, 1234, 2, true, line, sizeof line);
    assert_string_equal(line, "load: 1234 conversations, 617/s, done in 0:02");
}

/* At most one redraw per PROGRESS_INTERVAL, however often it is updated. The
 * fake clock ticks in 1/128 s, which doubles hold exactly: a redraw comes on
 * every 13th tick (12/128 s < 0.1 s <= 13/128 s). */
static void test_ten_a_second(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    progress_t p;
    fake_now = 64;
    progress_start(&p, f, true, "export", "conversations", 2000, fake_clock);
    for (int k = 1; k <= 12; k++) { /* updates within the first 0.1 s: nothing yet */
        fake_now = 64 + k / 128.0;
        progress_update(&p, 4 * k);
    }
    char *s = contents(f);
    assert_string_equal(s, "");
    free(s);
    for (int k = 13; k <= 256; k++) { /* the rest of 2 s, 244 updates: 19 redraws */
        fake_now = 64 + k / 128.0;
        progress_update(&p, 4 * k);
    }
    s = contents(f);
    assert_int_equal(count_char(s, '\r'), 19);
    assert_int_equal(count_char(s, '\n'), 0);
    assert_non_null(strstr(s, "\rexport: 52/2000 conversations, 512/s, ETA 0:04")); /* tick 13 */
    /* the last redraw, tick 247: 988 done, 1012 left at 512/s */
    const char *last = "\rexport: 988/2000 conversations, 512/s, ETA 0:02";
    assert_string_equal(strrchr(s, '\r'), last);
    free(s);
    progress_finish(&p); /* at tick 256: the last count, and the time taken */
    s = contents(f);
    assert_int_equal(count_char(s, '\n'), 1);
    assert_string_equal(strrchr(s, '\r'), "\rexport: 1024/2000 conversations, 512/s, done in 0:02\n");
    free(s);
    progress_finish(&p); /* twice is fine: nothing more */
    progress_update(&p, 2000);
    s = contents(f);
    assert_int_equal(count_char(s, '\n'), 1);
    assert_int_equal(count_char(s, '\r'), 20);
    free(s);
    fclose(f);
}

/* A shorter line is padded over the longer one before it; clear erases. */
static void test_redraw_pads_and_clear(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    progress_t p;
    fake_now = 0;
    progress_start(&p, f, true, "l", "x", 0, fake_clock);
    fake_now = 1;
    progress_update(&p, 100000); /* "l: 100000 x, 100000/s" */
    fake_now = 1000;
    progress_update(&p, 100001); /* "l: 100001 x, 100/s" (3 shorter) */
    char *s = contents(f);
    assert_string_equal(s, "\rl: 100000 x, 100000/s\rl: 100001 x, 100/s   ");
    free(s);
    progress_clear(&p); /* 18 characters are on screen */
    s = contents(f);
    assert_string_equal(s + strlen(s) - 20, "\r                  \r");
    free(s);
    long before = ftell(f);
    progress_clear(&p); /* nothing on screen: nothing written */
    assert_int_equal(ftell(f), before);
    fclose(f);
}

/* Off (not a terminal, or --quiet): nothing is ever written. */
static void test_off_writes_nothing(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    progress_t p;
    fake_now = 0;
    progress_start(&p, f, false, "seed", "conversations", 10, fake_clock);
    for (int i = 0; i <= 10; i++) {
        fake_now = i;
        progress_update(&p, i);
    }
    progress_clear(&p);
    progress_finish(&p);
    assert_int_equal(ftell(f), 0);
    /* a file is not a terminal; --quiet wins over a terminal */
    assert_false(progress_wanted(f, false));
    assert_false(progress_wanted(f, true));
    assert_false(progress_wanted(NULL, false));
    fclose(f);
    progress_update(NULL, 1); /* NULL meters are allowed (callers without one) */
    progress_finish(NULL);
}

/* Finishing a meter that never drew still prints the final line once. */
static void test_finish_without_redraws(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    progress_t p;
    fake_now = 7;
    progress_start(&p, f, true, "seed", "conversations", 3, fake_clock);
    progress_update(&p, 1);
    progress_update(&p, 3);
    progress_finish(&p);
    char *s = contents(f);
    assert_string_equal(s, "\rseed: 3/3 conversations, -/s, done in 0:00\n");
    free(s);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_ten_a_second),
        cmocka_unit_test(test_redraw_pads_and_clear),
        cmocka_unit_test(test_off_writes_nothing),
        cmocka_unit_test(test_finish_without_redraws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
