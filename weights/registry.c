/* registry.c: the model table (registry.h).  Where a size or sha256 comes
 * from is listed in docs/weights.md, "The registry". */
#include "registry.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"

#define RELEASES "https://github.com/xinntao/Real-ESRGAN/releases/download/"
#define ZHANG "https://colorizers.s3.us-east-2.amazonaws.com/"
#define NCNN_COPY "recovered from the ncnn model (fp16 weights), not the release file"

static const or_model_info models[] = {
    {.name = "realesrgan-x4plus", .arch = "rrdbnet", .stage = "upscale",
     .checkpoint = "RealESRGAN_x4plus.pth", .url = RELEASES "v0.1.0/RealESRGAN_x4plus.pth",
     .sha256 = "4fa0d38905f75ac06eb49a7951b426670021be3018265fd191d2125df9d682f1",
     .size = 67040989, .license = "BSD-3-Clause", .notes = "RRDBNet 23 blocks, x4",
     .copy_sha256 = "5ae005c712d4079f14ee7fd3e02a8151fd9c1e69e8015a3b5f8af43c0e4e6cbb",
     .copy_note = NCNN_COPY},
    {.name = "realesrgan-x4plus-anime", .arch = "rrdbnet", .stage = "upscale",
     .checkpoint = "RealESRGAN_x4plus_anime_6B.pth",
     .url = RELEASES "v0.2.2.4/RealESRGAN_x4plus_anime_6B.pth",
     .sha256 = "f872d837d3c90ed2e05227bed711af5671a6fd1c9f7d7e91c911a61f155e99da",
     .size = 17938799, .license = "BSD-3-Clause", .notes = "RRDBNet 6 blocks, x4",
     .copy_sha256 = "6417019b5850383d3f45b59e4bdf537e8eda94450215e9a74867617193fa1ed1",
     .copy_note = NCNN_COPY},
    {.name = "realesrgan-x2plus", .arch = "rrdbnet", .stage = "upscale",
     .checkpoint = "RealESRGAN_x2plus.pth", .url = RELEASES "v0.2.1/RealESRGAN_x2plus.pth",
     .sha256 = "49fafd45f8fd7aa8d31ab2a22d14d91b536c34494a5cfe31eb5d89c2fa266abb",
     .size = 67061725, .license = "BSD-3-Clause",
     .notes = "RRDBNet 23 blocks, x2 through pixel-unshuffle"},
    {.name = "esrgan-x4", .arch = "rrdbnet", .stage = "upscale",
     .checkpoint = "RRDB_ESRGAN_x4.pth",
     .url = "https://github.com/xinntao/ESRGAN (README: Google Drive link)", .url_is_page = 1,
     .sha256 = "545805ce2d861ee90972b5fa50b851f19ee4bb35dedd2eb090be1f7c935b6b00",
     .size = 66952991, .license = "Apache-2.0", .notes = "original ESRGAN, RRDB_trunk naming"},
    {.name = "rrdb-psnr-x4", .arch = "rrdbnet", .stage = "upscale",
     .checkpoint = "RRDB_PSNR_x4.pth",
     .url = "https://github.com/xinntao/ESRGAN (README: Google Drive link)", .url_is_page = 1,
     .sha256 = "985fba37421353716ef2fbd7fbbab061e76409994d168cf52527aa8ee53f81ec",
     .size = 66954395, .license = "Apache-2.0", .notes = "original ESRGAN PSNR-oriented"},
    {.name = "realesr-general-x4v3", .arch = "srvgg", .stage = "upscale",
     .checkpoint = "realesr-general-x4v3.pth", .url = RELEASES "v0.2.5.0/realesr-general-x4v3.pth",
     .sha256 = "8dc7edb9ac80ccdc30c3a5dca6616509367f05fbc184ad95b731f05bece96292",
     .size = 4885111, .license = "BSD-3-Clause", .notes = "SRVGGNetCompact 32 convs, x4"},
    {.name = "realesr-general-wdn-x4v3", .arch = "srvgg", .stage = "upscale",
     .checkpoint = "realesr-general-wdn-x4v3.pth",
     .url = RELEASES "v0.2.5.0/realesr-general-wdn-x4v3.pth",
     .sha256 = "1641f8c4464b9f097c9fdda5589273713f67cf59f3d909e0bd688f0cee269dca",
     .size = 4885111, .license = "BSD-3-Clause", .notes = "SRVGGNetCompact, denoise-strength variant"},
    {.name = "realesr-animevideov3", .arch = "srvgg", .stage = "upscale",
     .checkpoint = "realesr-animevideov3.pth", .url = RELEASES "v0.2.5.0/realesr-animevideov3.pth",
     .sha256 = "b8a8376811077954d82ca3fcf476f1ac3da3e8a68a4f4d71363008000a18b75d",
     .size = 2504012, .license = "BSD-3-Clause", .notes = "SRVGGNetCompact 16 convs, x4",
     .default_of = "upscale"},
    {.name = "deoldify-artistic", .arch = "deoldify", .stage = "colorize",
     .checkpoint = "ColorizeArtistic_gen.pth",
     .url = "https://data.deepai.org/deoldify/ColorizeArtistic_gen.pth", .license = "MIT",
     .notes = "DynamicUnetDeep, resnet34 encoder (no published sha256)",
     .default_of = "colorize"},
    {.name = "deoldify-stable", .arch = "deoldify", .stage = "colorize",
     .checkpoint = "ColorizeStable_gen.pth",
     .url = "https://www.dropbox.com/s/axsd2g85uyixaho/ColorizeStable_gen.pth?dl=1",
     .license = "MIT", .notes = "DynamicUnetWide, resnet101 encoder (no published sha256)"},
    {.name = "deoldify-video", .arch = "deoldify", .stage = "colorize",
     .checkpoint = "ColorizeVideo_gen.pth",
     .url = "https://data.deepai.org/deoldify/ColorizeVideo_gen.pth", .license = "MIT",
     .notes = "DynamicUnetWide, resnet101 encoder (no published sha256)",
     .default_of = "colorize (video)"},
    {.name = "siggraph17", .arch = "siggraph17", .stage = "colorize",
     .checkpoint = "siggraph17-df00044c.pth", .url = ZHANG "siggraph17-df00044c.pth",
     .sha256 = "df00044c0a4d7c3edcecf6f75437ce346a66e7a42612d9b968e1a7e17dbc6f66",
     .size = 136787426, .license = "BSD-2-Clause",
     .notes = "Zhang et al. 2017, user-guided (the file name carries the sha256 prefix)"},
    {.name = "eccv16", .arch = "eccv16", .stage = "colorize",
     .checkpoint = "colorization_release_v2-9b330a0b.pth",
     .url = ZHANG "colorization_release_v2-9b330a0b.pth",
     .sha256 = "9b330a0bae53f4ded77b1e23defbf78beaa09c10ebc4c4999e8e4f4a160b93f9",
     .size = 128976165, .license = "BSD-2-Clause",
     .notes = "Zhang et al. 2016 (the file name carries the sha256 prefix)"},
    {.name = "rife-v4.6", .arch = "rife", .stage = "interpolate", .checkpoint = "flownet.pkl",
     .url = "https://github.com/hzwer/Practical-RIFE (model list: v4.6)", .url_is_page = 1,
     .license = "MIT", .notes = "IFNet v4.6", .default_of = "interpolate"},
    {.name = "rife-v4.25", .arch = "rife", .stage = "interpolate", .checkpoint = "flownet.pkl",
     .url = "https://github.com/hzwer/Practical-RIFE (model list: v4.25)", .url_is_page = 1,
     .license = "MIT", .notes = "IFNet v4.25 with the feature head"},
    {.name = "rife-v4.26", .arch = "rife", .stage = "interpolate", .checkpoint = "flownet.pkl",
     .url = "https://huggingface.co/hzwer/RIFE (RIFEv4.26_0921.zip, train_log/flownet.pkl)",
     .url_is_page = 1, .sha256 = "45c7f74156704769dc9f85cfcaf8552e1e926f9399dcfa3a553dee88fac6f53f",
     .size = 24636301, .license = "MIT", .notes = "IFNet v4.26 with the feature head"},
    {.name = "dain", .arch = "dain", .stage = "interpolate", .checkpoint = "best.pth",
     .url = "http://vllab1.ucmerced.edu/~wenbobao/DAIN/best.pth", .license = "MIT",
     .notes = "DAIN (PWC-Net flow, MegaDepth depth; no published sha256)"},
    {.name = "deep-exemplar", .arch = "deep-exemplar", .stage = "colorize",
     .checkpoint = "colorization_checkpoint.zip",
     .url = "https://facevc.blob.core.windows.net/zhanbo/old_photo/colorization_checkpoint.zip",
     .url_is_page = 1, .license = "MIT", .convert_from = "THE_UNZIPPED_FOLDER",
     .notes = "Deep Exemplar-based Video Colorization: nonlocal_net_iter_76000.pth + "
              "colornet_iter_76000.pth + vgg19_conv.pth, colour from a reference picture "
              "(no published sha256)"},
};

