package dev.mosaic.inference.backend.cpu;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the host can give a new off-heap allocation now. Off-heap memory is zero-filled when
 * allocated, so an allocation beyond what the system has would not fail cleanly later: it would
 * swap or wake the OOM killer while being filled. Callers size against {@link #available()} first.
 *
 * <p>Stateless and thread-safe; each call reads the system's current numbers.
 */
public final class HostMemory {

    private HostMemory() {}

    /**
     * Bytes the system could give a new allocation now: Linux's {@code MemAvailable} (free plus
     * reclaimable), elsewhere the JVM's free physical memory; the container's limit if lower.
     */
    public static long available() {
        long fromProc = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    fromProc = Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the JVM's view below
        }
        long free = os().getFreeMemorySize();
        return fromProc > 0 ? Math.min(fromProc, total()) : free;
    }

    /** Bytes of physical memory in all (the container's limit if lower). */
    public static long total() {
        return os().getTotalMemorySize();
    }

    private static com.sun.management.OperatingSystemMXBean os() {
        return (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    }
}
