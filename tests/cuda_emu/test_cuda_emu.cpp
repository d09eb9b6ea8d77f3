// test_cuda_emu.cpp: the CUDA emulator's own checks (label cuda-emu): fp16
// conversions against the compiler's _Float16, launch limits, fiber barriers and
// shuffles, divergence and redzone aborts, cuDNN / cuBLAS argument checks, events
// (timing, completion, error codes), cublasGemmEx / cublasSgemm.
// Kernels are launched through or_emu::launcher directly, as rewrite_cu.cmake does.
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "cublas_v2.h"
#include "cuda_fp16.h"
#include "cuda_runtime.h"
#include "cudnn.h"

#define LAUNCH(fibers, g, b, k) ::or_emu::launcher(fibers, __FILE__, __LINE__, g, b, 0, 0)(k)

static unsigned short h16(float f)
{
    _Float16 h = (_Float16)f;
    unsigned short b;
    memcpy(&b, &h, 2);
    return b;
}

Test(cuda_emu, half_matches_float16)
{
    for (unsigned b = 0; b < 0x10000u; b++) { // every half: to float and back
        __half h{(unsigned short)b};
        float f = __half2float(h);
        _Float16 ref;
        unsigned short rb = (unsigned short)b;
        memcpy(&ref, &rb, 2);
        if (f != f) {
            cr_assert((float)ref != (float)ref);
            cr_assert_eq(__float2half_rn(f).__x, 0x7fff);
            continue;
        }
        cr_assert_eq(f, (float)ref, "half 0x%04x", b);
        cr_assert_eq(__float2half_rn(f).__x, rb, "half 0x%04x", b);
    }
    srand(7);
    for (int i = 0; i < 2000000; i++) { // floats of every magnitude, ties included
        unsigned x = ((unsigned)rand() << 16) ^ (unsigned)rand();
        if (i & 1)
            x &= 0xffffe000u | (0x1000u * (i & 2)); // exact halfway points
        float f;
        memcpy(&f, &x, 4);
        if (f != f)
            continue;
        cr_assert_eq(__float2half_rn(f).__x, h16(f), "float 0x%08x", x);
    }
}

Test(cuda_emu, launch_limits)
{
    auto k = [](auto &&...) {};
    cr_assert_eq(cudaGetLastError(), cudaSuccess);
    LAUNCH(false, 1, 1025, k)();
    cr_expect_eq(cudaGetLastError(), cudaErrorInvalidConfiguration);
    LAUNCH(false, dim3(1, 65536), 32, k)();
    cr_expect_eq(cudaGetLastError(), cudaErrorInvalidConfiguration);
    LAUNCH(false, 0, 32, k)();
    cr_expect_eq(cudaGetLastError(), cudaErrorInvalidConfiguration);
    ::or_emu::launcher(false, __FILE__, __LINE__, 1, 32, 48 * 1024 + 1, 0)(k)();
    cr_expect_eq(cudaGetLastError(), cudaErrorInvalidConfiguration);
    LAUNCH(false, 2, 1024, k)();
    cr_expect_eq(cudaGetLastError(), cudaSuccess);
}

static void reduce_kernel(const float *x, float *out)
{
    __shared__ float part[32];
    float v = x[blockIdx.x * blockDim.x + threadIdx.x];
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    if ((threadIdx.x & 31) == 0)
        part[threadIdx.x >> 5] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        float s = 0;
        for (unsigned w = 0; w < blockDim.x / 32; w++)
            s += part[w];
        out[blockIdx.x] = s;
    }
}

Test(cuda_emu, fibers_barriers_and_shuffles)
{
    float *x = nullptr, *y = nullptr, hx[3 * 128], hy[3];
    for (int i = 0; i < 3 * 128; i++)
        hx[i] = (float)(i % 17);
    cr_assert_eq(cudaMalloc(&x, sizeof hx), cudaSuccess);
    cr_assert_eq(cudaMalloc(&y, sizeof hy), cudaSuccess);
    cudaMemcpy(x, hx, sizeof hx, cudaMemcpyHostToDevice);
    LAUNCH(true, 3, 128, [](auto &&...a) { reduce_kernel(a...); })((const float *)x, y);
    cr_assert_eq(cudaGetLastError(), cudaSuccess);
    cudaMemcpy(hy, y, sizeof hy, cudaMemcpyDeviceToHost);
    for (int b = 0; b < 3; b++) {
        float s = 0;
        for (int i = 0; i < 128; i++)
            s += hx[b * 128 + i];
        cr_expect_eq(hy[b], s, "block %d: %g, want %g", b, hy[b], s);
    }
    cudaFree(x), cudaFree(y);
}

