package dev.mosaic.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private Path aged(String name, java.time.Duration age) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, new byte[1000]);
        Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - age.toMillis()));
        return p;
    }

    @Test
    void staleTemporariesOfTheTargetAreRemovedOnTheNextWriteLiveOnesKept() throws Exception {
        // issue 12: kill -9 during a write left hidden .tmp files of up to 227 MB behind, forever
        long dead = deadPid();
        long live = ProcessHandle.current().parent().orElseThrow().pid();
        java.time.Duration old = java.time.Duration.ofMinutes(5);
        Path deadOld = aged(".out.json." + dead + "-123.tmp", old);
        Path deadFresh = aged(".out.json." + dead + "-124.tmp", java.time.Duration.ZERO);
        Path liveOld = aged(".out.json." + live + "-125.tmp", old);
        Path liveAncient = aged(".out.json." + live + "-126.tmp", java.time.Duration.ofHours(25));
        Path legacyAncient = aged(".out.json.987654321.tmp", java.time.Duration.ofHours(25));
        Path legacyRecent = aged(".out.json.987654322.tmp", old);
        Path otherTarget = aged(".other.json." + dead + "-127.tmp", old);
        Path notOurs = aged(".out.json.backup", java.time.Duration.ofHours(25));
        AtomicFiles.writeString(dir.resolve("out.json"), "new");
        assertEquals("new", Files.readString(dir.resolve("out.json")));
        assertFalse(Files.exists(deadOld), "a dead writer's old temporary is removed");
        assertFalse(Files.exists(liveAncient), "a day-old temporary is removed whatever its PID");
        assertFalse(Files.exists(legacyAncient), "a day-old temporary of the old naming is removed");
        for (Path kept : List.of(deadFresh, liveOld, legacyRecent, otherTarget, notOurs)) {
            assertTrue(Files.exists(kept), kept + " must be kept");
        }
    }

    @Test
    void aDirectoryIsReplacedAsAWholeKeepingOtherFiles() throws IOException {
        Path report = dir.resolve("report");
        Files.createDirectories(report);
        Files.writeString(report.resolve("summary.json"), "old");
        Files.writeString(report.resolve("index.html"), "old");
        Files.writeString(report.resolve("timeline-a.svg"), "old");
        Files.writeString(report.resolve("workload.json"), "theirs");
        AtomicFiles.writeDirectory(report, n -> n.endsWith(".svg") || n.equals("summary.json") || n.equals("index.html"), d -> {
            Files.writeString(d.resolve("summary.json"), "new");
            Files.writeString(d.resolve("timeline-b.svg"), "new");
        });
        try (var files = Files.list(report)) {
            assertEquals(java.util.Set.of("summary.json", "timeline-b.svg", "workload.json"),
                    files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
        assertEquals("new", Files.readString(report.resolve("summary.json")));
        assertEquals("theirs", Files.readString(report.resolve("workload.json")));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(report), files.toList(), "no staging or old directory left");
        }
    }

    @Test
    void aFailedDirectoryWriteLeavesTheOldOneWholeAndAForeignDirectoryIsRefused() throws IOException {
        Path report = dir.resolve("report");
        Files.createDirectories(report);
        Files.writeString(report.resolve("summary.json"), "old");
        Files.writeString(report.resolve("a.svg"), "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeDirectory(report, n -> true, d -> {
            Files.writeString(d.resolve("a.svg"), "new");
            throw new IOException("killed half-way");
        }));
        assertEquals("killed half-way", e.getMessage());
        assertEquals("old", Files.readString(report.resolve("a.svg")));
        assertEquals("old", Files.readString(report.resolve("summary.json")));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(report), files.toList());
        }
        Files.createDirectories(report.resolve("src"));
        IOException refused = assertThrows(IOException.class, () -> AtomicFiles.writeDirectory(report, n -> n.endsWith(".svg"),
                d -> Files.writeString(d.resolve("a.svg"), "new")));
        assertTrue(refused.getMessage().contains("holds src"), refused.getMessage());
        assertEquals("old", Files.readString(report.resolve("a.svg")));
    }

    @Test
    void aStagingDirectoryOfAKilledWriterIsRemovedOnTheNextWrite() throws Exception {
        Path stale = dir.resolve(".report." + deadPid() + "-42");
        Files.createDirectories(stale);
        Files.writeString(stale.resolve("big.svg"), "x".repeat(1000));
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 600_000));
        AtomicFiles.writeDirectory(dir.resolve("report"), n -> true, d -> Files.writeString(d.resolve("a.svg"), "new"));
        assertFalse(Files.exists(stale));
        assertEquals("new", Files.readString(dir.resolve("report/a.svg")));
    }

    @Test
    void replacesContentAndLeavesNoTemporaryFile() throws IOException {
        Path f = dir.resolve("a/b/out.json");
        AtomicFiles.write(f, "first".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(f, out -> {
            out.write("second".getBytes(StandardCharsets.UTF_8));
            out.close(); // writers such as Jackson close their stream; the content must still be forced and moved
        });
        assertEquals("second", Files.readString(f));
        try (var files = Files.list(f.getParent())) {
            assertEquals(List.of(f), files.toList());
        }
    }

    @Test
    void resultIsReadableLikeAPlainWrite() throws IOException {
        Path f = dir.resolve("new.json");
        AtomicFiles.write(f, new byte[] {1});
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw----"));
        AtomicFiles.write(f, new byte[] {2});
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), "replacing keeps the old permissions");
    }

    @Test
    void failedWriteKeepsTheOldFile() throws IOException {
        Path f = dir.resolve("keep.json");
        Files.writeString(f, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write("partial".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old", Files.readString(f));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
    }
}