#define N_MODELS (sizeof models / sizeof models[0])

/* After or_registry_load: the built-in entries with the file's merged in. */
static or_model_info *merged;
static size_t n_merged;
static json_value *merged_doc; /* the strings of the loaded entries live here */

#define TABLE (merged ? merged : models)
#define COUNT (merged ? n_merged : N_MODELS)

size_t or_registry_count(void) { return COUNT; }
const or_model_info *or_registry_at(size_t i) { return i < COUNT ? &TABLE[i] : NULL; }

const or_model_info *or_registry_find(const char *name)
{
    for (size_t i = 0; i < COUNT; i++)
        if (strcmp(TABLE[i].name, name) == 0)
            return &TABLE[i];
    return NULL;
}

static int is_hex(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return n >= 8 && n <= 64;
}

static or_status parse_entry(const json_value *e, size_t i, const char *path, or_model_info *m,
                             or_err *err)
{
    memset(m, 0, sizeof *m);
    const char **req[] = {&m->name, &m->arch, &m->stage, &m->checkpoint, &m->url};
    const char *keys[] = {"name", "arch", "stage", "checkpoint", "url"};
    for (size_t k = 0; k < 5; k++)
        if (!(*req[k] = json_str(e, keys[k], NULL)) || !**req[k])
            return or_errf(err, OR_EFORMAT, "%s: entry %zu: needs a string '%s'", path, i, keys[k]);
    m->sha256 = json_str(e, "sha256", NULL);
    if (m->sha256 && !is_hex(m->sha256))
        return or_errf(err, OR_EFORMAT, "%s: %s: sha256 must be 8 to 64 hex digits", path, m->name);
    m->license = json_str(e, "license", "?");
    m->notes = json_str(e, "notes", "");
    m->default_of = json_str(e, "default_of", NULL);
    m->size = (int64_t)json_num(e, "size", 0);
    m->url_is_page = json_num(e, "url_is_page", 0) != 0;
    m->convert_from = json_str(e, "convert_from", NULL);
    return OR_OK;
}

