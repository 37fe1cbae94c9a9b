/* test_media_storage.c - unit tests for the media storage interface on its directory backend, the key rules and the pipe the S3 backend streams through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/pipe.h"
#include "media/storage.h"

#define KEY "uploads/org-1/obj-1"

/* A fresh temp dir per test (state), removed afterwards with rm -r. */
static int setup(void **state)
{
    char *dir = strdup("/tmp/parley-media-test-XXXXXX");
    if (!dir || !mkdtemp(dir))
        return -1;
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *)*state);
    int rc = system(cmd);
    free(*state);
    return rc == 0 ? 0 : -1;
}

static media_store_t *open_dir(const char *dir)
{
    char err[256] = "";
    media_store_t *s = media_dir_open(dir, true, err, sizeof err);
    if (!s)
        fail_msg("media_dir_open: %s", err);
    return s;
}

/* Entries of dir/.tmp. */
static int tmp_count(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/.tmp", dir);
    DIR *d = opendir(p);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void put(media_store_t *s, const char *key, const char *type, const char *data, size_t n)
{
    media_put_t *p = NULL;
    assert_int_equal(s->ops->put_open(s, key, type, (int64_t)n, &p), MEDIA_OK);
    /* in two pieces, as a body arrives */
    assert_int_equal(s->ops->put_write(p, data, n / 2), MEDIA_OK);
    assert_int_equal(s->ops->put_write(p, data + n / 2, n - n / 2), MEDIA_OK);
    assert_int_equal(s->ops->put_commit(p), MEDIA_OK);
}

/* The len bytes the object key has from off, read as the server sends them. */
static void expect_bytes(media_store_t *s, const char *key, int64_t off, int64_t len, const char *want)
{
    media_info_t info;
    assert_int_equal(s->ops->stat(s, key, &info), MEDIA_OK);
    bytesrc_t r;
    assert_int_equal(s->ops->read(s, key, &info, off, len, &r), MEDIA_OK);
    assert_true(r.fd >= 0);
    assert_int_equal(r.size, len);
    char buf[256];
    assert_true(len <= (int64_t)sizeof buf);
    assert_int_equal(pread(r.fd, buf, (size_t)len, r.offset), len);
    assert_memory_equal(buf, want, (size_t)len);
    bytesrc_release(&r);
    assert_int_equal(r.fd, -1);
}

static void test_put_stat_read(void **state)
{
    const char *dir = *state;
    media_store_t *s = open_dir(dir);
    put(s, KEY, "audio/ogg; codecs=opus", "0123456789", 10);
    media_info_t info;
    assert_int_equal(s->ops->stat(s, KEY, &info), MEDIA_OK);
    assert_int_equal(info.size, 10);
    assert_string_equal(info.content_type, "audio/ogg; codecs=opus");
    expect_bytes(s, KEY, 0, 10, "0123456789");
    expect_bytes(s, KEY, 3, 4, "3456");
    char path[512];
    snprintf(path, sizeof path, "%s/" KEY, dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(tmp_count(dir), 0);
    /* replaced whole by a second upload; no type given: octet-stream */
    put(s, KEY, NULL, "abc", 3);
    assert_int_equal(s->ops->stat(s, KEY, &info), MEDIA_OK);
    assert_int_equal(info.size, 3);
    assert_string_equal(info.content_type, "application/octet-stream");
    put(s, "uploads/org-1/empty", "audio/wav", "", 0);
    assert_int_equal(s->ops->stat(s, "uploads/org-1/empty", &info), MEDIA_OK);
    assert_int_equal(info.size, 0);
    assert_int_equal(s->ops->stat(s, "uploads/org-1/none", &info), MEDIA_NOT_FOUND);
    assert_int_equal(s->ops->stat(s, "uploads/org-1", &info), MEDIA_NOT_FOUND); /* a directory is no object */
    media_store_close(s);
}

static void test_a_changed_object_is_not_read_as_the_old_one(void **state)
{
    media_store_t *s = open_dir(*state);
    put(s, KEY, "audio/wav", "first", 5);
    media_info_t old;
    assert_int_equal(s->ops->stat(s, KEY, &old), MEDIA_OK);
    put(s, KEY, "audio/wav", "second!", 7);
    bytesrc_t r;
    assert_int_equal(s->ops->read(s, KEY, &old, 0, 5, &r), MEDIA_ERROR);
    media_store_close(s);
}

static void test_unfinished_uploads_leave_nothing(void **state)
{
    const char *dir = *state;
    media_store_t *s = open_dir(dir);
    media_info_t info;
    media_put_t *p = NULL;
    /* aborted */
    assert_int_equal(s->ops->put_open(s, KEY, "audio/wav", 10, &p), MEDIA_OK);
    assert_int_equal(s->ops->put_write(p, "01234", 5), MEDIA_OK);
    assert_int_equal(tmp_count(dir), 1);
    s->ops->put_abort(p);
    assert_int_equal(tmp_count(dir), 0);
    assert_int_equal(s->ops->stat(s, KEY, &info), MEDIA_NOT_FOUND);
    /* committed short */
    assert_int_equal(s->ops->put_open(s, KEY, "audio/wav", 10, &p), MEDIA_OK);
    assert_int_equal(s->ops->put_write(p, "01234", 5), MEDIA_OK);
    assert_int_equal(s->ops->put_commit(p), MEDIA_ERROR);
    assert_int_equal(s->ops->stat(s, KEY, &info), MEDIA_NOT_FOUND);
    /* more than announced */
    assert_int_equal(s->ops->put_open(s, KEY, "audio/wav", 3, &p), MEDIA_OK);
    assert_int_equal(s->ops->put_write(p, "01234", 5), MEDIA_ERROR);
    assert_int_equal(s->ops->put_commit(p), MEDIA_ERROR);
    assert_int_equal(s->ops->stat(s, KEY, &info), MEDIA_NOT_FOUND);
    assert_int_equal(tmp_count(dir), 0);
    media_store_close(s);
}

static void test_open_sweeps_what_dead_writers_left(void **state)
{
    const char *dir = *state;
    media_store_close(open_dir(dir));
    char dead[512], live[512];
    snprintf(dead, sizeof dead, "%s/.tmp/upload-dead", dir);
    snprintf(live, sizeof live, "%s/.tmp/upload-live", dir);
    int fd = open(dead, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd); /* its writer is gone: no lock */
    int lfd = open(live, O_CREAT | O_WRONLY, 0600);
    assert_true(lfd >= 0);
    assert_int_equal(flock(lfd, LOCK_EX), 0); /* a writer still at work (another process, say) */
    media_store_t *s = open_dir(dir);
    assert_int_equal(access(dead, F_OK), -1);
    assert_int_equal(access(live, F_OK), 0);
    close(lfd);
    media_store_close(s);
}

static void test_remove_and_remove_prefix(void **state)
{
    const char *dir = *state;
    media_store_t *s = open_dir(dir);
    put(s, "uploads/org-1/a", "audio/wav", "a", 1);
    put(s, "uploads/org-1/b", "audio/wav", "b", 1);
    put(s, "uploads/org-2/a", "audio/wav", "c", 1);
    media_info_t info;
    assert_int_equal(s->ops->remove(s, "uploads/org-1/a"), MEDIA_OK);
    assert_int_equal(s->ops->remove(s, "uploads/org-1/a"), MEDIA_OK); /* gone already: fine */
    assert_int_equal(s->ops->stat(s, "uploads/org-1/a", &info), MEDIA_NOT_FOUND);
    assert_int_equal(s->ops->remove_prefix(s, "uploads/org-1/"), MEDIA_OK);
    assert_int_equal(s->ops->stat(s, "uploads/org-1/b", &info), MEDIA_NOT_FOUND);
    assert_int_equal(s->ops->stat(s, "uploads/org-2/a", &info), MEDIA_OK);
    assert_int_equal(s->ops->remove_prefix(s, "uploads/org-9/"), MEDIA_OK); /* nothing there */
    char p[512];
    snprintf(p, sizeof p, "%s/uploads/org-1", dir);
    assert_int_equal(access(p, F_OK), -1);
    /* an upload of a removed organization still lands (media_org_alive then removes it) */
    put(s, "uploads/org-1/late", "audio/wav", "late", 4);
    assert_int_equal(s->ops->stat(s, "uploads/org-1/late", &info), MEDIA_OK);
    media_store_close(s);
}

static void test_key_rules(void **state)
{
    (void)state;
    assert_true(media_key_ok("uploads/0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee/x_Y-9"));
    static const char *const bad[] = {"", "/a", "a/", "a//b", "a/../b", "a/./b", "a.b", "a b", "a%2Fb", "a\\b", "ä"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(media_key_ok(bad[i]));
    char longer[600];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_false(media_key_ok(longer));
    assert_true(media_prefix_ok("uploads/org/"));
    assert_false(media_prefix_ok("uploads/org"));
    assert_false(media_prefix_ok("/"));
    assert_false(media_prefix_ok("uploads/../"));
}

/* ---- the pipe ---------------------------------------------------------------------------- */

#define PIPE_TOTAL (5u * 1000 * 1000)

static void *pipe_writer(void *arg)
{
    media_pipe_t *p = arg;
    char chunk[7001];
    for (size_t off = 0; off < PIPE_TOTAL;) {
        size_t n = PIPE_TOTAL - off < sizeof chunk ? PIPE_TOTAL - off : sizeof chunk;
        for (size_t i = 0; i < n; i++)
            chunk[i] = (char)((off + i) * 31 % 251);
        if (media_pipe_write(p, chunk, n) != 0)
            return (void *)1;
        off += n;
    }
    media_pipe_end(p, true);
    return NULL;
}

static void test_pipe_carries_everything_in_order(void **state)
{
    (void)state;
    media_pipe_t p;
    assert_int_equal(media_pipe_init(&p, 1000), 0); /* far smaller than what goes through */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, pipe_writer, &p), 0);
    size_t got = 0;
    char buf[333];
    for (ssize_t n; (n = media_pipe_read(&p, buf, sizeof buf)) > 0; got += (size_t)n)
        for (ssize_t i = 0; i < n; i++)
            assert_int_equal((unsigned char)buf[i], (got + (size_t)i) * 31 % 251);
    assert_int_equal(got, PIPE_TOTAL);
    void *rc;
    pthread_join(th, &rc);
    assert_null(rc);
    media_pipe_destroy(&p);
}

static void test_pipe_either_side_may_stop(void **state)
{
    (void)state;
    media_pipe_t p;
    assert_int_equal(media_pipe_init(&p, 64), 0);
    assert_int_equal(media_pipe_write(&p, "abc", 3), 0);
    media_pipe_end(&p, false); /* the writer failed: the reader learns it, buffered bytes or not */
    char buf[8];
    assert_int_equal(media_pipe_read(&p, buf, sizeof buf), -1);
    media_pipe_destroy(&p);

    assert_int_equal(media_pipe_init(&p, 64), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, pipe_writer, &p), 0);
    assert_true(media_pipe_read(&p, buf, sizeof buf) > 0);
    media_pipe_close_read(&p); /* the reader went away: the blocked writer returns -1 */
    void *rc;
    pthread_join(th, &rc);
    assert_ptr_equal(rc, (void *)1);
    media_pipe_destroy(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_stat_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_changed_object_is_not_read_as_the_old_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unfinished_uploads_leave_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_sweeps_what_dead_writers_left, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_and_remove_prefix, setup, teardown),
        cmocka_unit_test(test_key_rules),
        cmocka_unit_test(test_pipe_carries_everything_in_order),
        cmocka_unit_test(test_pipe_either_side_may_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
