/* test_flicker.c: the temporal-flicker measure (bench/flicker.c, compiled in)
 * and the RIFE flows it uses (net->flows, or_interpolate_flows).
 *
 *   rife_flows   the flows and mask net->flows returns, blended as IFNet does
 *                (warp each frame by its flow, mix by the mask), give PyTorch's
 *                interpolated frame of every RIFE fixture: so they are exactly
 *                the official F_t->0 / F_t->1; or_interpolate_flows returns the
 *                t = 0 channels 2,3 and the t = 1 channels 0,1, cropped.
 *                Tolerance 1e-4, as test_net_rife (the blend here is float on
 *                the host; PyTorch's own f32/f64 gap is 2e-6 on these inputs).
 *   metric       synthetic flows: an identical pair scores 0; a translated copy
 *                with its exact flow scores 0 where unoccluded and the strip
 *                that came in from outside is masked; inconsistent forward and
 *                backward flows and motion boundaries are masked; a known
 *                colour change scores its Lab ab distance; a flickering clip
 *                scores higher than a stable one.
 *   bench        oprestore-bench --flicker on generated clips (seeded RIFE):
 *                the JSON, the stable candidate below the flickering one, scene
 *                cuts left out, and one-line refusals of bad inputs. */
#include <math.h>
#include <stdint.h>

#include "bench/flicker.h"
#include "kernels/color_px.h"
#include "rife_fixtures.h"
#include "runtime/stages/interpolate.h"
#include "video_clip.h"
#include "weights/json.h"

#define RIFE_TOL 1e-4

/* ---- rife_flows ------------------------------------------------------------------- */

static or_backend *be;

static void open_cpu(void)
{
    or_err err;
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK, "%s", err.msg);
}

static void close_cpu(void) { or_backend_destroy(be); }

/* grid_sample(bilinear, border, align_corners) of plane p at (x, y). */
static float sample(const float *p, int w, int h, float x, float y)
{
    x = x < 0 ? 0 : x > w - 1 ? (float)(w - 1) : x;
    y = y < 0 ? 0 : y > h - 1 ? (float)(h - 1) : y;
    int x0 = (int)floorf(x), y0 = (int)floorf(y);
    int x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
    float ax = x - x0, ay = y - y0;
    return (1 - ay) * ((1 - ax) * p[y0 * w + x0] + ax * p[y0 * w + x1]) +
           ay * ((1 - ax) * p[y1 * w + x0] + ax * p[y1 * w + x1]);
}

/* flow [4,h,w] and mask [h,w] of net->flows on frames [3,h,w]. */
static void run_flows(or_net *net, const float *x0, const float *x1, int h, int w, float t,
                      float scale, float *flow, float *mask)
{
    or_err err;
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor a, b, f, k;
    cr_assert_eq(or_tensor_alloc(be, &a, 1, 3, h, w, OR_F32, "x0", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &b, 1, 3, h, w, OR_F32, "x1", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &f, 1, 4, h, w, OR_F32, "flow", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &k, 1, 1, h, w, OR_F32, "mask", &err), OR_OK);
    cr_assert_eq(or_tensor_upload_f32(&a, x0, &err), OR_OK);
    cr_assert_eq(or_tensor_upload_f32(&b, x1, &err), OR_OK);
    cr_assert_eq(net->flows(net, &a, &b, t, scale, &f, mask ? &k : NULL, &err), OR_OK, "%s",
                 err.msg);
    cr_assert_eq(or_tensor_download_f32(&f, flow, &err), OR_OK);
    if (mask)
        cr_assert_eq(or_tensor_download_f32(&k, mask, &err), OR_OK);
    or_arena_reset(&be->arena, m);
}

TestSuite(rife_flows, .init = open_cpu, .fini = close_cpu);

