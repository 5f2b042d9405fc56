package dev.mosaic.inference.backend.cpu;

import dev.mosaic.bindings.mosaic.mosaic_h;

/**
 * The code path libmosaic's kernels take: the portable C fallback or a SIMD variant, chosen at
 * run time from the CPU's features. The choice is process-wide; {@link #select} exists so that
 * tests and benchmarks can compare paths ({@code MOSAIC_ISA=portable|avx2|avx512} sets the
 * initial one).
 *
 * <p>The constants are immutable; {@link #select} and {@link #allowAmx} change process-wide native state, so
 * call them only while no kernel runs (in tests and benchmarks).
 */
public enum CpuIsa {
    PORTABLE, AVX2, AVX512;

    /** Loads libmosaic explicitly (retryable on failure) before the raw bindings are touched. */
    private static void lib() {
        dev.mosaic.bindings.NativeLibraries.load(dev.mosaic.bindings.NativeLibraries.Library.MOSAIC);
    }

    /** The path kernels use now. */
    public static CpuIsa active() {
        lib();
        return values()[mosaic_h.mosaic_isa()];
    }

    /** The widest path this CPU supports. */
    public static CpuIsa best() {
        lib();
        return values()[mosaic_h.mosaic_isa_best()];
    }

    /** Selects {@code isa}, or the best supported path if this CPU lacks it; returns the path now active. */
    public static CpuIsa select(CpuIsa isa) {
        lib();
        return values()[mosaic_h.mosaic_set_isa(isa.ordinal())];
    }

    /** The active and best paths and the CPU features libmosaic saw, e.g. {@code active=avx512 best=avx512 cpu=avx2,...}. */
    public static String describe() {
        lib();
        return mosaic_h.mosaic_cpu_features().reinterpret(Integer.MAX_VALUE).getString(0);
    }

    /** AMX tile instructions for this process, as libmosaic sees them. Immutable; thread-safe. */
    public enum Amx {
        /** The CPU lacks AMX-TILE/AMX-INT8. */
        UNSUPPORTED,
        /** The CPU has AMX but the kernel refused the tile-data permission, or AMX is switched off. */
        DENIED,
        /** The kernel granted the permission (arch_prctl ARCH_REQ_XCOMP_PERM); tile instructions may run. */
        GRANTED
    }

    /** Whether AMX may run; the first call asks the kernel for the tile-data permission. */
    public static Amx amx() {
        return amxOf(mosaic_h.mosaic_amx_status());
    }

    /**
     * Allows or forbids AMX process-wide (overriding {@code MOSAIC_AMX=off}); returns the status now.
     * For tests and diagnostics: forbidding exercises the fallback.
     */
    public static Amx allowAmx(boolean allowed) {
        return amxOf(mosaic_h.mosaic_set_amx_allowed(allowed ? 1 : 0));
    }

    private static Amx amxOf(int status) {
        if (status == mosaic_h.MOSAIC_AMX_GRANTED()) {
            return Amx.GRANTED;
        }
        return status == mosaic_h.MOSAIC_AMX_DENIED() ? Amx.DENIED : Amx.UNSUPPORTED;
    }
}
