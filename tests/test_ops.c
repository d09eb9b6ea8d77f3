/* test_ops.c: the op matrix on the CPU backend, the CPU kernels against the
 * naive references, the argument checks, and the arena's steady state. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "op_matrix_lists.h"
#include "op_matrix_winograd.h"
#include "test_util.h"

OM_CPU_FIXTURE(be)

TestSuite(ops_cpu, .init = om_open, .fini = om_close);

#define CPU_TEST(op) OM_TEST_F32(ops_cpu, op)
OM_CORE_CASES(CPU_TEST)
Test(ops_cpu, cast) { cr_expect_eq(om_cast_cases(be), 0); }
OM_NHWC_CASES(CPU_TEST)
/* f16 is moved (not computed) on the CPU: casts and layout conversions take it */
Test(ops_cpu, nhwc_cast_f16) { cr_expect_eq(om_nhwc_cast_cases(be, OR_F16), 0); }
Test(ops_cpu, nhwc_convert_layout_f16) { cr_expect_eq(om_nhwc_convert_layout_cases(be, OR_F16), 0); }

/* Winograd F(4x4,3x3) (the CPU's 3x3 stride-1 path) under its derived error bound, weights in
 * the arena and cached; and the cache dropping a transform when its weight changes. */
Test(ops_cpu, conv2d_winograd_within_derived_bound, .timeout = 300)
{
    cr_expect_eq(om_conv2d_winograd_cases(be), 0);
}

/* the AVX-512 GEMM gives the AVX2 GEMM's bits (skipped where the CPU has no AVX-512) */
Test(ops_cpu, conv2d_winograd_avx512_equals_avx2)
{
    int r = om_conv2d_winograd_avx512_cases();
    if (r < 0)
        cr_skip_test("this CPU has no AVX-512");
    cr_expect_eq(r, 0);
}

Test(ops_cpu, conv2d_winograd_cache_follows_the_weight)
{
    cr_expect_eq(om_conv2d_winograd_cache_cases(be), 0);
}

/* ConvTranspose2d(4, 2, 1) as one Winograd convolution of its four output phases, same bound */
Test(ops_cpu, deconv2d_winograd_within_derived_bound, .timeout = 300)
{
    cr_expect_eq(om_deconv2d_winograd_cases(be), 0);
}

Test(ops_cpu, layout_errors_name_the_tensors)
{
    or_tensor x, y, odd, v;
    or_err err;
    cr_assert_eq(or_tensor_alloc(be, &x, 1, 6, 4, 4, OR_F32, "feat", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 2, 8, 9, OR_F32, "up", &err), OR_OK);
    cr_assert_eq(or_pixel_shuffle(&x, 2, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "feat") && strstr(err.msg, "[1,6,4,4]") && strstr(err.msg, "multiple of 4"),
              "%s", err.msg);
    cr_assert_eq(or_tensor_alloc(be, &x, 1, 8, 4, 4, OR_F32, "feat", &err), OR_OK);
    cr_assert_eq(or_pixel_shuffle(&x, 2, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "up") && strstr(err.msg, "[1,2,8,8]"), "%s", err.msg);
    cr_assert_eq(or_tensor_alloc(be, &odd, 1, 3, 5, 4, OR_F32, "odd", &err), OR_OK);
    cr_assert_eq(or_pixel_unshuffle(&odd, 2, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "odd") && strstr(err.msg, "[1,3,5,4]"), "%s", err.msg);
    cr_expect_eq(or_upsample_nearest(&x, 0, &y, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "feat"), "%s", err.msg);
    cr_assert_eq(or_tensor_channels(&x, 2, 2, &v, &err), OR_OK); /* [1,2,4,4] inside x */
    or_tensor up;
    cr_assert_eq(or_tensor_alloc(be, &up, 1, 2, 4, 4, OR_F32, "up", &err), OR_OK);
    cr_expect_eq(or_upsample_nearest(&x, 1, &v, &err), OR_ESHAPE); /* 8 channels into 2 */
    cr_expect_eq(or_upsample_nearest(&v, 1, &up, &err), OR_OK);
    or_tensor v2;
    cr_assert_eq(or_tensor_channels(&x, 3, 2, &v2, &err), OR_OK);
    cr_expect_eq(or_upsample_nearest(&v, 1, &v2, &err), OR_EINVAL, "overlapping views");
    cr_expect(strstr(err.msg, "overlap"), "%s", err.msg);
}

