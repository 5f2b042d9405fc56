/** Small shared utilities: atomic file writes. */
module dev.mosaic.common {
    exports dev.mosaic.common;
}
