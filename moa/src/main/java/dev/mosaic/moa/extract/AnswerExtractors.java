package dev.mosaic.moa.extract;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The answer extractors by their moa.json names. Each scans the bytes in place (backwards where
 * the last answer wins, so a long reasoning trace is mostly not read) and decodes only the
 * answer span; UTF-8 multibyte text around an answer is never mistaken for ASCII since every
 * byte of a multibyte sequence is &gt;= 0x80.
 *
 * <ul>
 *   <li>{@code choice}: a multiple-choice letter A-J written {@code Answer: C} / {@code answer is (C)}
 *       (case-insensitive "answer", optional {@code is}, {@code :}, {@code *}, {@code (}),
 *       {@code (C)}, or {@code \boxed{C}}; the last occurrence wins; a letter followed by a letter
 *       or digit ("Answer: Cats") is no answer.</li>
 *   <li>{@code number}: the last number, normalised: sign kept ({@code -}, not {@code +}), thousands
 *       separators dropped ({@code 1,234}), trailing fractional zeros and leading zeros dropped
 *       ({@code 007.50} becomes {@code 7.5}, {@code -0} becomes {@code 0}), fractions {@code a/b}
 *       reduced ({@code 6/8} becomes {@code 3/4}, {@code 4/2} becomes {@code 2}); no exponents,
 *       and {@code 0.75} is not equated with {@code 3/4}.</li>
 *   <li>{@code boxed}: the content of the last complete {@code \boxed{...}} (nested braces
 *       matched), whitespace runs collapsed to one space and trimmed.</li>
 *   <li>{@code lastline}: the last non-empty line, trimmed, whitespace collapsed, case-folded
 *       (Locale.ROOT), trailing {@code . ! ? , ; :} dropped.</li>
 *   <li>{@code regex:<pattern>}: the last match of a Java regular expression; group 1 when the
 *       pattern has a group, else the whole match. ASCII text is matched through a zero-copy
 *       view; other text is decoded into a per-thread reusable buffer.</li>
 * </ul>
 *
 * <p>Stateless (static methods only); thread-safe, and so are the extractors it returns (the regex extractor
 * decodes into a per-thread buffer).
 */
public final class AnswerExtractors {

    /** The extractor names. */
    public static final String KNOWN = "choice, number, boxed, lastline, regex:<pattern>";

    private AnswerExtractors() {}

    /**
     * The extractor written {@code spec}.
     *
     * @throws IllegalArgumentException naming the spec when it is unknown or its regex is invalid
     */
    public static AnswerExtractor parse(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("answer extractor is missing; known: " + KNOWN);
        }
        if (spec.startsWith("regex:")) {
            String p = spec.substring("regex:".length());
            if (p.isEmpty()) {
                throw new IllegalArgumentException("answer extractor '" + spec + "' needs a pattern after 'regex:'");
            }
            try {
                return new Regex(Pattern.compile(p));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("answer extractor '" + spec + "': bad regular expression: " + e.getDescription(), e);
            }
        }
        return switch (spec.strip()) {
            case "choice" -> CHOICE;
            case "number" -> NUMBER;
            case "boxed" -> BOXED;
            case "lastline" -> LASTLINE;
            default -> throw new IllegalArgumentException("unknown answer extractor '" + spec + "'; known: " + KNOWN);
        };
    }

    static final AnswerExtractor CHOICE = new Choice();
    static final AnswerExtractor NUMBER = new NumberExtractor();
    static final AnswerExtractor BOXED = new Boxed();
    static final AnswerExtractor LASTLINE = new LastLine();

    private static void check(MemorySegment text, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > text.byteSize()) {
            throw new IndexOutOfBoundsException("text range [" + offset + ", " + (offset + length) + ") outside a segment of "
                    + text.byteSize() + " bytes");
        }
    }

    private static int at(MemorySegment s, long i) {
        return s.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
    }

    private static boolean asciiAlnum(int b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }

    private static boolean space(int b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == 0x0B;
    }

    private static boolean matchesAt(MemorySegment s, long from, long i, String word, boolean ignoreCase) {
        if (i < from || i + word.length() > s.byteSize()) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            int b = at(s, i + k);
            int c = word.charAt(k);
            if (ignoreCase ? Character.toLowerCase(b) != c : b != c) {
                return false;
            }
        }
        return true;
    }

    private static String utf8(MemorySegment s, long start, long end) {
        byte[] b = new byte[(int) (end - start)];
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, start, b, 0, b.length);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String collapse(String s) {
        return s.strip().replaceAll("\\s+", " ");
    }

    /** {@code choice}. */
    private static final class Choice implements AnswerExtractor {
        @Override
        public ExtractedAnswer extract(MemorySegment s, long off, long len) {
            check(s, off, len);
            long end = off + len;
            for (long i = end - 1; i >= off; i--) {
                int b = at(s, i);
                if (b < 'A' || b > 'J') {
                    continue;
                }
                int next = i + 1 < end ? at(s, i + 1) : -1;
                int prev = i - 1 >= off ? at(s, i - 1) : -1;
                if (prev == '(' && next == ')') {
                    return found(b, i, off);
                }
                if (boxed(s, off, end, i)) {
                    return found(b, i, off);
                }
                if (!asciiAlnum(next) && !asciiAlnum(prev) && answerBefore(s, off, i)) {
                    return found(b, i, off);
                }
            }
            return null;
        }

        private static ExtractedAnswer found(int letter, long i, long off) {
            return new ExtractedAnswer(String.valueOf((char) letter), i - off, i - off + 1);
        }

        /** {@code \boxed{ C }} or {@code \boxed{(C)}} around the letter at i. */
        private static boolean boxed(MemorySegment s, long off, long end, long i) {
            long r = i + 1;
            if (r < end && at(s, r) == ')') {
                r++;
            }
            while (r < end && space(at(s, r))) {
                r++;
            }
            if (r >= end || at(s, r) != '}') {
                return false;
            }
            long l = i - 1;
            if (l >= off && at(s, l) == '(') {
                l--;
            }
            while (l >= off && space(at(s, l))) {
                l--;
            }
            return l >= off && at(s, l) == '{' && matchesAt(s, off, l - 6, "\\boxed", false);
        }

        /** "answer", optionally "is", ':', '*', '(' and spaces, right before position i. */
        private static boolean answerBefore(MemorySegment s, long off, long i) {
            long l = i - 1;
            while (l >= off && (space(at(s, l)) || at(s, l) == ':' || at(s, l) == '*' || at(s, l) == '(')) {
                l--;
            }
            if (l - 1 >= off && matchesAt(s, off, l - 1, "is", true) && (l - 2 < off || !asciiAlnum(at(s, l - 2)))) {
                l -= 2;
                while (l >= off && (space(at(s, l)) || at(s, l) == ':' || at(s, l) == '*')) {
                    l--;
                }
            }
            return matchesAt(s, off, l - 5, "answer", true) && (l - 6 < off || !asciiAlnum(at(s, l - 6)));
        }

        @Override
        public String spec() {
            return "choice";
        }
    }

    /** {@code number}. */
    private static final class NumberExtractor implements AnswerExtractor {
        @Override
        public ExtractedAnswer extract(MemorySegment s, long off, long len) {
            check(s, off, len);
            long i = off + len - 1;
            while (i >= off && !digit(at(s, i))) {
                i--;
            }
            if (i < off) {
                return null;
            }
            long e = i + 1;
            long st = i;
            // digits, and '.', ',' or '/' between digits
            while (st - 1 >= off) {
                int b = at(s, st - 1);
                if (digit(b)) {
                    st--;
                } else if ((b == '.' || b == ',' || b == '/') && st - 2 >= off && digit(at(s, st - 2))) {
                    st--;
                } else {
                    break;
                }
            }
            String raw = utf8(s, st, e);
            // a ',' that is no thousands separator, or a second '.' or '/', separates numbers: keep the last one
            raw = lastNumber(raw);
            st = e - raw.length();
            boolean negative = false;
            if (st - 1 >= off && at(s, st - 1) == '-' && (st - 2 < off || !asciiAlnum(at(s, st - 2)))) {
                negative = true;
            }
            String norm = normalise(raw);
            if (norm == null) {
                return null;
            }
            if (negative && !norm.equals("0")) {
                norm = "-" + norm;
                st--;
            }
            return new ExtractedAnswer(norm, st - off, e - off);
        }

        private static boolean digit(int b) {
            return b >= '0' && b <= '9';
        }

        static String lastNumber(String raw) {
            int slash = raw.lastIndexOf('/');
            if (slash >= 0) {
                String left = raw.substring(0, slash);
                String right = raw.substring(slash + 1);
                if (right.matches("\\d+") && lastNumber(left).matches("\\d+")) {
                    return lastNumber(left) + "/" + right;
                }
                return lastNumber(right);
            }
            int dot = raw.indexOf('.');
            if (dot >= 0 && raw.indexOf('.', dot + 1) >= 0) {
                return lastNumber(raw.substring(raw.lastIndexOf('.') + 1));
            }
            String intPart = dot >= 0 ? raw.substring(0, dot) : raw;
            String frac = dot >= 0 ? raw.substring(dot) : "";
            if (frac.contains(",")) {
                return lastNumber(raw.substring(raw.lastIndexOf(',') + 1));
            }
            if (intPart.contains(",") && !intPart.matches("\\d{1,3}(,\\d{3})+")) {
                return intPart.substring(intPart.lastIndexOf(',') + 1) + frac;
            }
            return raw;
        }

        static String normalise(String raw) {
            int slash = raw.indexOf('/');
            if (slash >= 0) {
                BigInteger a = new BigInteger(raw.substring(0, slash));
                BigInteger b = new BigInteger(raw.substring(slash + 1));
                if (b.signum() == 0) {
                    return null;
                }
                BigInteger g = a.gcd(b);
                if (g.signum() == 0) {
                    return "0";
                }
                a = a.divide(g);
                b = b.divide(g);
                return b.equals(BigInteger.ONE) ? a.toString() : a + "/" + b;
            }
            String r = raw.replace(",", "");
            int dot = r.indexOf('.');
            String ip = dot >= 0 ? r.substring(0, dot) : r;
            String fp = dot >= 0 ? r.substring(dot + 1) : "";
            ip = ip.replaceFirst("^0+(?=\\d)", "");
            if (ip.isEmpty()) {
                ip = "0";
            }
            fp = fp.replaceFirst("0+$", "");
            return fp.isEmpty() ? ip : ip + "." + fp;
        }

        @Override
        public String spec() {
            return "number";
        }
    }

    /** {@code boxed}. */
    private static final class Boxed implements AnswerExtractor {
        @Override
        public ExtractedAnswer extract(MemorySegment s, long off, long len) {
            check(s, off, len);
            long end = off + len;
            for (long i = end - 7; i >= off; i--) {
                if (at(s, i) != '\\' || !matchesAt(s, off, i, "\\boxed{", false)) {
                    continue;
                }
                long open = i + 7;
                int depth = 1;
                long j = open;
                while (j < end && depth > 0) {
                    int b = at(s, j);
                    depth += b == '{' ? 1 : b == '}' ? -1 : 0;
                    j++;
                }
                if (depth == 0) {
                    String content = collapse(utf8(s, open, j - 1));
                    if (!content.isEmpty()) {
                        return new ExtractedAnswer(content, open - off, j - 1 - off);
                    }
                }
            }
            return null;
        }

        @Override
        public String spec() {
            return "boxed";
        }
    }

    /** {@code lastline}. */
    private static final class LastLine implements AnswerExtractor {
        @Override
        public ExtractedAnswer extract(MemorySegment s, long off, long len) {
            check(s, off, len);
            long e = off + len;
            while (true) {
                while (e > off && space(at(s, e - 1))) {
                    e--;
                }
                if (e == off) {
                    return null;
                }
                long st = e;
                while (st > off && at(s, st - 1) != '\n' && at(s, st - 1) != '\r') {
                    st--;
                }
                while (space(at(s, st))) {
                    st++;
                }
                String line = collapse(utf8(s, st, e)).toLowerCase(Locale.ROOT).replaceFirst("[.!?,;:]+$", "").strip();
                if (!line.isEmpty()) {
                    return new ExtractedAnswer(line, st - off, e - off);
                }
                e = st; // a line of punctuation only: look further up
            }
        }

        @Override
        public String spec() {
            return "lastline";
        }
    }

    /** {@code regex:<pattern>}. */
    private static final class Regex implements AnswerExtractor {
        private final Pattern pattern;
        private final ThreadLocal<CharBuffer> scratch = ThreadLocal.withInitial(() -> CharBuffer.allocate(4096));
        private final ThreadLocal<CharsetDecoder> decoder = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE));

        Regex(Pattern pattern) {
            this.pattern = pattern;
        }

        @Override
        public ExtractedAnswer extract(MemorySegment s, long off, long len) {
            check(s, off, len);
            boolean ascii = true;
            for (long i = off; i < off + len && ascii; i++) {
                ascii = s.get(ValueLayout.JAVA_BYTE, i) >= 0;
            }
            CharSequence cs = ascii ? new AsciiView(s, off, (int) len) : decode(s, off, len);
            Matcher m = pattern.matcher(cs);
            int ms = -1;
            int me = -1;
            int g = pattern.matcher("").groupCount() >= 1 ? 1 : 0;
            int from = 0;
            while (from <= cs.length() && m.find(from)) {
                if (m.start(g) >= 0) {
                    ms = m.start(g);
                    me = m.end(g);
                }
                from = m.end() > m.start() ? m.end() : m.end() + 1;
            }
            if (ms < 0) {
                return null;
            }
            String answer = cs.subSequence(ms, me).toString();
            long bs = ascii ? ms : utf8Length(cs, 0, ms);
            long be = ascii ? me : bs + utf8Length(cs, ms, me);
            return new ExtractedAnswer(answer, bs, be);
        }

        private CharBuffer decode(MemorySegment s, long off, long len) {
            CharBuffer out = scratch.get();
            if (out.capacity() < len) {
                out = CharBuffer.allocate((int) Math.max(len, 2L * out.capacity()));
                scratch.set(out);
            }
            out.clear();
            CharsetDecoder d = decoder.get().reset();
            d.decode(s.asSlice(off, len).asByteBuffer(), out, true);
            d.flush(out);
            out.flip();
            return out;
        }

        /** UTF-8 bytes of chars [from, to) (after a malformed byte, replaced by U+FFFD, spans are approximate). */
        private static long utf8Length(CharSequence cs, int from, int to) {
            long n = 0;
            for (int i = from; i < to; i++) {
                char c = cs.charAt(i);
                if (c < 0x80) {
                    n += 1;
                } else if (c < 0x800) {
                    n += 2;
                } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(cs.charAt(i + 1))) {
                    n += 4;
                    i++;
                } else {
                    n += 3;
                }
            }
            return n;
        }

        @Override
        public String spec() {
            return "regex:" + pattern.pattern();
        }
    }

    /** A zero-copy CharSequence over ASCII bytes. */
    private record AsciiView(MemorySegment s, long off, int len) implements CharSequence {
        @Override
        public int length() {
            return len;
        }

        @Override
        public char charAt(int index) {
            if (index < 0 || index >= len) {
                throw new IndexOutOfBoundsException(index);
            }
            return (char) s.get(ValueLayout.JAVA_BYTE, off + index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new AsciiView(s, off + start, end - start);
        }

        @Override
        public String toString() {
            return utf8(s, off, off + len);
        }
    }
}