Test(cuda_emu, divergent_syncthreads_aborts, .signal = SIGABRT)
{
    LAUNCH(true, 1, 64, [](auto &&...) {
        if (threadIdx.x < 32)
            __syncthreads();
    })();
}

Test(cuda_emu, syncthreads_needs_fibers, .signal = SIGABRT)
{
    LAUNCH(false, 1, 64, [](auto &&...) { __syncthreads(); })();
}

Test(cuda_emu, out_of_bounds_write_aborts, .signal = SIGABRT)
{
    float *p = nullptr;
    cudaMalloc(&p, 100 * sizeof(float));
    LAUNCH(false, 1, 128, [](auto &&...a) {
        auto q = (float *)(a, ...);
        q[threadIdx.x] = 0.0f; // 128 threads, 100 elements
    })(p);
}

Test(cuda_emu, memory_rules)
{
    unsigned char *p = nullptr;
    cr_assert_eq(cudaMalloc(&p, 64), cudaSuccess);
    unsigned char h[64];
    cudaMemcpy(h, p, 64, cudaMemcpyDeviceToHost);
    cr_expect_eq(h[0], 0xFF, "fresh device memory is garbage, not zeros");
    cr_expect_eq(cudaMemcpy(p, h, 65, cudaMemcpyHostToDevice), cudaErrorInvalidValue);
    cr_expect_eq(cudaMemcpy(h, p, 64, cudaMemcpyHostToDevice), cudaErrorInvalidValue);
    cr_expect_eq(cudaMemcpy2DAsync(p, 8, p + 32, 4, 8, 2, cudaMemcpyDeviceToDevice, 0),
                 cudaErrorInvalidPitchValue);
    cr_expect_eq(cudaFree(h), cudaErrorInvalidValue);
    cr_expect_eq(cudaGetLastError(), cudaErrorInvalidValue);
    cr_expect_eq(cudaGetLastError(), cudaSuccess);
    cr_expect_eq(cudaFree(p), cudaSuccess);
}

Test(cuda_emu, cudnn_descriptors_must_agree)
{
    cudnnTensorDescriptor_t x, y;
    cudnnFilterDescriptor_t w;
    cudnnConvolutionDescriptor_t cd;
    cudnnHandle_t h;
    cudnnCreate(&h);
    cudnnCreateTensorDescriptor(&x), cudnnCreateTensorDescriptor(&y);
    cudnnCreateFilterDescriptor(&w), cudnnCreateConvolutionDescriptor(&cd);
    cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, 3, 8, 8);
    cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, 4, 3, 3, 3);
    cudnnSetConvolution2dDescriptor(cd, 1, 1, 2, 2, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT);
    int n, c, hh, ww;
    cr_assert_eq(cudnnGetConvolution2dForwardOutputDim(cd, x, w, &n, &c, &hh, &ww), CUDNN_STATUS_SUCCESS);
    cr_expect(n == 1 && c == 4 && hh == 4 && ww == 4);
    cudnnConvolutionFwdAlgoPerf_t perf[8];
    int found = 0;
    cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, 4, 5, 4);
    cr_expect_eq(cudnnFindConvolutionForwardAlgorithm(h, x, w, cd, y, 8, &found, perf),
                 CUDNN_STATUS_BAD_PARAM);
    cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, 4, 4, 4);
    cr_expect_eq(cudnnFindConvolutionForwardAlgorithm(h, x, w, cd, y, 8, &found, perf),
                 CUDNN_STATUS_SUCCESS);
    cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, 4, 2, 3, 3);
    cr_expect_eq(cudnnFindConvolutionForwardAlgorithm(h, x, w, cd, y, 8, &found, perf),
                 CUDNN_STATUS_BAD_PARAM);
    cr_expect_eq(cudnnSetTensor4dDescriptorEx(y, CUDNN_DATA_FLOAT, 1, 4, 4, 4, 64, 16, 4, 1),
                 CUDNN_STATUS_SUCCESS);
    cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, 4, 3, 3, 3);
    cudnnSetTensor4dDescriptorEx(y, CUDNN_DATA_FLOAT, 1, 4, 4, 4, 64, 8, 4, 1); // c overlaps h
    cr_expect_eq(cudnnFindConvolutionForwardAlgorithm(h, x, w, cd, y, 8, &found, perf),
                 CUDNN_STATUS_BAD_PARAM);
    cudnnDestroy(h);
}

