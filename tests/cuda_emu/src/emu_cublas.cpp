// emu_cublas.cpp: the CUDA emulator's cuBLAS (tests/cuda_emu): the handle, its
// math mode, cublasGemmStridedBatchedEx (cublasGemmEx and cublasSgemm are batch 1
// of it), column-major, op N or T, f32 or f16 storage with f32
// compute and host alpha/beta (beta == 0: C is not read, as in cuBLAS).
// Strict like the real library: negative sizes or lda/ldb/ldc smaller than the
// rows give CUBLAS_STATUS_INVALID_VALUE, type combinations outside cublasGemmEx's
// table NOT_SUPPORTED; operands outside device memory abort (an illegal address).
#include <stdio.h>
#include <algorithm>
#include <vector>

#include "cublas_v2.h"
#include "cuda_fp16.h"
#include "runtime/core/cublas_lazy.h"

struct cublasContext {
    unsigned magic;
    cudaStream_t stream;
    cublasMath_t math;
};

namespace {

const unsigned kMagic = 0x0b1a5u;

bool type_ok(cudaDataType t) { return t == CUDA_R_32F || t == CUDA_R_16F; }
size_t type_size(cudaDataType t) { return t == CUDA_R_16F ? 2 : 4; }

float load(const void *p, size_t i, cudaDataType t)
{
    return t == CUDA_R_16F ? __half2float(((const __half *)p)[i]) : ((const float *)p)[i];
}

void store(void *p, size_t i, cudaDataType t, float v)
{
    if (t == CUDA_R_16F)
        ((__half *)p)[i] = __float2half_rn(v);
    else
        ((float *)p)[i] = v;
}

// Bytes from the first to the last element of a batched operand stored as
// `cols` columns of `rows` elements with leading dimension ld.
size_t span(int rows, int cols, int ld, long long stride, int batch, cudaDataType t)
{
    if (rows == 0 || cols == 0 || batch == 0)
        return 0;
    size_t last = (size_t)(cols - 1) * ld + rows + (size_t)(batch - 1) * (size_t)stride;
    return last * type_size(t);
}

} // namespace

