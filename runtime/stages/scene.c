/* scene.c: scene cuts by SSIM of 32x32 luma thumbnails (see scene.h). */
#include "scene.h"

#include <math.h>

#define T OR_SCENE_THUMB
#define WIN 11

void or_scene_thumb(const or_image *img, float *t)
{
    int W = img->width, H = img->height;
    for (int ty = 0; ty < T; ty++) {
        int y0 = ty * H / T, y1 = (ty + 1) * H / T;
        if (y1 <= y0)
            y1 = y0 + 1;
        for (int tx = 0; tx < T; tx++) {
            int x0 = tx * W / T, x1 = (tx + 1) * W / T;
            if (x1 <= x0)
                x1 = x0 + 1;
            double s = 0;
            for (int y = y0; y < y1 && y < H; y++)
                for (int x = x0; x < x1 && x < W; x++) {
                    size_t i = (size_t)y * W + x;
                    if (img->channels == 1)
                        s += img->planes[i];
                    else
                        s += 0.299 * or_image_plane(img, 0)[i] +
                             0.587 * or_image_plane(img, 1)[i] +
                             0.114 * or_image_plane(img, 2)[i];
                }
            int nx = (x1 < W ? x1 : W) - x0, ny = (y1 < H ? y1 : H) - y0;
            t[ty * T + tx] = (float)(s / (nx * ny));
        }
    }
}

double or_scene_ssim_thumbs(const float *a, const float *b)
{
    double g[WIN], gs = 0;
    for (int i = 0; i < WIN; i++)
        gs += g[i] = exp(-(i - WIN / 2) * (i - WIN / 2) / (2 * 1.5 * 1.5));
    for (int i = 0; i < WIN; i++)
        g[i] /= gs;
    const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
    double total = 0;
    int n = 0;
    for (int y = 0; y + WIN <= T; y++)
        for (int x = 0; x + WIN <= T; x++) {
            double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
            for (int j = 0; j < WIN; j++)
                for (int i = 0; i < WIN; i++) {
                    double w = g[j] * g[i];
                    double va = a[(y + j) * T + x + i], vb = b[(y + j) * T + x + i];
                    ma += w * va, mb += w * vb;
                    saa += w * va * va, sbb += w * vb * vb, sab += w * va * vb;
                }
            double va = saa - ma * ma, vb = sbb - mb * mb, cov = sab - ma * mb;
            total += ((2 * ma * mb + c1) * (2 * cov + c2)) /
                     ((ma * ma + mb * mb + c1) * (va + vb + c2));
            n++;
        }
    return total / n;
}

double or_scene_ssim(const or_image *a, const or_image *b)
{
    float ta[T * T], tb[T * T];
    or_scene_thumb(a, ta);
    or_scene_thumb(b, tb);
    return or_scene_ssim_thumbs(ta, tb);
}

int or_scene_is_cut(const or_image *a, const or_image *b, double threshold)
{
    return threshold > 0 && or_scene_ssim(a, b) < threshold;
}
