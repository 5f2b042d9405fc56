package dev.mosaic.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextStreamTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private MemorySegment add(byte... b) {
        bytes.writeBytes(b);
        return MemorySegment.ofArray(bytes.toByteArray());
    }

    private MemorySegment add(String s) {
        return add(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void holdsBackSplitCharactersUntilComplete() {
        TextStream t = new TextStream(List.of());
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        assertEquals("a", t.advance(add((byte) 'a', euro[0])));
        assertEquals("", t.advance(add(euro[1])));
        assertEquals("€b", t.advance(add(euro[2], (byte) 'b')));
        byte[] grin = "\uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
        assertEquals("", t.advance(add(grin[0], grin[1], grin[2])));
        assertEquals("\uFFFD", t.flush(MemorySegment.ofArray(bytes.toByteArray()), bytes.size()));
    }

    @Test
    void holdsBackPossibleStopStringPrefixesAndFindsStops() {
        TextStream t = new TextStream(List.of("END", "\n\n"));
        assertEquals("hello ", t.advance(add("hello E")));
        assertEquals(-1, t.findStop(MemorySegment.ofArray(bytes.toByteArray()), 0));
        assertEquals("", t.advance(add("N")));
        assertEquals("ENx", t.advance(add("x"))); // not a stop after all: released
        MemorySegment all = add("yEN");
        assertEquals("y", t.advance(all));
        long before = all.byteSize();
        all = add("D!");
        long at = t.findStop(all, before);
        assertEquals("hello ENxy".length(), at);
        assertEquals("", t.flush(all, at)); // everything before the stop was already streamed
    }

    @Test
    void findsAStopSplitAcrossTokensAndTheEarliestOfSeveral() {
        TextStream t = new TextStream(List.of("cd", "bcd"));
        MemorySegment s = add("ab");
        assertEquals(-1, t.findStop(s, 0));
        long before = s.byteSize();
        s = add("cde");
        assertEquals(1, t.findStop(s, before));
    }
}
