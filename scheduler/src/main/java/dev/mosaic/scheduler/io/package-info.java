/**
 * File plumbing shared by every reader and writer: {@link dev.mosaic.scheduler.io.AtomicFiles}
 * (write to a temporary file, then atomically move) and {@link dev.mosaic.scheduler.io.Json} (the
 * one strict Jackson configuration).
 */
package dev.mosaic.scheduler.io;
