package dev.mosaic.inference.model;

import java.nio.file.Path;

/**
 * A model file is malformed or unsupported; the message names the file, the field or tensor, and the reason.
 *
 * <p>Thread-safe: the fields it adds to {@link RuntimeException} are final.
 */
public final class ModelFormatException extends RuntimeException {
    private final transient Path file;
    private final String field;

    public ModelFormatException(Path file, String field, String reason) {
        super(file + ": " + field + ": " + reason);
        this.file = file;
        this.field = field;
    }

    public ModelFormatException(Path file, String field, String reason, Throwable cause) {
        super(file + ": " + field + ": " + reason, cause);
        this.file = file;
        this.field = field;
    }

    /** The offending file. */
    public Path file() {
        return file;
    }

    /** The offending field, tensor or key. */
    public String field() {
        return field;
    }
}