Test(cuda_emu, cublas_leading_dimensions)
{
    cublasHandle_t h;
    cublasCreate(&h);
    float *a, *b, *c, one = 1.0f, zero = 0.0f;
    cudaMalloc(&a, 64 * sizeof(float)), cudaMalloc(&b, 64 * sizeof(float));
    cudaMalloc(&c, 64 * sizeof(float));
    cr_expect_eq(cublasGemmStridedBatchedEx(h, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, a,
                                            CUDA_R_32F, 3, 0, b, CUDA_R_32F, 4, 0, &zero, c,
                                            CUDA_R_32F, 4, 0, 1, CUBLAS_COMPUTE_32F,
                                            CUBLAS_GEMM_DEFAULT),
                 CUBLAS_STATUS_INVALID_VALUE);
    float ha[16], hb[16], hc[16];
    for (int i = 0; i < 16; i++)
        ha[i] = (float)i, hb[i] = i % 5 == 0; // b = identity
    cudaMemcpy(a, ha, sizeof ha, cudaMemcpyHostToDevice);
    cudaMemcpy(b, hb, sizeof hb, cudaMemcpyHostToDevice);
    cr_expect_eq(cublasGemmStridedBatchedEx(h, CUBLAS_OP_T, CUBLAS_OP_N, 4, 4, 4, &one, a,
                                            CUDA_R_32F, 4, 0, b, CUDA_R_32F, 4, 0, &zero, c,
                                            CUDA_R_32F, 4, 0, 1, CUBLAS_COMPUTE_32F,
                                            CUBLAS_GEMM_DEFAULT),
                 CUBLAS_STATUS_SUCCESS);
    cudaMemcpy(hc, c, sizeof hc, cudaMemcpyDeviceToHost);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            cr_expect_eq(hc[j * 4 + i], ha[i * 4 + j], "A^T (%d,%d)", i, j);
    cudaFree(a), cudaFree(b), cudaFree(c);
    cublasDestroy(h);
}

