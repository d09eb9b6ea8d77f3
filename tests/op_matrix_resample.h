/* op_matrix_resample.h: the "resample" op family (ops_resample.h) against plain
 * double references on awkward shapes (1 pixel, odd sizes, non-integer
 * downscales, scale factors 0.5/0.25/0.125/2/4 on sizes they do not divide),
 * and against PyTorch's own outputs (tests/fixtures/rife/resample_torch.safetensors,
 * made by tests/fixtures/make_rife_fixtures.py from F.interpolate and
 * F.grid_sample): the semantics are proven, not only self-consistent. */
#ifndef OR_OP_MATRIX_RESAMPLE_H
#define OR_OP_MATRIX_RESAMPLE_H

#include "runtime/core/ops_resample.h"

/* Against PyTorch, f32: max abs <= OM_TORCH_TOL_F32 * max(1, max|ref|).  Resizes
 * compute the same f32 expressions as PyTorch (differences are the order of the
 * additions, ~1e-7).  The warp samples at p + flow while PyTorch builds the grid
 * through linspace(-1,1,W) + flow/((W-1)/2) and unnormalises it again: its
 * position carries a few f32 ulps of W (2e-6 px at W = 24), times a gradient
 * of at most 2 between neighbours of inputs in [-1,1]: 5e-6 at most.  1e-5 holds both. */
#define OM_TORCH_TOL_F32 1e-5

int om_resize_bilinear_cases(or_backend *be, or_dtype dt);
int om_resize_nearest_cases(or_backend *be, or_dtype dt);
/* kernels/resample_cpu.c: the fast bilinear resize equals its plain kernel bit for bit */
int om_resize_bilinear_fast_cases(void);
/* kernels/resample_cpu.c: the fast warp equals its plain kernel bit for bit (finite x) */
int om_warp_bilinear_fast_cases(void);
int om_warp_bilinear_cases(or_backend *be, or_dtype dt);
/* Every case of the PyTorch fixture; a missing fixture, or one with fewer than
 * OM_RESAMPLE_TORCH_MIN_CASES cases, is a failure. */
#define OM_RESAMPLE_TORCH_MIN_CASES 20
int om_resample_torch_cases(or_backend *be, or_dtype dt);

#endif
