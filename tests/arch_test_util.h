/* arch_test_util.h: helpers for the converter tests (test_arch_*.c): build and
 * edit a ck_state_dict in C, read a checkpoint fixture, run a converter.
 * They use Criterion assertions, so call them only from inside a test.
 * Free a state dict built or edited here with ckpt_free(). */
#ifndef OR_ARCH_TEST_UTIL_H
#define OR_ARCH_TEST_UTIL_H

#include <stdint.h>

#include "convert/arch.h"

/* Append tensor `name` of ndim dims d0..d3 (unused trailing ones ignored),
 * filled from tu_uniform(-1, 1). */
void sd_add(ck_state_dict *sd, const char *name, int ndim, int64_t d0, int64_t d1, int64_t d2,
            int64_t d3);

/* Append "<prefix>.weight" [o,i,k,k] and "<prefix>.bias" [o]. */
void sd_add_conv(ck_state_dict *sd, const char *prefix, int64_t o, int64_t i, int64_t k);

/* The tensor `name`; fails the test when there is none. */
ck_tensor *sd_get(ck_state_dict *sd, const char *name);

/* Remove tensor `name`; fails the test when there is none. */
void sd_remove(ck_state_dict *sd, const char *name);

/* Remove every tensor whose name starts with prefix / ends with suffix;
 * return how many were removed. */
int sd_remove_prefix(ck_state_dict *sd, const char *prefix);
int sd_remove_suffix(ck_state_dict *sd, const char *suffix);

/* Read tests/fixtures/ckpt/<file> (file name with extension) into sd. */
void at_load_fixture(const char *file, ck_state_dict *sd);

/* Convert sd with a, expecting failure; returns the error message (a static
 * buffer, valid until the next call). */
const char *at_convert_fails(const or_arch *a, const ck_state_dict *sd);

/* Convert sd with a into mb (initialised here), expecting success. */
void at_convert_ok(const or_arch *a, const ck_state_dict *sd, or_model_builder *mb);

/* Metadata `key` of mb equals want. */
void at_assert_meta(const or_model_builder *mb, const char *key, const char *want);

/* msg contains part. */
void at_assert_contains(const char *msg, const char *part);

#endif
