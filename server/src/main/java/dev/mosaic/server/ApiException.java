package dev.mosaic.server;

/**
 * A request the server refuses, carried to the HTTP layer as an OpenAI error object
 * ({@code {"error": {"message", "type", "param", "code"}}}) with its status and, for 429/503,
 * a {@code Retry-After} header.
 */
final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final int retryAfterSeconds;

    ApiException(int status, String type, String param, String code, String message, int retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: a field of the request is missing, of the wrong type or out of range. */
    static ApiException badField(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message, 0);
    }

    static ApiException badRequest(String param, String code, String message) {
        return new ApiException(400, "invalid_request_error", param, code, message, 0);
    }

    static ApiException modelNotFound(String model) {
        return new ApiException(404, "invalid_request_error", "model", "model_not_found",
                "The model '" + model + "' does not exist or is not loaded", 0);
    }

    /** 429: the model's wait queue is full. */
    static ApiException queueFull(String model, int queue, int retryAfter) {
        return new ApiException(429, "rate_limit_error", null, "queue_full", "Model '" + model + "' has " + queue
                + " requests waiting for KV cache space already (the queue limit); retry after " + retryAfter + " s", retryAfter);
    }

    /** 503: the server drains for shutdown, or the model is being unloaded. */
    static ApiException unavailable(String message, int retryAfter) {
        return new ApiException(503, "server_error", null, "unavailable", message, retryAfter);
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }

    String param() {
        return param;
    }

    String code() {
        return code;
    }

    int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