Test(rife_flows, blended_as_ifnet_give_pytorchs_frame)
{
    char names[RF_MAX_FIXTURES][256];
    int n = rf_list("net_", names, RF_MAX_FIXTURES);
    cr_assert_geq(n, 6, "expected the v4.6 and v4.25 fixtures, found %d", n);
    for (int i = 0; i < n; i++) {
        rf_fixture fx;
        or_err err;
        or_net *net;
        rf_open(names[i], &fx);
        cr_assert_eq(or_net_load(rf_model(fx.ckpt), be, OR_F32, &net, &err), OR_OK, "%s",
                     err.msg);
        cr_assert(net->flows, "%s: no flows", fx.name);
        size_t np = (size_t)fx.h * fx.w;
        float *flow = malloc(4 * np * sizeof(float)), *mask = malloc(np * sizeof(float));
        run_flows(net, fx.x0, fx.x1, fx.h, fx.w, fx.t, fx.scale, flow, mask);
        double d = 0, fbig = 0;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < fx.h; y++)
                for (int x = 0; x < fx.w; x++) {
                    size_t q = (size_t)y * fx.w + x;
                    float w0 = sample(fx.x0 + c * np, fx.w, fx.h, x + flow[q], y + flow[np + q]);
                    float w1 = sample(fx.x1 + c * np, fx.w, fx.h, x + flow[2 * np + q],
                                      y + flow[3 * np + q]);
                    float v = w0 * mask[q] + w1 * (1 - mask[q]);
                    d = fmax(d, fabs(v - fx.y[c * np + q]));
                }
        for (size_t q = 0; q < 4 * np; q++)
            fbig = fmax(fbig, fabs(flow[q]));
        cr_log_info("%s: blend of the flows vs PyTorch's frame: max abs diff %.3g (max |flow| %.3g)",
                    fx.name, d, fbig);
        cr_expect(d <= RIFE_TOL, "%s: max abs diff %.3g > %g", fx.name, d, RIFE_TOL);
        cr_expect(fbig > 0.01, "%s: flows all ~0: the test would not see them", fx.name);
        free(flow), free(mask);
        or_net_free(net);
        rf_close(&fx);
    }
}

/* or_interpolate_flows on an unpadded 17x23 pair: fw = channels 2,3 at t = 0 and
 * bw = channels 0,1 at t = 1 of net->flows on the zero-padded frames, cropped. */
Test(rife_flows, stage_returns_forward_and_backward_cropped)
{
    or_err err;
    or_net *net;
    cr_assert_eq(or_net_load(rf_model(tu_src("tests/fixtures/ckpt/rife_v4_6.zip.pth")), be,
                             OR_F32, &net, &err), OR_OK, "%s", err.msg);
    const int w = 23, h = 17;
    or_interpolate_opts o = or_interpolate_defaults();
    int p = or_interpolate_multiple(net, &o);
    or_image a, b;
    cr_assert_eq(or_image_alloc(&a, w, h, 3, 0, &err), OR_OK);
    cr_assert_eq(or_image_alloc(&b, w, h, 3, 0, &err), OR_OK);
    tu_seed(7);
    tu_fill_uniform(a.planes, (size_t)3 * w * h, 0, 1);
    tu_fill_uniform(b.planes, (size_t)3 * w * h, 0, 1);
    size_t np = (size_t)w * h, pp = (size_t)p * p;
    float *fw = malloc(2 * np * sizeof(float)), *bw = malloc(2 * np * sizeof(float));
    cr_assert_eq(or_interpolate_flows(net, &a, &b, &o, fw, bw, &err), OR_OK, "%s", err.msg);
    float *pa = calloc(3 * pp, sizeof(float)), *pb = calloc(3 * pp, sizeof(float));
    float *f0 = malloc(4 * pp * sizeof(float)), *f1 = malloc(4 * pp * sizeof(float));
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                pa[c * pp + (size_t)y * p + x] = a.planes[c * np + (size_t)y * w + x];
                pb[c * pp + (size_t)y * p + x] = b.planes[c * np + (size_t)y * w + x];
            }
    run_flows(net, pa, pb, p, p, 0.0f, 1.0f, f0, NULL);
    run_flows(net, pa, pb, p, p, 1.0f, 1.0f, f1, NULL);
    double d = 0;
    for (int c = 0; c < 2; c++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t q = (size_t)c * np + (size_t)y * w + x, s = (size_t)y * p + x;
                d = fmax(d, fabs(fw[q] - f0[(2 + c) * pp + s]));
                d = fmax(d, fabs(bw[q] - f1[c * pp + s]));
            }
    cr_expect_eq(d, 0.0, "flows differ from net->flows by %g", d);
    /* a network without flows is refused in one line */
    or_net *sr;
    cr_assert_eq(or_net_load(tu_model(tu_src("tests/fixtures/ckpt/sr_esrgan_x4.zip.pth")), be,
                             OR_F32, &sr, &err), OR_OK, "%s", err.msg);
    cr_expect_neq(or_interpolate_flows(sr, &a, &b, &o, fw, bw, &err), OR_OK);
    cr_expect(strstr(err.msg, "does not") && !strchr(err.msg, '\n'), "%s", err.msg);
    or_net_free(sr);
    free(fw), free(bw), free(pa), free(pb), free(f0), free(f1);
    or_image_free(&a), or_image_free(&b);
    or_net_free(net);
}