Test(ops_cpu, tensor_channels_views)
{
    or_tensor t, b2, v;
    or_err err;
    cr_assert_eq(or_tensor_alloc(be, &t, 1, 10, 3, 5, OR_F32, "dense", &err), OR_OK);
    cr_assert_eq(or_tensor_channels(&t, 4, 3, &v, &err), OR_OK, "%s", err.msg);
    cr_expect_eq((char *)v.data, (char *)t.data + 4 * 15 * sizeof(float));
    cr_expect(v.n == 1 && v.c == 3 && v.h == 3 && v.w == 5 && v.dtype == OR_F32 && v.be == be);
    cr_expect_eq(or_tensor_channels(&t, 0, 10, &v, &err), OR_OK);
    cr_expect_eq(or_tensor_channels(&t, 8, 3, &v, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "dense") && strstr(err.msg, "[1,10,3,5]") && strstr(err.msg, "[8,11)"),
              "%s", err.msg);
    cr_expect_eq(or_tensor_channels(&t, -1, 2, &v, &err), OR_ESHAPE);
    cr_expect_eq(or_tensor_channels(&t, 2, 0, &v, &err), OR_ESHAPE);
    cr_assert_eq(or_tensor_alloc(be, &b2, 2, 10, 3, 5, OR_F16, "batch2", &err), OR_OK);
    cr_expect_eq(or_tensor_channels(&b2, 0, 2, &v, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "batch2") && strstr(err.msg, "batch 1"), "%s", err.msg);
    or_tensor h;
    cr_assert_eq(or_tensor_alloc(be, &h, 1, 4, 2, 3, OR_F16, "half", &err), OR_OK);
    cr_assert_eq(or_tensor_channels(&h, 1, 2, &v, &err), OR_OK);
    cr_expect_eq((char *)v.data, (char *)h.data + 1 * 6 * 2, "f16 views step 2 bytes");
    cr_expect_eq(v.dtype, OR_F16);
}

/* A scratch budget smaller than the image forces the row-blocked im2col path. */
Test(ops_cpu, im2col_row_blocks_match_naive)
{
    or_conv_shape s = {1, 5, 37, 29, 7, 3, 3, 1, 1, 1, 1, 1, 1, 37, 29};
    size_t nx = 5 * 37 * 29, nw = 7 * 5 * 9, ny = 7 * 37 * 29;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *ref = malloc(ny * 4), *y = malloc(ny * 4);
    tu_seed(9);
    tu_fill_uniform(x, nx, -1, 1);
    tu_fill_uniform(w, nw, -0.2f, 0.2f);
    conv2d_nchw_f32_naive(x, w, NULL, ref, &s);
    size_t budget = 3 * (size_t)5 * 9 * 29 * 4; /* 3 output rows per block */
    size_t bytes = conv2d_nchw_sgemm_scratch_bytes(&s, budget);
    cr_assert_eq(bytes, budget);
    float *scratch = malloc(bytes);
    conv2d_nchw_f32_sgemm(x, w, y, &s, scratch, bytes);
    cr_expect_leq(tu_max_abs_diff(y, ref, ny), 1e-5);
    free(x), free(w), free(ref), free(y), free(scratch);
}

/* Stride 1 with Ci >= 16 takes the shifted-GEMM path: row blocks with a short last block,
 * dilation, a budget below one shifted row (falls back to im2col), all against the naive. */
