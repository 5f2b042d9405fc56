/** Off-heap per-sequence token buffers (ids, log-probabilities, UTF-8 text) that consumers read without copying. */
package dev.mosaic.inference.buffer;
