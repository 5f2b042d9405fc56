package dev.mosaic.moa.remote;

/**
 * A request to an OpenAI-compatible server that did not succeed. {@link #unavailable()} says the
 * server could not be reached or kept failing (connection errors, timeouts, 429, 5xx) through all
 * retries: the worker is down. Otherwise the server refused the request itself (other 4xx).
 *
 * <p>Thread-safe: the fields it adds to {@link RuntimeException} are final.
 */
public final class RemoteException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String baseUrl;
    private final boolean unavailable;
    private final int status;

    public RemoteException(String baseUrl, String message, boolean unavailable, int status, Throwable cause) {
        super(baseUrl + ": " + message, cause);
        this.baseUrl = baseUrl;
        this.unavailable = unavailable;
        this.status = status;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** Whether the server stayed unreachable or failing through every retry. */
    public boolean unavailable() {
        return unavailable;
    }

    /** The last HTTP status, 0 when no answer came. */
    public int status() {
        return status;
    }
}