void or_registry_reset(void)
{
    free(merged);
    json_free(merged_doc);
    merged = NULL;
    merged_doc = NULL;
    n_merged = 0;
}

/* Merge the entries of doc (an array) into a copy of the built-in table. */
static or_status merge(const json_value *doc, const char *path, or_model_info *t, size_t *n,
                       or_err *err)
{
    memcpy(t, models, sizeof models);
    *n = N_MODELS;
    for (size_t i = 0; i < doc->n; i++) {
        or_model_info m;
        OR_TRY(parse_entry(&doc->items[i], i, path, &m, err));
        size_t j = 0;
        while (j < *n && strcmp(t[j].name, m.name) != 0)
            j++;
        t[j] = m;
        *n += j == *n;
    }
    return OR_OK;
}

or_status or_registry_load(const char *path, or_err *err)
{
    json_value *doc;
    OR_TRY(json_parse_file(path, &doc, err));
    or_model_info *t = doc->type == JSON_ARRAY ? calloc(N_MODELS + doc->n, sizeof *t) : NULL;
    size_t n = 0;
    or_status st = doc->type != JSON_ARRAY
                       ? or_errf(err, OR_EFORMAT, "%s: expected an array of models", path)
                   : !t ? or_errf(err, OR_ENOMEM, "%s: out of memory", path)
                        : merge(doc, path, t, &n, err);
    if (st != OR_OK) {
        free(t);
        json_free(doc);
        return st;
    }
    or_registry_reset();
    merged = t;
    n_merged = n;
    merged_doc = doc;
    return OR_OK;
}

static const or_model_info *match_sha(const char *sha256, int copies)
{
    for (size_t i = 0; i < COUNT; i++) {
        const char *h = copies ? TABLE[i].copy_sha256 : TABLE[i].sha256;
        if (h && strncasecmp(h, sha256, strlen(h)) == 0)
            return &TABLE[i];
    }
    return NULL;
}

const or_model_info *or_registry_match_checkpoint(const char *file_name, const char *sha256,
                                                  or_match_kind *how)
{
    const or_model_info *m = NULL;
    or_match_kind k = OR_MATCH_NONE;
    if (sha256 && (m = match_sha(sha256, 0)))
        k = OR_MATCH_SHA256;
    else if (sha256 && (m = match_sha(sha256, 1)))
        k = OR_MATCH_KNOWN_COPY;
    /* flownet.pkl is shared by every RIFE version: a name alone does not identify it */
    for (size_t i = 0; !m && file_name && i < COUNT; i++)
        if (strcmp(TABLE[i].checkpoint, file_name) == 0 && strcmp(TABLE[i].arch, "rife") != 0) {
            m = &TABLE[i];
            k = OR_MATCH_NAME;
        }
    if (how)
        *how = k;
    return m;
}

const char *or_registry_download_url(const or_model_info *m, char *buf, size_t len)
{
    const char *base = getenv("OPRESTORE_MODEL_BASE_URL");
    if (m->url_is_page)
        return NULL;
    if (!base || !*base)
        return m->url;
    size_t n = strlen(base);
    snprintf(buf, len, "%s%s%s", base, n && base[n - 1] == '/' ? "" : "/", m->checkpoint);
    return buf;
}
