/*
 * mosaic.h - the single C ABI that MOSAIC's Java code binds through FFM.
 *
 * Conventions: flat functions, explicit sizes, no allocation behind the caller's back.
 * Java validates every size, offset and shape before a downcall; these functions may
 * assume valid input. Every exported symbol is prefixed mosaic_.
 */
#ifndef MOSAIC_H
#define MOSAIC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MOSAIC_API __attribute__((visibility("default")))

/* ABI version: bumped whenever a signature in this header changes. */
#define MOSAIC_ABI_VERSION 1

MOSAIC_API int32_t mosaic_abi_version(void);

#ifdef __cplusplus
}
#endif
#endif /* MOSAIC_H */
