#include "registry.h"

#include <string.h>

static const or_model_info models[] = {
    {"realesrgan-x4plus", "rrdbnet", "upscale", "RealESRGAN_x4plus.pth",
     "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.1.0/RealESRGAN_x4plus.pth",
     "4fa0d38905f75ac06eb49a7951b426670021be3018265fd191d2125df9d682f1", "BSD-3-Clause",
     "RRDBNet 23 blocks, x4"},
    {"realesrgan-x4plus-anime", "rrdbnet", "upscale", "RealESRGAN_x4plus_anime_6B.pth",
     "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.2.4/RealESRGAN_x4plus_anime_6B.pth",
     NULL, "BSD-3-Clause", "RRDBNet 6 blocks, x4"},
    {"realesrgan-x2plus", "rrdbnet", "upscale", "RealESRGAN_x2plus.pth",
     "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.1/RealESRGAN_x2plus.pth", NULL,
     "BSD-3-Clause", "RRDBNet 23 blocks, x2 through pixel-unshuffle"},
    {"esrgan-x4", "rrdbnet", "upscale", "RRDB_ESRGAN_x4.pth",
     "https://github.com/xinntao/ESRGAN (README: Google Drive link)",
     "545805ce2d861ee90972b5fa50b851f19ee4bb35dedd2eb090be1f7c935b6b00", "Apache-2.0",
     "original ESRGAN, RRDB_trunk naming"},
    {"rrdb-psnr-x4", "rrdbnet", "upscale", "RRDB_PSNR_x4.pth",
     "https://github.com/xinntao/ESRGAN (README: Google Drive link)",
     "985fba37421353716ef2fbd7fbbab061e76409994d168cf52527aa8ee53f81ec", "Apache-2.0",
     "original ESRGAN PSNR-oriented"},
    {"realesr-general-x4v3", "srvgg", "upscale", "realesr-general-x4v3.pth",
     "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.5.0/realesr-general-x4v3.pth",
     "8dc7edb9ac80ccdc30c3a5dca6616509367f05fbc184ad95b731f05bece96292", "BSD-3-Clause",
     "SRVGGNetCompact 32 convs, x4"},
    {"realesr-general-wdn-x4v3", "srvgg", "upscale", "realesr-general-wdn-x4v3.pth",
     "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.5.0/realesr-general-wdn-x4v3.pth",
     "1641f8c4464b9f097c9fdda5589273713f67cf59f3d909e0bd688f0cee269dca", "BSD-3-Clause",
     "SRVGGNetCompact, denoise-strength variant"},
    {"realesr-animevideov3", "srvgg", "upscale", "realesr-animevideov3.pth",
     "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.5.0/realesr-animevideov3.pth",
     "b8a8376811077954d82ca3fcf476f1ac3da3e8a68a4f4d71363008000a18b75d", "BSD-3-Clause",
     "SRVGGNetCompact 16 convs, x4"},
    {"deoldify-artistic", "deoldify", "colorize", "ColorizeArtistic_gen.pth",
     "https://data.deepai.org/deoldify/ColorizeArtistic_gen.pth", NULL, "MIT",
     "DynamicUnetDeep, resnet34 encoder"},
    {"deoldify-stable", "deoldify", "colorize", "ColorizeStable_gen.pth",
     "https://www.dropbox.com/s/axsd2g85uyixaho/ColorizeStable_gen.pth?dl=0", NULL, "MIT",
     "DynamicUnetWide, resnet101 encoder"},
    {"deoldify-video", "deoldify", "colorize", "ColorizeVideo_gen.pth",
     "https://data.deepai.org/deoldify/ColorizeVideo_gen.pth", NULL, "MIT",
     "DynamicUnetWide, resnet101 encoder"},
    {"siggraph17", "siggraph17", "colorize", "siggraph17-df00044c.pth",
     "https://colorizers.s3.us-east-2.amazonaws.com/siggraph17-df00044c.pth", "df00044c",
     "BSD-2-Clause", "Zhang et al. 2017, user-guided (sha256 prefix from the file name)"},
    {"eccv16", "eccv16", "colorize", "colorization_release_v2-9b330a0b.pth",
     "https://colorizers.s3.us-east-2.amazonaws.com/colorization_release_v2-9b330a0b.pth",
     "9b330a0b", "BSD-2-Clause", "Zhang et al. 2016 (sha256 prefix from the file name)"},
    {"rife-v4.6", "rife", "interpolate", "flownet.pkl",
     "https://github.com/hzwer/Practical-RIFE (model list: v4.6)", NULL, "MIT", "IFNet v4.6"},
    {"rife-v4.25", "rife", "interpolate", "flownet.pkl",
     "https://github.com/hzwer/Practical-RIFE (model list: v4.25)", NULL, "MIT",
     "IFNet v4.25 with the feature head"},
    {"rife-v4.26", "rife", "interpolate", "flownet.pkl",
     "https://huggingface.co/hzwer/RIFE (RIFEv4.26_0921.zip, train_log/flownet.pkl)",
     "45c7f74156704769dc9f85cfcaf8552e1e926f9399dcfa3a553dee88fac6f53f", "MIT",
     "IFNet v4.26 with the feature head"},
    {"dain", "dain", "interpolate", "best.pth",
     "http://vllab1.ucmerced.edu/~wenbobao/DAIN/best.pth", NULL, "MIT",
     "DAIN (PWC-Net flow, MegaDepth depth)"},
};

#define N_MODELS (sizeof models / sizeof models[0])

size_t or_registry_count(void) { return N_MODELS; }
const or_model_info *or_registry_at(size_t i) { return i < N_MODELS ? &models[i] : NULL; }

const or_model_info *or_registry_find(const char *name)
{
    for (size_t i = 0; i < N_MODELS; i++)
        if (strcmp(models[i].name, name) == 0)
            return &models[i];
    return NULL;
}

const or_model_info *or_registry_match_checkpoint(const char *file_name, const char *sha256)
{
    for (size_t i = 0; sha256 && i < N_MODELS; i++)
        if (models[i].sha256 && strncmp(models[i].sha256, sha256, strlen(models[i].sha256)) == 0)
            return &models[i];
    /* flownet.pkl is shared by every RIFE version: a name alone does not identify it */
    for (size_t i = 0; file_name && i < N_MODELS; i++)
        if (strcmp(models[i].checkpoint, file_name) == 0 && strcmp(models[i].arch, "rife") != 0)
            return &models[i];
    return NULL;
}
