/* color_px.h: the per-pixel colour formulas of the "color" family, shared by
 * kernels/color_cpu.c and kernels/color_cuda.cu (host and device, double math).
 *
 * Lab follows skimage.color (v0.19-0.22, _colorconv.py) exactly:
 *   rgb2xyz: c > 0.04045 ? ((c + 0.055) / 1.055)^2.4 : c / 12.92, then xyz = M rgb
 *            with M = xyz_from_rgb (sRGB, D65);
 *   xyz2lab: t = xyz / white (D65 2deg: 0.95047, 1, 1.08883);
 *            f = t > 0.008856 ? cbrt(t) : 7.787 t + 16/116;
 *            L = 116 fy - 16, a = 500 (fx - fy), b = 200 (fy - fz);
 *   lab2xyz: fy = (L + 16) / 116, fx = a / 500 + fy, fz = fy - b / 200, fz < 0 -> 0;
 *            t = f > 0.2068966 ? f^3 : (f - 16/116) / 7.787; xyz = t * white;
 *   xyz2rgb: rgb = inv(M) xyz; c > 0.0031308 ? 1.055 c^(1/2.4) - 0.055 : 12.92 c;
 *            clipped to [0, 1].
 * inv(M) is computed in double the way numpy.linalg.inv would (to ~1e-16). */
#ifndef OR_COLOR_PX_H
#define OR_COLOR_PX_H

#include <math.h>

#ifdef __CUDACC__
#define OR_HD __host__ __device__ static inline
#else
#define OR_HD static inline
#endif

#define OR_LAB_WX 0.95047
#define OR_LAB_WY 1.0
#define OR_LAB_WZ 1.08883

/* xyz_from_rgb of skimage (row-major). */
#define OR_XYZ_FROM_RGB                                                                       \
    {0.412453, 0.357580, 0.180423, 0.212671, 0.715160, 0.072169, 0.019334, 0.119193, 0.950227}

/* inv of a row-major 3x3 by cofactors (double). */
OR_HD void color_inv3(const double m[9], double r[9])
{
    double c0 = m[4] * m[8] - m[5] * m[7], c1 = m[5] * m[6] - m[3] * m[8],
           c2 = m[3] * m[7] - m[4] * m[6];
    double det = m[0] * c0 + m[1] * c1 + m[2] * c2;
    r[0] = c0 / det;
    r[1] = (m[2] * m[7] - m[1] * m[8]) / det;
    r[2] = (m[1] * m[5] - m[2] * m[4]) / det;
    r[3] = c1 / det;
    r[4] = (m[0] * m[8] - m[2] * m[6]) / det;
    r[5] = (m[2] * m[3] - m[0] * m[5]) / det;
    r[6] = c2 / det;
    r[7] = (m[1] * m[6] - m[0] * m[7]) / det;
    r[8] = (m[0] * m[4] - m[1] * m[3]) / det;
}

OR_HD double color_srgb_to_linear(double c)
{
    return c > 0.04045 ? pow((c + 0.055) / 1.055, 2.4) : c / 12.92;
}

OR_HD double color_linear_to_srgb(double c)
{
    return c > 0.0031308 ? 1.055 * pow(c, 1.0 / 2.4) - 0.055 : c * 12.92;
}

OR_HD double color_lab_f(double t) { return t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116.0; }

OR_HD double color_lab_finv(double f)
{
    return f > 0.2068966 ? f * f * f : (f - 16.0 / 116.0) / 7.787;
}

/* f(Y / white) of linear RGB: L = 116 fy - 16 (one expression for rgb_to_lab and rgb_to_l,
 * so their L are the same bits). */
OR_HD double color_lab_fy(double r, double g, double b)
{
    const double m[9] = OR_XYZ_FROM_RGB;
    return color_lab_f((m[3] * r + m[4] * g + m[5] * b) / OR_LAB_WY);
}

/* Lab of linear RGB (after color_srgb_to_linear). */
OR_HD void color_linear_rgb_to_lab_px(double r, double g, double b, double out[3])
{
    const double m[9] = OR_XYZ_FROM_RGB;
    double fx = color_lab_f((m[0] * r + m[1] * g + m[2] * b) / OR_LAB_WX);
    double fy = color_lab_fy(r, g, b);
    double fz = color_lab_f((m[6] * r + m[7] * g + m[8] * b) / OR_LAB_WZ);
    out[0] = 116.0 * fy - 16.0;
    out[1] = 500.0 * (fx - fy);
    out[2] = 200.0 * (fy - fz);
}

OR_HD void color_rgb_to_lab_px(double r, double g, double b, double out[3])
{
    color_linear_rgb_to_lab_px(color_srgb_to_linear(r), color_srgb_to_linear(g),
                               color_srgb_to_linear(b), out);
}

/* L of Lab of linear RGB, a = b = 0 (rgb_to_l: one cube root instead of three). */
OR_HD void color_linear_rgb_to_l_px(double r, double g, double b, double out[3])
{
    out[0] = 116.0 * color_lab_fy(r, g, b) - 16.0;
    out[1] = 0.0;
    out[2] = 0.0;
}

/* minv: color_inv3(OR_XYZ_FROM_RGB), computed once by the caller. */
OR_HD void color_lab_to_rgb_px(double L, double a, double bb, const double minv[9],
                               double out[3])
{
    double fy = (L + 16.0) / 116.0, fx = a / 500.0 + fy, fz = fy - bb / 200.0;
    if (fz < 0)
        fz = 0;
    double x = color_lab_finv(fx) * OR_LAB_WX, y = color_lab_finv(fy) * OR_LAB_WY,
           z = color_lab_finv(fz) * OR_LAB_WZ;
    for (int i = 0; i < 3; i++) {
        double c = color_linear_to_srgb(minv[3 * i] * x + minv[3 * i + 1] * y + minv[3 * i + 2] * z);
        out[i] = c < 0 ? 0 : c > 1 ? 1 : c;
    }
}

OR_HD void color_rgb_to_yuv_px(double r, double g, double b, double out[3])
{
    double y = 0.299 * r + 0.587 * g + 0.114 * b;
    out[0] = y;
    out[1] = 0.492 * (b - y) + 0.5;
    out[2] = 0.877 * (r - y) + 0.5;
}

OR_HD void color_yuv_to_rgb_px(double y, double u, double v, double out[3])
{
    out[0] = y + 1.140 * (v - 0.5);
    out[1] = y - 0.394 * (u - 0.5) - 0.581 * (v - 0.5);
    out[2] = y + 2.032 * (u - 0.5);
}

/* Conversion kinds, in the order of struct or_ops_color's conversions. */
enum { OR_COLOR_RGB2LAB = 0, OR_COLOR_LAB2RGB, OR_COLOR_RGB2YUV, OR_COLOR_YUV2RGB, OR_COLOR_RGB2L };

OR_HD void color_convert_px(int kind, const double in[3], const double minv[9], double out[3])
{
    switch (kind) {
    case OR_COLOR_RGB2LAB: color_rgb_to_lab_px(in[0], in[1], in[2], out); break;
    case OR_COLOR_LAB2RGB: color_lab_to_rgb_px(in[0], in[1], in[2], minv, out); break;
    case OR_COLOR_RGB2YUV: color_rgb_to_yuv_px(in[0], in[1], in[2], out); break;
    case OR_COLOR_RGB2L:
        color_linear_rgb_to_l_px(color_srgb_to_linear(in[0]), color_srgb_to_linear(in[1]),
                                 color_srgb_to_linear(in[2]), out);
        break;
    default: color_yuv_to_rgb_px(in[0], in[1], in[2], out); break;
    }
}

#endif
