#include "common.cuh"

extern "C" int32_t mosaic_cuda_abi_version(void) { return MOSAIC_CUDA_ABI_VERSION; }
