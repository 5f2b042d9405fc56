package dev.mosaic.inference.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Notices that a mapped model file was changed in place (size or modification time), so that
 * an engine can fail its requests cleanly, naming the file, instead of reading pages that may
 * have vanished. It narrows the danger of an in-place overwrite without removing it: a file cut
 * short while a step runs can still kill the process (SIGBUS in a kernel); reading the weights
 * into memory ({@link ModelFiles}, {@code --no-mmap}) removes it. One stat call per file and
 * check. Immutable, thread-safe.
 */
public final class MappedFileGuard {
    /** Guards nothing (weights read into memory). */
    public static final MappedFileGuard NONE = new MappedFileGuard(List.of());

    private record Identity(Path path, long size, long modified, Object key) {}

    private final List<Identity> files;

    private MappedFileGuard(List<Identity> files) {
        this.files = List.copyOf(files);
    }

    /** The identities of {@code paths} now. */
    public static MappedFileGuard of(List<Path> paths) {
        List<Identity> ids = new ArrayList<>();
        for (Path p : paths) {
            ids.add(identity(p));
        }
        return new MappedFileGuard(ids);
    }

    private static Identity identity(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return new Identity(p, a.size(), a.lastModifiedTime().toMillis(), a.fileKey());
        } catch (IOException e) {
            return new Identity(p, -1, -1, null);
        }
    }

    /**
     * Fails when a mapped file was changed in place (same inode, other size or modification
     * time). A file deleted, or replaced by renaming another over it, is fine: the mapping keeps
     * the old inode and its pages.
     *
     * @throws ModelFormatException naming the first file changed in place
     */
    public void check() {
        for (Identity was : files) {
            Identity now = identity(was.path());
            if (now.size() < 0 || was.key() == null || !Objects.equals(now.key(), was.key())) {
                continue;
            }
            String what = now.size() != was.size() ? "changed size from " + was.size() + " to " + now.size() + " bytes"
                    : now.modified() != was.modified() ? "was rewritten" : null;
            if (what != null) {
                throw new ModelFormatException(was.path(), "file", what + " in place while mapped; reopen the model "
                        + "(replace model files by renaming a new file over them, or load with --no-mmap, which reads "
                        + "the weights into memory)");
            }
        }
    }
}
