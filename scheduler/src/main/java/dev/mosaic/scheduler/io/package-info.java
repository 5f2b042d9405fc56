/**
 * File plumbing shared by every reader and writer: {@link dev.mosaic.scheduler.io.Json}, the one strict Jackson
 * configuration. Files are written through {@link dev.mosaic.common.AtomicFiles}.
 */
package dev.mosaic.scheduler.io;