cublasStatus_t cublasCreate(cublasHandle_t *h)
{
    *h = new cublasContext{kMagic, nullptr, CUBLAS_DEFAULT_MATH};
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy(cublasHandle_t h)
{
    if (!h || h->magic != kMagic)
        return CUBLAS_STATUS_NOT_INITIALIZED;
    h->magic = 0;
    delete h;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetStream(cublasHandle_t h, cudaStream_t st)
{
    if (!h || h->magic != kMagic)
        return CUBLAS_STATUS_NOT_INITIALIZED;
    if (!or_emu::stream_ok(st))
        return CUBLAS_STATUS_INVALID_VALUE;
    h->stream = st;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetMathMode(cublasHandle_t h, cublasMath_t mode)
{
    if (!h || h->magic != kMagic)
        return CUBLAS_STATUS_NOT_INITIALIZED;
    unsigned base = (unsigned)mode & 0xfu, rest = (unsigned)mode & ~0xfu;
    // the real flags above the base mode: only DISALLOW_REDUCED_PRECISION_REDUCTION (16)
    if (base > CUBLAS_TF32_TENSOR_OP_MATH || (rest & ~16u))
        return CUBLAS_STATUS_INVALID_VALUE;
    h->math = mode;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t h, cublasOperation_t ta,
                                          cublasOperation_t tb, int m, int n, int k,
                                          const void *alpha, const void *a, cudaDataType at,
                                          int lda, long long sa, const void *b, cudaDataType bt,
                                          int ldb, long long sb, const void *beta, void *c,
                                          cudaDataType ct, int ldc, long long sc, int batch,
                                          cublasComputeType_t compute, cublasGemmAlgo_t algo)
{
    if (!h || h->magic != kMagic)
        return CUBLAS_STATUS_NOT_INITIALIZED;
    bool an = ta == CUBLAS_OP_N, bn = tb == CUBLAS_OP_N;
    int arows = an ? m : k, brows = bn ? k : n;
    if ((ta != CUBLAS_OP_N && ta != CUBLAS_OP_T) || (tb != CUBLAS_OP_N && tb != CUBLAS_OP_T) ||
        m < 0 || n < 0 || k < 0 || batch < 0 || lda < (arows > 1 ? arows : 1) ||
        ldb < (brows > 1 ? brows : 1) || ldc < (m > 1 ? m : 1) || !alpha || !beta) {
        fprintf(stderr,
                "[cuda-emu] cublasGemmStridedBatchedEx: invalid value (op %d/%d, m %d n %d k %d, "
                "lda %d ldb %d ldc %d, batch %d)\n",
                ta, tb, m, n, k, lda, ldb, ldc, batch);
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    // cublasGemmEx with CUBLAS_COMPUTE_32F: A and B of one type; C f32, or C f16 with f16 A/B
    if (compute != CUBLAS_COMPUTE_32F || !type_ok(at) || at != bt || !type_ok(ct) ||
        (at == CUDA_R_32F && ct != CUDA_R_32F) || algo != CUBLAS_GEMM_DEFAULT)
        return CUBLAS_STATUS_NOT_SUPPORTED;
    if (!or_emu::stream_ok(h->stream))
        return CUBLAS_STATUS_EXECUTION_FAILED;
    if (m == 0 || n == 0 || batch == 0)
        return CUBLAS_STATUS_SUCCESS;
    float al = *(const float *)alpha, be = *(const float *)beta;
    size_t ab = span(arows, an ? k : m, lda, sa, batch, at);
    size_t bb = span(brows, bn ? n : k, ldb, sb, batch, bt);
    size_t cb = span(m, n, ldc, sc, batch, ct);
    if (k > 0) {
        or_emu::check_device_range(a, ab, "cuBLAS A");
        or_emu::check_device_range(b, bb, "cuBLAS B");
    }
    or_emu::check_device_range(c, cb, "cuBLAS C");
    std::vector<float> af((size_t)m * k), acc(m);
    for (int p = 0; p < batch; p++) {
        size_t ao = (size_t)p * sa, bo = (size_t)p * sb, co = (size_t)p * sc;
        for (int l = 0; l < k; l++) // op(A) as column-major m x k floats
            for (int i = 0; i < m; i++)
                af[(size_t)l * m + i] =
                    load(a, ao + (an ? (size_t)l * lda + i : (size_t)i * lda + l), at);
        for (int j = 0; j < n; j++) {
            std::fill(acc.begin(), acc.end(), 0.0f);
            for (int l = 0; l < k; l++) {
                float bv = load(b, bo + (bn ? (size_t)j * ldb + l : (size_t)l * ldb + j), bt);
                const float *ac = &af[(size_t)l * m];
                for (int i = 0; i < m; i++)
                    acc[i] += ac[i] * bv;
            }
            for (int i = 0; i < m; i++) {
                size_t o = co + (size_t)j * ldc + i;
                float v = al * acc[i];
                if (be != 0.0f)
                    v += be * load(c, o, ct);
                store(c, o, ct, v);
            }
        }
    }
    or_emu::check_redzones("cublasGemmStridedBatchedEx");
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGemmEx(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m,
                            int n, int k, const void *alpha, const void *a, cudaDataType at,
                            int lda, const void *b, cudaDataType bt, int ldb, const void *beta,
                            void *c, cudaDataType ct, int ldc, cublasComputeType_t compute,
                            cublasGemmAlgo_t algo)
{
    return cublasGemmStridedBatchedEx(h, ta, tb, m, n, k, alpha, a, at, lda, 0, b, bt, ldb, 0,
                                      beta, c, ct, ldc, 0, 1, compute, algo);
}

cublasStatus_t cublasSgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m,
                           int n, int k, const float *alpha, const float *a, int lda,
                           const float *b, int ldb, const float *beta, float *c, int ldc)
{
    return cublasGemmEx(h, ta, tb, m, n, k, alpha, a, CUDA_R_32F, lda, b, CUDA_R_32F, ldb, beta,
                        c, CUDA_R_32F, ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
}

/* the emulator has no libcublas to load (runtime/core/cublas_lazy.c is left out) */
extern "C" const char *or_cublas_lazy_error(void) { return NULL; }
