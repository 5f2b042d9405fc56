/** Paged KV cache bookkeeping: fixed-size blocks, a free list and per-sequence block tables over backend storage. */
package dev.mosaic.inference.kv;
