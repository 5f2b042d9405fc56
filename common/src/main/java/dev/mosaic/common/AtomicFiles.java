package dev.mosaic.common;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.DirectoryStream;
import java.nio.file.attribute.FileTime;
import java.nio.file.LinkOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes files so that readers see either the old content or the complete new content, never a
 * half-written file: the bytes go to a temporary file in the target's directory, are forced to
 * disk, then the temporary file is atomically moved over the target. On failure the target is
 * untouched and the temporary file removed. Every file MOSAIC writes (plans, reports, model
 * files, extracted native libraries) goes through here.
 *
 * <h2>Temporary names and stale ones</h2>
 * A temporary file is named {@code .NAME.PID-RANDOM.tmp} beside its target {@code NAME} (PID: the
 * writing process). A writer killed with SIGKILL cannot remove it, so each write first removes the
 * stale temporaries of the same target: those whose process is no longer alive and that were not
 * modified for {@link #STALE_AFTER_DEAD_OWNER}, and any of our names not modified for
 * {@link #STALE_AFTER} (old names without a PID, or a PID reused by another process). A live
 * writer's temporary is never removed: its process is alive and it keeps being written. (Writers
 * in another PID namespace sharing the directory look dead here; the age rule protects them
 * while they write.)
 *
 * <h2>Directories</h2>
 * {@link #writeDirectory} replaces a whole directory (a report: pictures, summary, page) so that
 * a reader sees the complete old set or the complete new one, never a mix: the files are written
 * into a temporary sibling directory, then the old directory is renamed aside, the new one renamed
 * into place and the old one deleted. Between the two renames the directory is briefly absent.
 *
 * <p>Stateless and thread-safe; concurrent writers of one target each write their own temporary file and the last move wins.
 */
public final class AtomicFiles {

    /**
     * Fills the temporary file through a channel (large binary files, memory segments).
     * Called once, on the calling thread; need not be thread-safe.
     */
    @FunctionalInterface
    public interface ChannelBody {
        void writeTo(FileChannel channel) throws IOException;
    }

    /**
     * Fills the temporary file through a buffered stream (JSON, text).
     * Called once, on the calling thread; need not be thread-safe.
     */
    @FunctionalInterface
    public interface StreamBody {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Fills a new, empty directory (write its files with plain writes or this class).
     * Called once, on the calling thread; need not be thread-safe.
     */
    @FunctionalInterface
    public interface DirectoryBody {
        void writeInto(Path directory) throws IOException;
    }

    /** Age after which a temporary of a process that is no longer alive is removed. */
    public static final Duration STALE_AFTER_DEAD_OWNER = Duration.ofMinutes(1);

    /** Age after which any temporary of ours is removed, whatever its PID says. */
    public static final Duration STALE_AFTER = Duration.ofHours(24);

    private static final long PID = ProcessHandle.current().pid();

    private AtomicFiles() {}

    /** {@code .NAME.PID-RANDOM} plus {@code .tmp} (files), nothing (directories) or {@code .old} (a replaced directory). */
    private static Pattern ours(String name) {
        return Pattern.compile("\\." + Pattern.quote(name) + "\\.(\\d+)-(\\d+)(\\.tmp|\\.old)?");
    }

    /** Names of the JDK's createTempFile from before the PID was recorded: {@code .NAME.DIGITS.tmp}. */
    private static Pattern legacy(String name) {
        return Pattern.compile("\\." + Pattern.quote(name) + "\\.(\\d+)\\.tmp");
    }

    private static String tempName(String name, String suffix) {
        return "." + name + "." + PID + "-" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong()) + suffix;
    }

    /**
     * Removes the stale temporaries of {@code target} (see the class comment) and returns how many
     * it removed; errors (a file that vanished, no permission) are ignored: cleaning is best effort.
     */
    public static int removeStaleTemporaries(Path target) {
        Path absolute = target.toAbsolutePath().normalize();
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return 0;
        }
        String name = absolute.getFileName().toString();
        Pattern ours = ours(name);
        Pattern legacy = legacy(name);
        int removed = 0;
        String prefix = "." + name + ".";
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
            long now = System.currentTimeMillis();
            for (Path p : entries) {
                String n = p.getFileName().toString();
                Matcher m = ours.matcher(n);
                boolean mine = m.matches();
                if (!mine && !legacy.matcher(n).matches()) {
                    continue;
                }
                try {
                    FileTime modified = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
                    long age = now - modified.toMillis();
                    boolean stale = age > STALE_AFTER.toMillis();
                    if (!stale && mine) {
                        long pid = Long.parseLong(m.group(1));
                        stale = pid != PID && age > STALE_AFTER_DEAD_OWNER.toMillis()
                                && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
                    }
                    if (stale) {
                        deleteRecursively(p);
                        removed++;
                    }
                } catch (IOException | NumberFormatException e) {
                    // best effort: another cleaner got there first, or the name's PID is out of range
                }
            }
        } catch (IOException e) {
            return removed;
        }
        return removed;
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(p)) {
                List<Path> all = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
                for (Path q : all) {
                    Files.deleteIfExists(q);
                }
            }
        } else {
            Files.deleteIfExists(p);
        }
    }

    /**
     * Replaces the directory {@code target} as a whole with what {@code body} writes into a new
     * empty directory (see the class comment). Regular files in the old directory that the new
     * set does not contain and that {@code replaced} does not claim (files of other tools, e.g. a
     * demo's workloads) are kept: hard-linked (or copied) into the new directory first, so that
     * nothing of theirs is lost at any moment. An old directory holding subdirectories or other
     * non-files is refused (the directory is not ours to replace), as is the working directory.
     *
     * @param replaced names of old entries that belong to the set being replaced (e.g. any
     *                 {@code *.svg}); they are dropped when the new set lacks them
     */
    public static Path writeDirectory(Path target, java.util.function.Predicate<String> replaced, DirectoryBody body) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent == null) {
            throw new IOException(target + ": cannot replace the root directory");
        }
        if (absolute.equals(Path.of("").toAbsolutePath().normalize())) {
            throw new IOException(target + ": is the working directory; give a directory for the output alone");
        }
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(target + ": exists and is not a directory");
        }
        Files.createDirectories(parent);
        String name = absolute.getFileName().toString();
        removeStaleTemporaries(absolute);
        Path staging = parent.resolve(tempName(name, ""));
        Files.createDirectory(staging);
        boolean done = false;
        try {
            body.writeInto(staging);
            if (Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS)) {
                keepOthers(absolute, staging, replaced, target);
                Path old = parent.resolve(tempName(name, ".old"));
                Files.move(absolute, old, StandardCopyOption.ATOMIC_MOVE);
                try {
                    Files.move(staging, absolute, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    Files.move(old, absolute, StandardCopyOption.ATOMIC_MOVE);   // put the old one back
                    throw e;
                }
                done = true;
                deleteRecursively(old);
            } else {
                Files.move(staging, absolute, StandardCopyOption.ATOMIC_MOVE);
                done = true;
            }
            return target;
        } finally {
            if (!done) {
                deleteRecursively(staging);
            }
        }
    }

    private static void keepOthers(Path old, Path staging, java.util.function.Predicate<String> replaced, Path target) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(old)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (Files.exists(staging.resolve(n), LinkOption.NOFOLLOW_LINKS) || replaced.test(n)) {
                    continue;
                }
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException(target + ": holds " + n + ", which is not a file of its own output; the directory is"
                            + " replaced as a whole: give a new directory or one for this output alone");
                }
                try {
                    Files.createLink(staging.resolve(n), p);
                } catch (UnsupportedOperationException | IOException e) {
                    Files.copy(p, staging.resolve(n), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Atomically replaces {@code target} with what {@code body} writes; missing parent directories are created. */
    public static Path writeChannel(Path target, ChannelBody body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        removeStaleTemporaries(absolute);
        // Same directory as the target: a move within one file system can be atomic.
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName() + "." + PID + "-", ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.writeTo(ch);
                ch.force(true);
            }
            keepUsualPermissions(tmp, absolute);
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(target + ": file system cannot replace files atomically", e);
            }
            moved = true;
            return target;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Atomically replaces {@code target} with what {@code body} writes to a buffered stream. */
    public static Path write(Path target, StreamBody body) throws IOException {
        return writeChannel(target, ch -> {
            // Writers (Jackson) may close the stream they are given; the channel must stay open to be forced.
            OutputStream out = new BufferedOutputStream(new NonClosing(Channels.newOutputStream(ch)), 1 << 16);
            body.writeTo(out);
            out.flush();
        });
    }

    /** Atomically replaces {@code target} with {@code bytes}. */
    public static Path write(Path target, byte[] bytes) throws IOException {
        return write(target, out -> out.write(bytes));
    }

    /** Atomically replaces {@code target} with {@code text} in UTF-8. */
    public static Path writeString(Path target, String text) throws IOException {
        return write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Temporary files are created owner-only; give the result the replaced file's permissions, or
     * rw-r--r-- for a new file, as a plain write would under the usual umask.
     */
    private static void keepUsualPermissions(Path tmp, Path target) throws IOException {
        if (!Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return;
        }
        Set<PosixFilePermission> permissions = Files.exists(target)
                ? Files.getPosixFilePermissions(target)
                : PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(tmp, permissions);
    }

    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