/* ---- metric ------------------------------------------------------------------------- */

enum { W = 40, H = 30 };
static const size_t NP = (size_t)W * H;

/* A colourful smooth picture (a hue wheel over x, y) shifted by (dx, dy): pixel (x, y)
 * shows the content of (x - dx, y - dy). */
static void picture(float *rgb, int dx, int dy, float hue_shift)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float u = (float)(x - dx), v = (float)(y - dy), ph = 0.15f * u + 0.1f * v + hue_shift;
            for (int c = 0; c < 3; c++)
                rgb[c * NP + (size_t)y * W + x] = 0.5f + 0.4f * sinf(ph + 2.0944f * c);
        }
}

static void const_flow(float *f, float fx, float fy)
{
    for (size_t q = 0; q < NP; q++)
        f[q] = fx, f[NP + q] = fy;
}

Test(metric, identical_pair_scores_zero)
{
    float a[3 * W * H], fw[2 * W * H], bw[2 * W * H];
    uint8_t keep[W * H];
    picture(a, 0, 0, 0);
    const_flow(fw, 0, 0), const_flow(bw, 0, 0);
    cr_assert_eq(flicker_noc_mask(fw, bw, W, H, keep), NP);
    flicker_pair p;
    flicker_pair_error(a, a, bw, keep, W, H, &p);
    cr_expect_eq(p.kept, NP);
    cr_expect_eq(p.ab_warp, 0.0);
    cr_expect_eq(p.e_warp, 0.0);
    cr_expect_eq(p.ab_raw, 0.0);
}

/* b is a shifted by (3, 2): bw = (-3, -2), fw = (3, 2).  Everything but the 3-column
 * and 2-row strip that came from outside is kept and scores 0 (integer shift:
 * the bilinear sample is exact); without compensation the pair differs. */
Test(metric, translated_copy_with_its_flow_scores_zero_where_unoccluded)
{
    float a[3 * W * H], b[3 * W * H], fw[2 * W * H], bw[2 * W * H];
    uint8_t keep[W * H];
    picture(a, 0, 0, 0);
    picture(b, 3, 2, 0);
    const_flow(fw, 3, 2), const_flow(bw, -3, -2);
    size_t kept = flicker_noc_mask(fw, bw, W, H, keep);
    cr_expect_eq(kept, (size_t)(W - 3) * (H - 2));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            cr_assert_eq(keep[y * W + x], x >= 3 && y >= 2, "keep(%d,%d)", x, y);
    flicker_pair p;
    flicker_pair_error(a, b, bw, keep, W, H, &p);
    cr_expect_lt(p.ab_warp, 1e-4, "ab_warp %g", p.ab_warp);
    cr_expect_lt(p.e_warp, 1e-10, "e_warp %g", p.e_warp);
    cr_expect_gt(p.ab_raw, 5.0, "ab_raw %g: the pair should differ without the flow", p.ab_raw);
}

