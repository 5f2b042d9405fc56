/*
 * embedding.c - the embedding lookup: table rows dequantised (mosaic_dequantize, types.c).
 */
#include "internal.h"

struct embedding_args {
    int32_t type;
    const uint8_t *table;
    int64_t cols, row_bytes;
    const int32_t *ids;
    float *out;
};

static void embedding_range(void *p, int64_t begin, int64_t end) {
    const struct embedding_args *a = p;
    for (int64_t i = begin; i < end; i++) {
        mosaic_dequantize(a->type, a->table + (int64_t)a->ids[i] * a->row_bytes, a->cols, a->out + i * a->cols);
    }
}

void mosaic_embedding(int32_t type, const void *table, int64_t cols, const int32_t *ids, int64_t n, float *out,
                      int32_t threads) {
    struct embedding_args a = {type, table, cols, mosaic_row_bytes(type, cols), ids, out};
    mosaic_parallel_for(n, 4, threads, embedding_range, &a);
}
