package dev.mosaic.moa.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code answers.jsonl}: one JSON object per finished prompt, appended with one write and forced
 * to disk, so an interrupted run keeps every answer it finished. On resume, a last line cut off by
 * a crash is dropped (the file is truncated to the last complete line) and the ids already
 * answered are skipped. Thread-safe.
 */
public final class AnswersLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final List<JsonNode> previous;

    private AnswersLog(Path file, FileChannel channel, List<JsonNode> previous) {
        this.file = file;
        this.channel = channel;
        this.previous = previous;
    }

    /**
     * Opens {@code file} for appending. With {@code resume} the answers already there are kept
     * (and returned by {@link #previous()}); without it the file starts empty.
     */
    public static AnswersLog open(Path file, boolean resume) throws IOException {
        List<JsonNode> prev = new ArrayList<>();
        if (resume && Files.exists(file)) {
            byte[] all = Files.readAllBytes(file);
            int end = all.length;
            while (end > 0 && all[end - 1] != '\n') {
                end--;
            }
            String text = new String(all, 0, end, StandardCharsets.UTF_8);
            int no = 0;
            for (String line : text.split("\n")) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode n = JSON.readTree(line);
                    if (n == null || !n.hasNonNull("id")) {
                        throw new IOException("no \"id\"");
                    }
                    prev.add(n);
                } catch (IOException e) {
                    throw new IOException(file + ":" + no + ": not an answers line (" + e.getMessage() + "); cannot resume", e);
                }
            }
            if (end < all.length) {
                try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    c.truncate(end);
                }
            }
        }
        FileChannel ch = resume
                ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        return new AnswersLog(file, ch, prev);
    }

    /** Answers already in the file when it was opened for resuming. */
    public List<JsonNode> previous() {
        return previous;
    }

    /** Ids of {@link #previous()}. */
    public Set<String> previousIds() {
        Set<String> ids = new LinkedHashSet<>();
        previous.forEach(n -> ids.add(n.get("id").asText()));
        return ids;
    }

    /** Appends one answer as a line and forces it to disk. */
    public synchronized void append(ObjectNode answer) {
        try {
            byte[] line = (JSON.writeValueAsString(answer) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
