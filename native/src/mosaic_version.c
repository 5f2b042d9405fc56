#include "mosaic.h"

int32_t mosaic_abi_version(void) { return MOSAIC_ABI_VERSION; }