Test(ops_cpu, shifted_gemm_row_blocks_match_naive)
{
    const or_conv_shape shapes[] = {
        {1, 16, 23, 13, 5, 3, 3, 1, 1, 1, 1, 1, 1, 23, 13},
        {2, 19, 11, 7, 4, 3, 3, 1, 1, 2, 2, 2, 2, 11, 7},
        {1, 32, 9, 5, 3, 3, 5, 1, 1, 0, 2, 1, 1, 7, 5},
    };
    const size_t budgets[] = {(size_t)64 << 20, 40000, 9000, 1};
    tu_seed(11);
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const or_conv_shape *s = &shapes[si];
        size_t nx = (size_t)s->n * s->ci * s->h * s->w, nw = (size_t)s->co * s->ci * s->kh * s->kw;
        size_t ny = (size_t)s->n * s->co * s->ho * s->wo;
        float *x = malloc(nx * 4), *w = malloc(nw * 4), *ref = malloc(ny * 4), *y = malloc(ny * 4);
        tu_fill_uniform(x, nx, -1, 1);
        tu_fill_uniform(w, nw, -0.2f, 0.2f);
        conv2d_nchw_f32_naive(x, w, NULL, ref, s);
        for (size_t bi = 0; bi < sizeof budgets / sizeof budgets[0]; bi++) {
            size_t bytes = conv2d_nchw_sgemm_scratch_bytes(s, budgets[bi]);
            size_t im2col_row = (size_t)s->ci * s->kh * s->kw * s->wo * 4;
            cr_expect(bytes <= budgets[bi] || bytes == im2col_row,
                      "shape %zu budget %zu: %zu bytes of scratch", si, budgets[bi], bytes);
            float *scratch = malloc(bytes);
            for (size_t i = 0; i < ny; i++)
                y[i] = NAN;
            conv2d_nchw_f32_sgemm(x, w, y, s, scratch, bytes);
            cr_expect_leq(tu_max_abs_diff(y, ref, ny), 1e-5, "shape %zu budget %zu", si, budgets[bi]);
            free(scratch);
        }
        free(x), free(w), free(ref), free(y);
    }
}

/* The NHWC im2col: row blocks that straddle two images of a batch, strided x and y. */
Test(ops_cpu, nhwc_im2col_row_blocks_match_naive)
{
    enum { N = 2, CI = 5, H = 7, W = 6, CO = 3, LDX = 8, LDY = 4 };
    or_conv_shape s = {N, CI, H, W, CO, 3, 3, 2, 2, 1, 1, 1, 1, 4, 3};
    size_t nx = N * CI * H * W, nw = CO * CI * 9, ny = N * CO * 4 * 3;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *ref = malloc(ny * 4), *out = malloc(ny * 4);
    float *xh = malloc(N * H * W * LDX * 4), *wk = malloc(nw * 4), *yh = malloc(N * 4 * 3 * LDY * 4);
    tu_seed(10);
    tu_fill_uniform(x, nx, -1, 1);
    tu_fill_uniform(w, nw, -0.2f, 0.2f);
    conv2d_nchw_f32_naive(x, w, NULL, ref, &s);
    for (size_t i = 0; i < (size_t)N * H * W * LDX; i++)
        xh[i] = NAN; /* channels [5, 8) of each pixel must never be read */
    for (size_t i = 0; i < (size_t)N * 4 * 3 * LDY; i++)
        yh[i] = -7.0f; /* channel 3 of each output pixel must never be written */
    om_nchw_to_nhwc(x, xh, LDX, 0, N, CI, H, W);
    om_nchw_to_nhwc(w, wk, CI, 0, CO, CI, 3, 3);
    size_t budget = 3 * (size_t)CI * 9 * 3 * 4; /* 3 of the 8 output rows per block */
    size_t bytes = conv2d_nhwc_im2col_scratch_bytes(&s, budget);
    cr_assert_eq(bytes, budget);
    float *scratch = malloc(bytes);
    conv2d_nhwc_f32_im2col(xh, LDX, wk, yh, LDY, &s, scratch, bytes);
    om_nhwc_to_nchw(yh, LDY, 0, out, N, CO, 4, 3);
    cr_expect_leq(tu_max_abs_diff(out, ref, ny), 1e-5);
    for (size_t p = 0; p < (size_t)N * 4 * 3; p++)
        cr_expect_eq(yh[p * LDY + 3], -7.0f, "pixel %zu: the pad channel was written", p);
    cr_expect_eq(conv2d_nhwc_im2col_scratch_bytes(&s, 1), (size_t)CI * 9 * 3 * 4, "one row at least");
    free(x), free(w), free(ref), free(out), free(xh), free(wk), free(yh), free(scratch);
}

