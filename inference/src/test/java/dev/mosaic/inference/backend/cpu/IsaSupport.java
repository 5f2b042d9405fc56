package dev.mosaic.inference.backend.cpu;

import java.util.Arrays;
import java.util.List;

/** The kernel paths this CPU can run, for parameterised tests; restores the default after use. */
final class IsaSupport {

    private IsaSupport() {}

    /** Every path up to the best one this CPU supports (always includes PORTABLE). */
    static List<CpuIsa> supported() {
        CpuIsa best = CpuIsa.best();
        return Arrays.stream(CpuIsa.values()).filter(i -> i.ordinal() <= best.ordinal()).toList();
    }

    /** Runs {@code body} with {@code isa} active, then goes back to the path active before. */
    static void with(CpuIsa isa, ThrowingRunnable body) throws Exception {
        CpuIsa previous = CpuIsa.active();
        CpuIsa active = CpuIsa.select(isa);
        if (active != isa) {
            throw new IllegalStateException("could not select " + isa + ", got " + active);
        }
        try {
            body.run();
        } finally {
            CpuIsa.select(previous);
        }
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
