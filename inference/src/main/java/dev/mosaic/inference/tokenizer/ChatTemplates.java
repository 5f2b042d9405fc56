package dev.mosaic.inference.tokenizer;

import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises a model's chat format from its Jinja template (by the markers it writes) or, when
 * the file has no template, from the architecture and the control tokens of its vocabulary. No
 * Jinja is evaluated: the formats we know are rendered by {@link Llama3ChatTemplate} and
 * {@link ChatMlTemplate}.
 */
final class ChatTemplates {

    private static final String LLAMA3_HEADER = "<|start_header_id|>";
    private static final String LLAMA3_END = "<|eot_id|>";
    private static final String CHATML_START = "<|im_start|>";
    private static final String CHATML_END = "<|im_end|>";

    /** A literal default system turn in a ChatML template, e.g. {@code '<|im_start|>system\nYou are ...<|im_end|>\n'}. */
    private static final Pattern DEFAULT_SYSTEM =
            Pattern.compile("<\\|im_start\\|>system(?:\\\\n|\\n)([^'\"{}<]+)<\\|im_end\\|>");

    /** Llama 3.1+: the knowledge-date line of the system preamble, and the template's default date. */
    private static final Pattern KNOWLEDGE_DATE = Pattern.compile("Cutting Knowledge Date: ([^\"'\\\\{}\\n]+)(?:\\\\n|\\n)");
    private static final Pattern DEFAULT_DATE = Pattern.compile("set date_string = [\"']([^\"']+)[\"']");

    private ChatTemplates() {}

    /**
     * @param source the Jinja template text, or {@code null}
     * @param architecture the model architecture ({@code "llama"}, {@code "qwen2"}), or {@code null}
     * @param hasMarker whether the vocabulary has this control (or added) token
     * @param bosText the BOS token's text, or {@code ""}
     * @return the template, or {@code null} if the format is not one we know
     */
    static ChatTemplate select(String source, String architecture, Predicate<String> hasMarker, String bosText) {
        boolean llama3Tokens = hasMarker.test(LLAMA3_HEADER) && hasMarker.test("<|end_header_id|>") && hasMarker.test(LLAMA3_END);
        boolean chatMlTokens = hasMarker.test(CHATML_START) && hasMarker.test(CHATML_END);
        if (source != null && !source.isBlank()) {
            if (source.contains(LLAMA3_HEADER)) {
                return llama3Tokens ? new Llama3ChatTemplate(bosText, llama3SystemPreamble(source)) : null;
            }
            if (source.contains(CHATML_START)) {
                return chatMlTokens ? new ChatMlTemplate(defaultSystemPrompt(source)) : null;
            }
            return null;
        }
        if ("qwen2".equals(architecture) && chatMlTokens) {
            return new ChatMlTemplate(null);
        }
        if (llama3Tokens) {
            return new Llama3ChatTemplate(bosText);
        }
        return chatMlTokens ? new ChatMlTemplate(null) : null;
    }

    /**
     * The preamble Llama 3.1+ templates write at the start of the system turn, or {@code null} for
     * templates without one. Templates that would take today's date ({@code strftime_now}) get
     * their literal fallback date instead, so rendering stays deterministic.
     */
    static String llama3SystemPreamble(String source) {
        Matcher k = KNOWLEDGE_DATE.matcher(source);
        if (!k.find()) {
            return null;
        }
        Matcher d = DEFAULT_DATE.matcher(source);
        String date = d.find() ? d.group(1) : "26 Jul 2024";
        return "Cutting Knowledge Date: " + k.group(1) + "\nToday Date: " + date + "\n\n";
    }

    /** The literal default system message of a ChatML template (Qwen's), or {@code null}. */
    static String defaultSystemPrompt(String source) {
        Matcher m = DEFAULT_SYSTEM.matcher(source);
        if (!m.find()) {
            return null;
        }
        return m.group(1).replace("\\n", "\n").replace("\\t", "\t");
    }
}
