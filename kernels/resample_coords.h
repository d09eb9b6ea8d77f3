/* resample_coords.h: PyTorch's source-coordinate rules for resizing and
 * grid sampling, shared by resample_cpu.c and resample_cuda.cu so both
 * backends compute bit-identical coordinates.  All in f32, as PyTorch's CPU and
 * CUDA kernels compute them (aten/src/ATen/native/UpSample.h, GridSampler.h). */
#ifndef OR_RESAMPLE_COORDS_H
#define OR_RESAMPLE_COORDS_H

#ifdef __CUDACC__
#define RS_HD __host__ __device__ __forceinline__
#else
#define RS_HD static inline
#endif

/* Multiply and add rounded separately on both backends (no FMA contraction on
 * the device), so that CPU and CUDA coordinates are bit-identical. */
#ifdef __CUDA_ARCH__
#define RS_MUL(a, b) __fmul_rn((a), (b))
#define RS_ADD(a, b) __fadd_rn((a), (b))
#else
#define RS_MUL(a, b) ((a) * (b))
#define RS_ADD(a, b) ((a) + (b))
#endif

/* area_pixel_compute_scale: source pixels per output pixel.  align_corners uses
 * (in-1)/(out-1) and ignores any scale factor (as PyTorch does); otherwise
 * 1/scale_factor when one is given, else in/out. */
RS_HD float rs_linear_scale(int in, int out, int align_corners, double scale_factor)
{
    if (align_corners)
        return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
    return scale_factor > 0 ? (float)(1.0 / scale_factor) : (float)in / (float)out;
}

/* compute_scales_value for nearest: 1/scale_factor, else in/out. */
RS_HD float rs_nearest_scale(int in, int out, double scale_factor)
{
    return scale_factor > 0 ? (float)(1.0 / scale_factor) : (float)in / (float)out;
}

/* Linear interpolation taps along one axis: source index i0, its neighbour i1
 * (i0 itself at the last pixel) and the weight l1 of i1 (l0 = 1 - l1). */
typedef struct {
    int i0, i1;
    float l0, l1;
} rs_taps;

/* area_pixel_compute_source_index (non-cubic: negative sources clamp to 0)
 * followed by the index/lambda guards of the upsample kernels. */
RS_HD rs_taps rs_linear_taps(float scale, int dst, int in, int align_corners)
{
    float src = align_corners ? RS_MUL(scale, (float)dst)
                              : RS_ADD(RS_MUL(scale, (float)dst + 0.5f), -0.5f);
    if (src < 0.0f)
        src = 0.0f;
    int i0 = (int)src;
    if (i0 > in - 1)
        i0 = in - 1;
    float l1 = src - (float)i0;
    l1 = l1 < 0.0f ? 0.0f : l1 > 1.0f ? 1.0f : l1;
    rs_taps t = {i0, i0 < in - 1 ? i0 + 1 : i0, 1.0f - l1, l1};
    return t;
}

/* nearest_idx: identity and 2x fast paths, else min(floor(dst*scale), in-1) in f32. */
RS_HD int rs_nearest_index(float scale, int dst, int in, int out)
{
    if (out == in)
        return dst;
    if (out == 2 * in)
        return dst >> 1;
    float s = RS_MUL(scale, (float)dst);
    int i = (int)s; /* s >= 0: truncation is floor */
    return i < in - 1 ? i : in - 1;
}

/* The sampling position along one axis of RIFE's/PWC's backward warp: pixel p
 * moved by flow f, normalised by (size-1)/2 into grid_sample's [-1,1] and
 * unnormalised by grid_sample: align_corners gives p + f exactly; otherwise
 * ((g + 1) * size - 1) / 2 with g = 2 (p + f) / (size - 1) - 1 (size > 1).
 * Border padding clamps to [0, size-1] (clip_coordinates). */
RS_HD float rs_warp_coord(int p, float f, int size, int align_corners, int border)
{
    float c = (float)p + f;
    if (!align_corners) {
        float g = RS_ADD(RS_MUL(c, 2.0f / (float)(size - 1)), -1.0f);
        c = RS_ADD(RS_MUL(g + 1.0f, (float)size), -1.0f) * 0.5f;
    }
    if (border)
        c = c < 0.0f ? 0.0f : c > (float)(size - 1) ? (float)(size - 1) : c;
    /* Far outside (or NaN): every tap reads zero padding; keep the later
     * float-to-int conversion defined. */
    if (!(c >= -2.0f))
        c = -2.0f;
    if (c > (float)size + 1.0f)
        c = (float)size + 1.0f;
    return c;
}

#endif
