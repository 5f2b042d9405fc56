/**
 * HiGHS's {@code libhighs.so.1} as a resource ({@code native/linux-x86_64/libhighs.so.1}, not a
 * package, so visible to {@code dev.mosaic.bindings}' loader on the module path). No code.
 */
module dev.mosaic.highs.natives {
}
