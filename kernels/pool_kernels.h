/* pool_kernels.h: index helpers of the "pool" family, shared by the plain-C
 * kernels (pool_cpu.c) and the CUDA kernels (pool_cuda.cu), and the CPU
 * kernels' raw-pointer entry points (used by the tests as well). */
#ifndef OR_POOL_KERNELS_H
#define OR_POOL_KERNELS_H

#ifdef __CUDACC__
#define OR_POOL_HD __host__ __device__
#else
#define OR_POOL_HD
#endif

/* Source index of padded position i (may be outside [0,n)) for replicate (1) or
 * reflect (2, PyTorch: no edge repeat, pad < n); -1 for zero padding (0). */
static inline OR_POOL_HD int pool_pad_src(int i, int n, int mode)
{
    if (i >= 0 && i < n)
        return i;
    if (mode == 1)
        return i < 0 ? 0 : n - 1;
    if (mode == 2)
        return i < 0 ? -i : 2 * (n - 1) - i;
    return -1;
}

/* Window [lo, hi) of output index o along an axis of size n (kernel k, stride s,
 * padding p), clipped to the input; *padded_len is the window clipped to the
 * padded extent (PyTorch's divisor with count_include_pad). */
static inline OR_POOL_HD void pool_window(int o, int n, int k, int s, int p, int *lo, int *hi,
                                          int *padded_len)
{
    int a = o * s - p, b = a + k;
    int pb = b < n + p ? b : n + p;
    *padded_len = pb - a;
    *lo = a < 0 ? 0 : a;
    *hi = b > n ? n : b;
}

#ifndef __CUDACC__
/* x [planes, h, w] -> y [planes, ho, wo], f32. */
void maxpool2d_f32(const float *x, float *y, int planes, int h, int w, int kh, int kw, int sh,
                   int sw, int ph, int pw, int ho, int wo);
void avgpool2d_f32(const float *x, float *y, int planes, int h, int w, int kh, int kw, int sh,
                   int sw, int ph, int pw, int cip, int ho, int wo);
void pad2d_f32(const float *x, float *y, int planes, int h, int w, int left, int top, int mode,
               int ho, int wo);
#endif

#endif