Test(ops_cpu, shape_errors_name_the_tensors)
{
    or_tensor x, w, y;
    or_err err;
    cr_assert_eq(or_tensor_alloc(be, &x, 1, 3, 8, 8, OR_F32, "input", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &w, 16, 4, 3, 3, OR_F32, "conv1.weight", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 16, 8, 8, OR_F32, "out", &err), OR_OK);
    or_conv2d_params p = or_conv2d_default(3, 3);
    cr_assert_eq(or_conv2d(&x, &w, NULL, &p, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "conv1.weight") && strstr(err.msg, "[16,4,3,3]"), "%s", err.msg);
    or_tensor w2;
    cr_assert_eq(or_tensor_alloc(be, &w2, 16, 3, 3, 3, OR_F32, "conv2.weight", &err), OR_OK);
    or_tensor y2;
    cr_assert_eq(or_tensor_alloc(be, &y2, 1, 16, 7, 8, OR_F32, "out2", &err), OR_OK);
    cr_assert_eq(or_conv2d(&x, &w2, NULL, &p, &y2, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "out2") && strstr(err.msg, "[1,16,8,8]"), "%s", err.msg);
    p.ep.act = OR_ACT_PRELU;
    cr_assert_eq(or_conv2d(&x, &w2, NULL, &p, &y, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "PReLU"), "%s", err.msg);
}

Test(ops_cpu, cpu_refuses_f16_compute)
{
    or_tensor x, y;
    or_err err;
    cr_assert_eq(or_tensor_alloc(be, &x, 1, 2, 3, 3, OR_F16, "h", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 2, 3, 3, OR_F16, "h2", &err), OR_OK);
    cr_expect_eq(or_activation(&x, OR_ACT_RELU, 0, NULL, &y, &err), OR_EUNSUPPORTED);
}

/* After the first run, repeating the same work allocates nothing new. */
Test(ops_cpu, steady_state_allocates_nothing)
{
    for (int iter = 0; iter < 3; iter++) {
        or_arena_mark m = or_arena_get_mark(&be->arena);
        cr_assert_eq(om_conv2d_cases(be, OR_F32), 0);
        or_arena_reset(&be->arena, m);
        static size_t after_first;
        if (iter == 0)
            after_first = be->n_mem_allocs;
        else
            cr_expect_eq(be->n_mem_allocs, after_first, "iteration %d allocated %zu new chunks",
                         iter, be->n_mem_allocs - after_first);
    }
    cr_expect_gt(be->arena.peak, 0);
}

Test(arena, bump_mark_reset_peak_and_limit)
{
    or_backend *cpu;
    or_err err;
    cr_assert_eq(or_backend_cpu_create(1, &cpu, &err), OR_OK);
    or_arena_release(&cpu->arena);
    or_arena_init(&cpu->arena, cpu, 1024, 8192);
    void *a, *b, *c;
    cr_assert_eq(or_arena_alloc(&cpu->arena, 100, &a, &err), OR_OK);
    or_arena_mark m = or_arena_get_mark(&cpu->arena);
    cr_assert_eq(or_arena_alloc(&cpu->arena, 300, &b, &err), OR_OK);
    cr_expect_eq((uintptr_t)b % OR_ARENA_ALIGN, 0);
    cr_expect_geq((char *)b - (char *)a, 100);
    or_arena_reset(&cpu->arena, m);
    cr_assert_eq(or_arena_alloc(&cpu->arena, 300, &c, &err), OR_OK);
    cr_expect_eq(b, c, "reset gives the same memory back");
    cr_expect_geq(cpu->arena.peak, 256 + 512);
    cr_assert_eq(or_arena_alloc(&cpu->arena, 4000, &c, &err), OR_OK); /* second chunk */
    cr_expect_eq(cpu->arena.n_chunks, 2);
    cr_expect_eq(or_arena_alloc(&cpu->arena, 100000, &c, &err), OR_ENOMEM);
    cr_expect(strstr(err.msg, "limit"), "%s", err.msg);
    or_backend_destroy(cpu);
}