Test(cuda_emu, events_time_and_completion)
{
    cudaStream_t st;
    cudaEvent_t a, b, fresh, notime;
    cr_assert_eq(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking), cudaSuccess);
    cr_assert_eq(cudaEventCreate(&a), cudaSuccess);
    cr_assert_eq(cudaEventCreate(&b), cudaSuccess);
    cr_assert_eq(cudaEventCreate(&fresh), cudaSuccess);
    cr_assert_eq(cudaEventCreateWithFlags(&notime, cudaEventDisableTiming), cudaSuccess);
    cr_expect_eq(cudaEventCreateWithFlags(&fresh, 0x80), cudaErrorInvalidValue);
    cr_expect_eq(cudaEventCreateWithFlags(&fresh, cudaEventInterprocess), cudaErrorInvalidValue);
    float ms = -1;
    cr_expect_eq(cudaEventElapsedTime(&ms, a, b), cudaErrorInvalidResourceHandle); // never recorded
    cr_expect_eq(cudaEventQuery(fresh), cudaSuccess);
    cr_assert_eq(cudaEventRecord(a, st), cudaSuccess);
    struct timespec ts = {0, 20 * 1000 * 1000}; // 20 ms of "work" between the records
    nanosleep(&ts, NULL);
    cr_assert_eq(cudaEventRecord(b, st), cudaSuccess);
    cr_expect_eq(cudaEventElapsedTime(&ms, a, b), cudaErrorNotReady); // nothing synchronised
    cr_expect_eq(cudaStreamSynchronize(0), cudaSuccess); // another stream: still not ready
    cr_expect_eq(cudaEventElapsedTime(&ms, a, b), cudaErrorNotReady);
    cr_assert_eq(cudaEventSynchronize(b), cudaSuccess); // b done: a, before it, too
    cr_assert_eq(cudaEventElapsedTime(&ms, a, b), cudaSuccess);
    cr_expect(ms >= 19.0f && ms < 2000.0f, "elapsed %g ms", ms);
    cr_assert_eq(cudaEventRecord(a, st), cudaSuccess); // re-recorded: pending again
    cr_expect_eq(cudaEventElapsedTime(&ms, b, a), cudaErrorNotReady);
    cr_assert_eq(cudaStreamSynchronize(st), cudaSuccess);
    cr_expect_eq(cudaEventElapsedTime(&ms, b, a), cudaSuccess);
    cr_assert_eq(cudaEventRecord(notime, st), cudaSuccess);
    cr_assert_eq(cudaDeviceSynchronize(), cudaSuccess);
    cr_expect_eq(cudaEventElapsedTime(&ms, a, notime), cudaErrorInvalidResourceHandle);
    cr_expect_eq(cudaEventElapsedTime(NULL, a, b), cudaErrorInvalidValue);
    cr_expect_eq(cudaEventRecord(a, (cudaStream_t)&ts), cudaErrorInvalidResourceHandle);
    cr_assert_eq(cudaGetLastError(), cudaErrorInvalidResourceHandle);
    cr_expect_eq(cudaEventDestroy(notime), cudaSuccess);
    cr_expect_eq(cudaEventDestroy(notime), cudaErrorInvalidResourceHandle);
    cudaEventDestroy(a), cudaEventDestroy(b), cudaEventDestroy(fresh);
    cudaStreamDestroy(st);
    cudaGetLastError();
}

Test(cuda_emu, cublas_gemm_ex_and_sgemm)
{
    // column-major 2x2: C = A * B, A = [1 3; 2 4], B = I * 2
    float ha[4] = {1, 2, 3, 4}, hb[4] = {2, 0, 0, 2}, hc[4];
    float *a, *b, *c;
    cr_assert_eq(cudaMalloc(&a, sizeof ha), cudaSuccess);
    cr_assert_eq(cudaMalloc(&b, sizeof hb), cudaSuccess);
    cr_assert_eq(cudaMalloc(&c, sizeof hc), cudaSuccess);
    cudaMemcpy(a, ha, sizeof ha, cudaMemcpyHostToDevice);
    cudaMemcpy(b, hb, sizeof hb, cudaMemcpyHostToDevice);
    cublasHandle_t h;
    cr_assert_eq(cublasCreate(&h), CUBLAS_STATUS_SUCCESS);
    cr_expect_eq(cublasSetMathMode(h, (cublasMath_t)7), CUBLAS_STATUS_INVALID_VALUE);
    cr_expect_eq(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH), CUBLAS_STATUS_SUCCESS);
    const float one = 1, zero = 0;
    cr_assert_eq(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &one, a, 2, b, 2, &zero, c, 2),
                 CUBLAS_STATUS_SUCCESS);
    cudaMemcpy(hc, c, sizeof hc, cudaMemcpyDeviceToHost);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(hc[i], 2 * ha[i], "c[%d] = %g", i, hc[i]);
    cr_expect_eq(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &one, a, CUDA_R_32F, 2, b,
                              CUDA_R_32F, 2, &zero, c, CUDA_R_16F, 2, CUBLAS_COMPUTE_32F,
                              CUBLAS_GEMM_DEFAULT),
                 CUBLAS_STATUS_NOT_SUPPORTED); // f32 inputs, f16 output: not in the table
    cr_expect_eq(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &one, a, 1, b, 2, &zero, c, 2),
                 CUBLAS_STATUS_INVALID_VALUE);
    cublasDestroy(h);
    cudaFree(a), cudaFree(b), cudaFree(c);
}