/* Forward and backward flows that disagree (|fw~ + bw|^2 = 9 > 0.01 (9 + 0) + 0.5)
 * are occluded everywhere.  A step of 0.3 px in bw at x = 20 passes the
 * forward-backward test (0.09 < 0.5) and is masked by the motion-boundary test
 * at x = 19 only.  The right half moving 2 px: b's columns 18, 19 (uncovered:
 * a's 18, 19 moved on) fail the forward-backward test too. */
Test(metric, inconsistent_flows_and_motion_boundaries_are_masked)
{
    float fw[2 * W * H], bw[2 * W * H];
    uint8_t keep[W * H];
    const_flow(fw, 0, 0), const_flow(bw, -3, 0);
    cr_expect_eq(flicker_noc_mask(fw, bw, W, H, keep), 0);
    const float step[2] = {0.3f, 2.0f};
    for (int k = 0; k < 2; k++) {
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                size_t q = (size_t)y * W + x;
                bw[q] = x >= 20 ? -step[k] : 0.0f, bw[NP + q] = 0;
                fw[q] = x >= 20 - (int)step[k] ? step[k] : 0.0f, fw[NP + q] = 0;
            }
        flicker_noc_mask(fw, bw, W, H, keep);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int want = k == 0 ? x != 19 : x <= 17 || x >= 20;
                cr_expect_eq(keep[y * W + x], want, "step %g: keep(%d,%d) = %d", step[k], x, y,
                             keep[y * W + x]);
            }
    }
}

/* A uniform gray frame then a uniform colour: ab_warp is the colour's |ab| in skimage's Lab. */
Test(metric, colour_change_scores_its_lab_ab_distance)
{
    float a[3 * W * H], b[3 * W * H], fw[2 * W * H], bw[2 * W * H];
    uint8_t keep[W * H];
    const float rgb[3] = {0.8f, 0.3f, 0.2f};
    for (int c = 0; c < 3; c++)
        for (size_t q = 0; q < NP; q++)
            a[c * NP + q] = 0.5f, b[c * NP + q] = rgb[c];
    const_flow(fw, 0, 0), const_flow(bw, 0, 0);
    flicker_noc_mask(fw, bw, W, H, keep);
    flicker_pair p;
    flicker_pair_error(a, b, bw, keep, W, H, &p);
    double lab[3], gray[3];
    color_rgb_to_lab_px(rgb[0], rgb[1], rgb[2], lab);
    color_rgb_to_lab_px(0.5, 0.5, 0.5, gray);
    double want = hypot(lab[1] - gray[1], lab[2] - gray[2]);
    cr_expect(fabs(p.ab_warp - want) < 1e-3 * want, "ab_warp %g, want %g", p.ab_warp, want);
    cr_expect(fabs(p.ab_raw - want) < 1e-3 * want, "ab_raw %g, want %g", p.ab_raw, want);
}

/* The same moving picture, once with stable colours and once with the hue jumping
 * every frame: with the true flows the stable one scores ~0, the other far more. */
Test(metric, flickering_clip_scores_higher_than_stable)
{
    float a[3 * W * H], b[3 * W * H], fw[2 * W * H], bw[2 * W * H];
    uint8_t keep[W * H];
    const_flow(fw, 1, 1), const_flow(bw, -1, -1);
    flicker_noc_mask(fw, bw, W, H, keep);
    double stable = 0, flicker = 0;
    for (int t = 0; t < 4; t++) {
        flicker_pair p;
        picture(a, t, t, 0);
        picture(b, t + 1, t + 1, 0);
        flicker_pair_error(a, b, bw, keep, W, H, &p);
        stable += p.ab_warp / 4;
        picture(b, t + 1, t + 1, (t & 1) ? 0.6f : -0.6f);
        picture(a, t, t, (t & 1) ? -0.6f : 0.6f);
        flicker_pair_error(a, b, bw, keep, W, H, &p);
        flicker += p.ab_warp / 4;
    }
    cr_log_info("stable %g, flickering %g", stable, flicker);
    cr_expect_lt(stable, 1e-4);
    cr_expect_gt(flicker, 10.0);
}