Test(half, conversion_is_correctly_rounded)
{
    /* exhaustive over all f16 bit patterns: f16 -> f32 -> f16 is the identity (NaNs stay NaN) */
    for (uint32_t h = 0; h < 65536; h++) {
        float f = or_f16_to_f32((uint16_t)h);
        uint16_t back = or_f32_to_f16(f);
        if (isnan(f))
            cr_assert(isnan(or_f16_to_f32(back)));
        else
            cr_assert_eq(back, h, "0x%04x -> %g -> 0x%04x", h, f, back);
    }
    cr_expect_eq(or_f32_to_f16(65520.0f), 0x7C00); /* rounds to inf */
    cr_expect_eq(or_f32_to_f16(65504.0f), 0x7BFF);
    cr_expect_eq(or_f32_to_f16(1.0f + 1.0f / 2048), 0x3C00); /* tie to even */
    cr_expect_eq(or_f32_to_f16(1.0f + 3.0f / 2048), 0x3C02);
    cr_expect_eq(or_f32_to_f16(5.9604645e-8f), 0x0001); /* smallest subnormal */
}

Test(backend, cpu_mem_available)
{
    or_backend *b;
    or_err err;
    cr_assert_eq(or_backend_cpu_create(1, &b, &err), OR_OK);
    cr_assert(b->mem_available);
    cr_expect_gt(b->mem_available(b), (size_t)1 << 20);
    or_backend_destroy(b);
}

#ifdef OR_HAVE_CUDA
#include <cublas_v2.h>

#include "runtime/core/cublas_lazy.h"

static int maps_contain(const char *lib)
{
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert_not_null(f);
    char line[4096];
    int hit = 0;
    while (!hit && fgets(line, sizeof line, f))
        hit = strstr(line, lib) != NULL;
    fclose(f);
    return hit;
}

/* runtime/core/cublas_lazy.c: libcublas (and its libcublasLt) is not mapped until
 * a cuBLAS call, then it is, with or without a device */
Test(backend, cublas_loaded_on_first_use)
{
    cr_assert_not(maps_contain("libcublas"), "libcublas is mapped before any cuBLAS call");
    cublasHandle_t h = NULL;
    cublasStatus_t st = cublasCreate(&h);
    cr_assert_null(or_cublas_lazy_error(), "%s", or_cublas_lazy_error());
    cr_assert(maps_contain("libcublas"), "libcublas was not loaded by cublasCreate");
    if (st == CUBLAS_STATUS_SUCCESS)
        cr_expect_eq(cublasDestroy(h), CUBLAS_STATUS_SUCCESS);
}
#endif

Test(backend, open_by_name)
{
    or_backend *b;
    or_err err;
    cr_assert_eq(or_backend_open("cpu", &b, &err), OR_OK);
    cr_expect_eq(b->kind, OR_BACKEND_CPU);
    or_backend_destroy(b);
    cr_expect_eq(or_backend_open("gpu7x", &b, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "cpu"), "%s", err.msg);
    if (!tu_have_cuda()) {
        cr_expect_eq(or_backend_open("0", &b, &err), OR_EDEVICE);
        cr_expect(strstr(err.msg, "cpu"), "the message suggests -g cpu: %s", err.msg);
    }
}
