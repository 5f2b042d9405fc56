/**
 * The CPU {@link dev.mosaic.inference.backend.Backend}: libmosaic's C kernels ({@code native/})
 * called through the FFM bindings in {@code dev.mosaic.bindings.mosaic.mosaic_h}.
 *
 * <ul>
 *   <li>{@link dev.mosaic.inference.backend.cpu.CpuBackend} validates every argument and owns
 *       native scratch memory; {@link dev.mosaic.inference.backend.cpu.CpuBuffer} and
 *       {@link dev.mosaic.inference.backend.cpu.CpuKvStorage} own their off-heap arenas; weights
 *       are zero-copy views of the (memory-mapped) tensors.</li>
 *   <li>{@link dev.mosaic.inference.backend.cpu.CpuIsa} reports and selects the kernel path
 *       (portable C, AVX2, AVX-512), chosen at run time from the CPU's features; the environment
 *       variable {@code MOSAIC_ISA=portable|avx2|avx512} sets the initial one.</li>
 *   <li>Threads: each backend passes its thread count with every call to a native worker pool
 *       that hands out work in chunks and yields instead of spinning on a busy machine.</li>
 * </ul>
 */
package dev.mosaic.inference.backend.cpu;
