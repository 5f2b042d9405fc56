package dev.mosaic.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Expected splits worked out by hand from the regexes' alternatives (first alternative that matches wins). */
class SplitPatternsTest {

    private static List<String> split(String regex, String text) {
        return PreTokenizer.regex(SplitPatterns.compile(regex)).split(text, true);
    }

    private static void llama3(String text, String... expected) {
        assertEquals(List.of(expected), split(SplitPatterns.LLAMA3, text), "llama3 split of " + text);
    }

    private static void qwen2(String text, String... expected) {
        assertEquals(List.of(expected), split(SplitPatterns.QWEN2, text), "qwen2 split of " + text);
    }

    private static void gpt2(String text, String... expected) {
        assertEquals(List.of(expected), split(SplitPatterns.GPT2, text), "gpt2 split of " + text);
    }

    @Test
    void llama3Contractions() {
        llama3("I'm here", "I", "'m", " here");
        // Case-insensitive contractions: "'S" is one piece.
        llama3("HELLO'S we'LL", "HELLO", "'S", " we", "'LL");
        // "'x" is no contraction: the apostrophe joins the letters as their optional leading non-letter.
        llama3("rock'n", "rock", "'n");
    }

    @Test
    void llama3NumbersGroupInThrees() {
        llama3("12345", "123", "45");
        llama3("x 1234567 y", "x", " ", "123", "456", "7", " y");
        llama3("3.14", "3", ".", "14");
    }

    @Test
    void llama3Whitespace() {
        // Two spaces before a word: \s+(?!\S) takes the first, the second leads the word.
        llama3("abc  def", "abc", " ", " def");
        // Newline runs stay apart from words; spaces before them join them (\s*[\r\n]+).
        llama3("a\n\nb", "a", "\n\n", "b");
        llama3("a  \n  x", "a", "  \n", " ", " x");
        llama3("line\r\nnext", "line", "\r\n", "next");
        // Punctuation swallows the newlines that follow it.
        llama3("hello!!\n\nok", "hello", "!!\n\n", "ok");
        // A tab is a non-letter prefix of the next word; trailing spaces are one piece.
        llama3("tab\tend   ", "tab", "\tend", "   ");
    }

    @Test
    void llama3UnicodeWhitespaceAndLetters() {
        // U+3000 is Unicode whitespace: with ASCII-only \s the two would wrongly form one punctuation run.
        llama3("a\u3000\u3000b", "a", "\u3000", "\u3000b");
        llama3("日本語のテキスト", "日本語のテキスト");
        llama3("naïve café", "naïve", " café");
        // Emoji are neither letters nor digits: a punctuation-like run with its leading space.
        llama3("hi 🎉🎉!", "hi", " 🎉🎉!");
    }

    @Test
    void qwen2SplitsEveryDigit() {
        qwen2("12345", "1", "2", "3", "4", "5");
        qwen2("x2024年", "x", "2", "0", "2", "4", "年");
        qwen2("I'M  ok\n", "I", "'M", " ", " ok", "\n");
    }

    @Test
    void gpt2Pattern() {
        gpt2("I'm here", "I", "'m", " here");
        // GPT-2's contractions are case-sensitive.
        gpt2("HELLO'S", "HELLO", "'", "S");
        gpt2("12345 678", "12345", " 678");
        gpt2("  hi", " ", " hi");
        // No newline rule: \s+(?!\S) backs off one character, the last newline is taken by \s+.
        gpt2("a\n\nb", "a", "\n", "\n", "b");
    }

    @Test
    void gapsBetweenMatchesAreKept() {
        assertEquals(List.of("a", "-", "b", "--"), PreTokenizer.regex(Pattern.compile("\\p{L}")).split("a-b--", true));
    }
}
