/* test_image_write.c: failed writes leave no file, no temporary and the previous
 * target intact (temp + rename, runtime/core/fileutil.h), for PNG and JPEG. */
#include "test_image_helpers.h"

/* ---- write failures ---------------------------------------------------------------- */

Test(image, write_to_missing_directory_fails_without_a_file)
{
    or_image img;
    or_err err = {0};
    cr_assert_eq(or_image_alloc(&img, 4, 4, 1, 0, &err), OR_OK);
    const char *path = tu_tmp("no/such/dir/out.png");
    or_status s = or_image_write_png(path, &img, 8, &err);
    assert_clean_error(s, &err, path, NULL);
    cr_assert_eq(s, OR_EIO);
    cr_assert_not(file_exists(path));
    s = or_image_write_jpeg(path, &img, 90, &err);
    assert_clean_error(s, &err, path, NULL);
    cr_assert_eq(or_image_write_png(tu_tmp("bad_depth.png"), &img, 12, &err), OR_EINVAL);
    cr_assert_not(file_exists(tu_tmp("bad_depth.png")));
    cr_assert_eq(or_image_write_jpeg(tu_tmp("bad_q.jpg"), &img, 0, &err), OR_EINVAL);
    or_image_free(&img);
}

static int temporaries_left(const char *dir, const char *base)
{
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s.tmp-", base);
    DIR *d = opendir(dir);
    cr_assert(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

/* A write that fails half-way (file size limit: EFBIG) must leave the
 * previous target byte for byte and no temporary behind. */
static void check_failed_write_keeps_target(int jpeg)
{
    const char *path = tu_tmp(jpeg ? "keep.jpg" : "keep.png");
    const char *base = strrchr(path, '/') + 1;
    const char old[] = "previous contents of the target";
    cr_assert_eq(tu_write_file(path, old, sizeof old), 0);

    or_image img;
    or_err err = {0};
    cr_assert_eq(or_image_alloc(&img, 400, 300, 3, 0, &err), OR_OK);
    tu_seed(11);
    tu_fill_uniform(img.planes, (size_t)3 * 400 * 300, 0.0f, 1.0f); /* incompressible */

    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {.rlim_cur = 8192, .rlim_max = RLIM_INFINITY}, old_lim;
    getrlimit(RLIMIT_FSIZE, &old_lim);
    lim.rlim_max = old_lim.rlim_max;
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    or_status s = jpeg ? or_image_write_jpeg(path, &img, 100, &err)
                       : or_image_write_png(path, &img, 16, &err);
    setrlimit(RLIMIT_FSIZE, &old_lim);

    assert_clean_error(s, &err, path, NULL);
    cr_assert_eq(s, OR_EIO, "%s", err.msg);
    size_t len;
    uint8_t *now = tu_read_file(path, &len);
    cr_assert(now);
    cr_assert_eq(len, sizeof old);
    cr_assert_eq(memcmp(now, old, len), 0, "target changed by a failed write");
    free(now);
    cr_assert_eq(temporaries_left(tu_tmpdir(), base), 0, "temporary left behind");

    /* The same write without the limit replaces the target. */
    cr_assert_eq(jpeg ? or_image_write_jpeg(path, &img, 90, &err)
                      : or_image_write_png(path, &img, 8, &err),
                 OR_OK, "%s", err.msg);
    or_image back;
    cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(back.width, 400);
    cr_assert_eq(temporaries_left(tu_tmpdir(), base), 0);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644);
    or_image_free(&back);
    or_image_free(&img);
}

Test(image, failed_png_write_keeps_previous_target) { check_failed_write_keeps_target(0); }
Test(image, failed_jpeg_write_keeps_previous_target) { check_failed_write_keeps_target(1); }