Test(metric, candidate_list_parsing)
{
    flicker_opts o;
    char ok[] = "a.mkv,keyframes=b.mkv";
    memset(&o, 0, sizeof o);
    cr_assert_eq(flicker_parse_candidates(ok, &o), 0);
    cr_expect_eq(o.n, 2);
    cr_expect_str_eq(o.paths[0], "a.mkv");
    cr_expect_null(o.labels[0]);
    cr_expect_str_eq(o.labels[1], "keyframes");
    cr_expect_str_eq(o.paths[1], "b.mkv");
    char empty[] = "a.mkv,,b.mkv", nolabel[] = "=b.mkv", nopath[] = "x=";
    cr_expect_neq(flicker_parse_candidates(empty, &o), 0);
    cr_expect_neq(flicker_parse_candidates(nolabel, &o), 0);
    cr_expect_neq(flicker_parse_candidates(nopath, &o), 0);
}

/* ---- bench ------------------------------------------------------------------------ */

/* A clip of uniform colour frames: colour(t) = rgb[t % 2] (FFV1, lossless up to YUV). */
static void colour_clip(const char *path, int w, int h, int frames, const float rgb[2][3])
{
    or_err err;
    or_video_out_opts o = or_video_out_defaults();
    o.codec = OR_VCODEC_FFV1;
    o.width = w, o.height = h;
    or_video_writer *vw;
    cr_assert_eq(or_video_writer_open(path, &o, NULL, &vw, &err), OR_OK, "%s", err.msg);
    for (int t = 0; t < frames; t++) {
        or_image f;
        cr_assert_eq(or_image_alloc(&f, w, h, 3, 0, &err), OR_OK);
        for (int c = 0; c < 3; c++)
            for (int q = 0; q < w * h; q++)
                or_image_plane(&f, c)[q] = rgb[t % 2][c];
        cr_assert_eq(or_video_write(vw, &f, t, &err), OR_OK, "%s", err.msg);
        or_image_free(&f);
    }
    cr_assert_eq(or_video_writer_finish(vw, &err), OR_OK, "%s", err.msg);
}

/* Run oprestore-bench with args; returns its exit status, stderr into *msg (64 KiB). */
static int run_bench(const char *args, char *msg, size_t len)
{
    char cmd[24000];
    const char *log = tu_tmp("flicker.log");
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 '%s/oprestore-bench' %s > /dev/null 2> '%s'",
             OR_BINARY_DIR, args, log);
    int rc = system(cmd);
    size_t n = 0;
    uint8_t *txt = tu_read_file(log, &n);
    snprintf(msg, len, "%.*s", txt ? (int)n : 0, txt ? (const char *)txt : "");
    free(txt);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static const json_value *candidate(const json_value *root, int i)
{
    const json_value *f = json_get(root, "flicker");
    cr_assert(f, "no \"flicker\" object");
    const json_value *c = json_get(f, "candidates");
    cr_assert(c && c->type == JSON_ARRAY && c->n > (size_t)i, "candidates");
    return &c->items[i];
}

