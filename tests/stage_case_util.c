/* stage_case_util.c: see stage_case_util.h. */
#include "stage_case_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli_test_util.h"
#include "video_clip.h"

const char *sc_models(void)
{
    ct_model("zhang_siggraph17.zip.pth", "sig");
    ct_model("deoldify_deep_r34.zip.pth", "deo");
    ct_model("rife_v4_6.zip.pth", "rife");
    ct_model("dain_best.zip.pth", "dain");
    return ct_model("sr_srvgg_x4_prelu.zip.pth", "srvgg");
}

const char *sc_clip(const char *name, int w, int h, int frames, int rate)
{
    const char *p = ct_tmp(name);
    vc_spec s = {w, h, frames, rate, 0, 1, 0, 0, NULL};
    vc_make(p, &s);
    return p;
}

void sc_expect_same_audio(const char *a, const char *b)
{
    size_t la, lb;
    int pa, pb;
    uint8_t *x = vc_payloads(a, AVMEDIA_TYPE_AUDIO, &la, &pa);
    uint8_t *y = vc_payloads(b, AVMEDIA_TYPE_AUDIO, &lb, &pb);
    cr_expect_gt(la, 0, "no audio in %s", a);
    cr_expect(pa == pb && la == lb && !memcmp(x, y, la),
              "%s: audio %d packets/%zu bytes, %s: %d/%zu", a, pa, la, b, pb, lb);
    free(x);
    free(y);
}

const sc_video_case sc_chain = {
    "restore --colorize sig --upscale srvgg --interpolate rife -n 2", 2, 4,
    "colorize sig upscale srvgg interpolate rife"};
const sc_video_case sc_upscale = {"upscale -m srvgg", 1, 4, NULL};
const sc_video_case sc_colorize_deo = {"colorize -m deo -r 2", 1, 1,
                                       "DeOldify render factor 2 (network 32x32, given)"};
const sc_video_case sc_interpolate_rife = {"interpolate -m rife -n 2", 2, 1, NULL};
const sc_video_case sc_interpolate_dain = {"interpolate -m dain -n 2", 2, 1, NULL};

void sc_expect_said(const sc_video_case *c, int frames_in, const char *log)
{
    if (c->said)
        cr_expect(strstr(log, c->said), "%s: expected '%s' in:\n%s", c->args, c->said, log);
    if (c->per_frame > 1) {
        char counts[64];
        snprintf(counts, sizeof counts, "%d frames in, %d out", frames_in,
                 frames_in * c->per_frame);
        cr_expect(strstr(log, counts), "%s: expected '%s' in:\n%s", c->args, counts, log);
    }
}
