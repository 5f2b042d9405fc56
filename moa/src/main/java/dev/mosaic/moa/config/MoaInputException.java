package dev.mosaic.moa.config;

import java.nio.file.Path;

/**
 * Bad MoA input (configuration or prompts): names the file, the line where there is one, the
 * field and the reason, e.g. {@code prompts.jsonl:12: field "maxTokens.e1": must be >= 1, got 0}.
 *
 * <p>Thread-safe: the fields it adds to {@link RuntimeException} are final.
 */
public final class MoaInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int line;
    private final String field;

    /**
     * @param line 1-based line number, or 0 where the whole file is meant
     * @param field the JSON field path ({@code experts[1].model}), or null
     */
    public MoaInputException(Path file, int line, String field, String reason) {
        super(file + (line > 0 ? ":" + line : "") + ": " + (field != null ? "field \"" + field + "\": " : "") + reason);
        this.file = file;
        this.line = line;
        this.field = field;
    }

    public Path file() {
        return file;
    }

    /** 1-based line, or 0. */
    public int line() {
        return line;
    }

    /** Field path, or null. */
    public String field() {
        return field;
    }
}
