package dev.mosaic.inference.model.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A hand-rolled little-endian GGUF encoder for tests, independent of {@link GgufWriter}. */
final class GgufBytes {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    GgufBytes u8(int v) {
        out.write(v);
        return this;
    }

    GgufBytes u32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    GgufBytes u64(long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    GgufBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        out.writeBytes(b);
        return this;
    }

    GgufBytes f32(float f) {
        return u32(Float.floatToRawIntBits(f) & 0xFFFFFFFFL);
    }

    GgufBytes padTo(long alignment) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
