package dev.mosaic.inference.model;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How a model file's bytes reach memory: mapped (the default: no copy, pages shared with the page
 * cache and other processes) or read into anonymous memory ({@code mmap = false}, llama.cpp's
 * {@code --no-mmap}).
 *
 * <p>Why both: a mapped file that is truncated or rewritten in place while mapped makes the next
 * read of a vanished page raise SIGBUS, and native kernels cannot turn that into an exception,
 * so the process dies. Replacing a file atomically (write a new one, rename it over the old) is
 * safe with a mapping: the mapped inode lives on. Where files may be overwritten in place, read
 * them instead: the copy cannot change under the engine. Stateless, thread-safe.
 */
public final class ModelFiles {
    private ModelFiles() {}

    /**
     * The whole of {@code file} as a read-only segment owned by {@code arena}: mapped, or read
     * into memory allocated from the arena.
     *
     * @throws ModelFormatException naming the file if it is not a regular file or cannot be read
     */
    public static MemorySegment open(Path file, Arena arena, boolean mmap) {
        if (!Files.isRegularFile(file)) {
            // FIFOs, devices and directories would block or read forever
            throw new ModelFormatException(file, "file", Files.exists(file) ? "not a regular file" : "does not exist");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (mmap) {
                return ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
            MemorySegment copy = arena.allocate(Math.max(1, size), 64).asSlice(0, size);
            long done = 0;
            while (done < size) {
                int chunk = (int) Math.min(size - done, 1 << 30);
                int n = ch.read(copy.asSlice(done, chunk).asByteBuffer(), done);
                if (n < 0) {
                    throw new ModelFormatException(file, "file", "shrank while being read (" + done + " of " + size + " bytes)");
                }
                done += n;
            }
            return copy.asReadOnly();
        } catch (IOException e) {
            throw new ModelFormatException(file, "file", "cannot read: " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            throw new ModelFormatException(file, "file", "cannot hold its " + fileSize(file) + " bytes in memory (--no-mmap)", e);
        }
    }

    private static long fileSize(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }
}