Test(bench, flicker_ranks_clips_and_refuses_bad_inputs)
{
    char src[4096], stable[4096], flick[4096], small[4096], shortc[4096], json[4096];
    char msg[65536], args[20000];
    snprintf(src, sizeof src, "%s", tu_tmp("fl_src.mkv"));
    snprintf(stable, sizeof stable, "%s", tu_tmp("fl_stable.mkv"));
    snprintf(flick, sizeof flick, "%s", tu_tmp("fl_flicker.mkv"));
    snprintf(small, sizeof small, "%s", tu_tmp("fl_small.mkv"));
    snprintf(shortc, sizeof shortc, "%s", tu_tmp("fl_short.mkv"));
    snprintf(json, sizeof json, "%s", tu_tmp("fl.json"));
    /* 7 frames, a scene cut before frame 4 */
    vc_spec s = {.w = 24, .h = 16, .frames = 7, .rate = 25, .full_range = 1, .cut_at = 4};
    vc_make(src, &s);
    const float same[2][3] = {{0.6f, 0.4f, 0.3f}, {0.6f, 0.4f, 0.3f}};
    const float alt[2][3] = {{0.6f, 0.4f, 0.3f}, {0.3f, 0.5f, 0.7f}};
    colour_clip(stable, 24, 16, 7, same);
    colour_clip(flick, 24, 16, 8, alt);
    colour_clip(small, 22, 16, 7, same);
    colour_clip(shortc, 24, 16, 3, same);

    snprintf(args, sizeof args,
             "-g cpu --flicker '%s' --flicker-candidates 'stable=%s,%s' --json '%s'", src,
             stable, flick, json);
    cr_assert_eq(run_bench(args, msg, sizeof msg), 0, "%s", msg);
    json_value *root;
    or_err err;
    cr_assert_eq(json_parse_file(json, &root, &err), OR_OK, "%s", err.msg);
    const json_value *f = json_get(root, "flicker");
    cr_expect_eq(json_num(f, "frames", 0), 7);
    cr_expect_eq(json_num(f, "pairs", 0), 6);
    cr_expect_eq(json_num(f, "scene_cuts", 0), 1);
    cr_expect(json_get(f, "flow_weights_seeded")->type == JSON_BOOL);
    cr_expect_geq(json_num(f, "mean_flow_px", -1), 0);
    const json_value *a = candidate(root, 0), *b = candidate(root, 1);
    cr_expect_str_eq(json_str(a, "label", ""), "stable");
    const char *lb = json_str(b, "label", "");
    cr_expect(strlen(lb) >= 14 && !strcmp(lb + strlen(lb) - 14, "fl_flicker.mkv"),
              "label %s: the file name", lb);
    double ra = json_num(a, "ab_raw", -1), rb = json_num(b, "ab_raw", -1);
    cr_log_info("ab_raw: stable %g, flickering %g", ra, rb);
    cr_expect(ra >= 0 && ra < 0.5, "stable ab_raw %g", ra);
    cr_expect_gt(rb, 20.0);
    const json_value *per = json_get(b, "ab_warp_per_pair");
    cr_expect(per && per->type == JSON_ARRAY && per->n == 6);
    json_free(root);

    /* refusals: one line naming the file, exit 1; usage: exit 2 */
    struct {
        const char *args;
        int rc;
        const char *want;
    } bad[] = {
        {"--flicker '%s' --flicker-candidates '%s'", 1, "fl_small.mkv: 22x16"},
        {"--flicker '%s' --flicker-candidates '%s'", 1, "fl_short.mkv: ends after 3 frames"},
        {"--flicker '%s' --flicker-candidates '%s'", 1, "not a video clip"},
        {"--flicker '%s' --flicker-candidates '%s'", 1, "nothing_here.mkv"},
        {"--flicker '%s%s'", 2, "needs --flicker-candidates"},
        {"--flicker '%s' --flicker-candidates '%s' --flicker-frames 1", 2, "--flicker-frames 1"},
        {"--flicker '%s' --flicker-candidates '%s' --flow-scale 3", 2, "--flow-scale 3"},
        {"--flicker '%s' --flicker-candidates '=%s'", 2, "LABEL=PATH"},
    };
    const char *second[] = {small, shortc, tu_src("tests/fixtures/dex/fgs.bin"),
                            tu_tmp("nothing_here.mkv"), "", stable, stable, stable};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char a2[16384];
        snprintf(a2, sizeof a2, bad[i].args, src, second[i]);
        snprintf(args, sizeof args, "-g cpu %s", a2);
        int rc = run_bench(args, msg, sizeof msg);
        cr_expect_eq(rc, bad[i].rc, "%s: exit %d (want %d): %s", a2, rc, bad[i].rc, msg);
        cr_expect(strstr(msg, bad[i].want), "%s: '%s' not in: %s", a2, bad[i].want, msg);
        char *nl = strchr(msg, '\n');
        cr_expect(nl && nl[1] == '\0', "%s: not one line: %s", a2, msg);
    }
}
