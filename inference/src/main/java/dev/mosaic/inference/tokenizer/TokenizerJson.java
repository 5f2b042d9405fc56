package dev.mosaic.inference.tokenizer;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mosaic.inference.model.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Builds a tokenizer from a Hugging Face {@code tokenizer.json} with a BPE model, reading BOS/EOS
 * and the chat template from {@code tokenizer_config.json}, {@code config.json} and
 * {@code generation_config.json} next to it when they exist.
 */
final class TokenizerJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final char METASPACE = '\u2581';

    private final Path file;
    /** Set while reading the normaliser and pre-tokenizer. */
    private boolean byteLevel;
    private boolean prependsSpace;
    private char spaceMark;

    private TokenizerJson(Path file) {
        this.file = file;
    }

    private ModelFormatException error(String field, String reason) {
        return new ModelFormatException(file, field, reason);
    }

    static Tokenizer load(Path file, String architectureHint) {
        return new TokenizerJson(file).load(architectureHint);
    }

    private static JsonNode read(Path file, String what) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelFormatException(file, what, "cannot read or parse: " + e.getMessage(), e);
        }
    }

    private Tokenizer load(String architectureHint) {
        if (!Files.isRegularFile(file)) {
            throw error("tokenizer.json", "no such file");
        }
        JsonNode root = read(file, "tokenizer.json");
        JsonNode model = root.path("model");
        if (!model.isObject()) {
            throw error("model", "missing");
        }
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw error("model.type", "unsupported tokenizer model '" + type + "' (supported: BPE)");
        }
        for (String field : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            if (!model.path(field).asText("").isEmpty()) {
                throw error("model." + field, "word prefixes/suffixes are not supported");
            }
        }
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject() || vocabNode.isEmpty()) {
            throw error("model.vocab", "missing or empty");
        }
        JsonNode added = root.path("added_tokens");
        // Ids index arrays: refuse an id that would make them far larger than the file's token count
        // (sparse ids up to this bound are fine; the unused ones become UNUSED tokens).
        long declared = (long) vocabNode.size() + added.size();
        long maxId = 2 * declared + 1023;
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        int size = 0;
        for (var it = vocabNode.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            String field = "model.vocab[\"" + new String(JsonStringEncoder.getInstance().quoteAsString(e.getKey())) + "\"]";
            int id = tokenId(e.getValue(), field, maxId, declared);
            vocab.put(e.getKey(), id);
            size = Math.max(size, id + 1);
        }
        for (int i = 0; i < added.size(); i++) {
            JsonNode a = added.get(i);
            if (!a.path("content").isTextual()) {
                throw error("added_tokens[" + i + "]", "entry " + a + " needs a string content");
            }
            size = Math.max(size, tokenId(a.path("id"), "added_tokens[" + i + "].id", maxId, declared) + 1);
        }
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        String unkText = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
        String[] texts = new String[size];
        TokenType[] types = new TokenType[size];
        for (var e : vocab.entrySet()) {
            int id = e.getValue();
            if (texts[id] != null) {
                throw error("model.vocab", "id " + id + " is used by both '" + texts[id] + "' and '" + e.getKey() + "'");
            }
            texts[id] = e.getKey();
            types[id] = e.getKey().equals(unkText) ? TokenType.UNKNOWN
                    : byteFallback && BaseTokenizer.byteTokenValue(e.getKey()) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
        }
        Map<String, Integer> addedIds = new HashMap<>();
        for (JsonNode a : added) {
            int id = a.path("id").asInt();
            String content = a.path("content").asText();
            if (texts[id] != null && !texts[id].equals(content)) {
                throw error("added_tokens", "id " + id + " is '" + content + "' but the vocabulary has '" + texts[id] + "' there");
            }
            texts[id] = content;
            types[id] = a.path("special").asBoolean(false) ? TokenType.CONTROL : TokenType.USER_DEFINED;
            addedIds.put(content, id);
        }
        for (int i = 0; i < size; i++) {
            if (texts[i] == null) {
                texts[i] = "";
                types[i] = TokenType.UNUSED;
            }
        }

        Map<String, Integer> pieces = new HashMap<>(size * 2);
        for (int i = 0; i < size; i++) {
            if (types[i] == TokenType.NORMAL) {
                pieces.putIfAbsent(texts[i], i);
            }
        }
        MergeTable merges = merges(model.path("merges"), pieces);

        UnaryOperator<String> normalizer = normalizer(root.path("normalizer"), "normalizer");
        PreTokenizer pre = preTokenizer(root.path("pre_tokenizer"), "pre_tokenizer");
        if (root.path("decoder").path("type").asText("").equals("ByteLevel")) {
            byteLevel = true;
        }
        BpeTokenizer.Alphabet alphabet = byteLevel ? BpeTokenizer.Alphabet.BYTE_LEVEL : BpeTokenizer.Alphabet.CHARACTERS;
        boolean ignoreMerges = model.path("ignore_merges").asBoolean(false);
        int unk = unkText == null ? -1 : vocab.getOrDefault(unkText, addedIds.getOrDefault(unkText, -1));

        BaseTokenizer.Specials specials = specials(root, texts, types, vocab, addedIds, architectureHint);
        return new BpeTokenizer(texts, types, pieces, merges, pre, normalizer, alphabet, ignoreMerges,
                byteLevel ? (char) 0 : spaceMark, !byteLevel && prependsSpace, unk, specials);
    }

    /** A token id from the file: an integer in {@code [0, maxId]}, else an error naming the field. */
    private int tokenId(JsonNode node, String field, long maxId, long declared) {
        if (!node.isIntegralNumber() && !(node.isFloatingPointNumber() && node.asDouble() == Math.rint(node.asDouble()))) {
            throw error(field, "id " + node + " is not an integer");
        }
        if (node.canConvertToLong() && node.asLong() >= 0 && node.asLong() <= maxId) {
            return (int) node.asLong();
        }
        throw error(field, "id " + node.asText() + " is outside [0, " + maxId + "] (ids may run up to twice the "
                + declared + " tokens of the file, plus 1024)");
    }

    private MergeTable merges(JsonNode node, Map<String, Integer> pieces) {
        if (!node.isArray()) {
            throw error("model.merges", node.isMissingNode() ? "missing" : "expected an array");
        }
        MergeTable table = new MergeTable(node.size());
        for (int rank = 0; rank < node.size(); rank++) {
            JsonNode m = node.get(rank);
            String left;
            String right;
            if (m.isTextual()) {
                // Old format "a b"; byte-level and metaspace tokens never contain a plain space.
                String rule = m.asText();
                int space = rule.indexOf(' ', 1);
                if (space < 0) {
                    throw error("model.merges", "entry " + rank + " '" + rule + "' is not two tokens separated by a space");
                }
                left = rule.substring(0, space);
                right = rule.substring(space + 1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                left = m.get(0).asText();
                right = m.get(1).asText();
            } else {
                throw error("model.merges", "entry " + rank + " " + m + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
            int r = rank;
            GgufTokenizers.addMerge(table, pieces, rank, left, right,
                    reason -> error("model.merges", "entry " + r + " ['" + left + "', '" + right + "']: " + reason));
        }
        return table;
    }

    private UnaryOperator<String> normalizer(JsonNode node, String field) {
        if (node.isNull() || node.isMissingNode()) {
            return s -> s;
        }
        String type = node.path("type").asText("");
        return switch (type) {
            case "NFC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFD);
            case "NFKC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFKD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            case "Lowercase" -> s -> s.toLowerCase(Locale.ROOT);
            case "Prepend" -> {
                String prefix = node.path("prepend").asText("");
                noteSpaceMark(prefix);
                prependsSpace |= prefix.equals(String.valueOf(METASPACE));
                yield s -> s.isEmpty() ? s : prefix + s;
            }
            case "Replace" -> {
                String content = node.path("content").asText("");
                JsonNode pattern = node.path("pattern");
                noteSpaceMark(content);
                if (pattern.has("String")) {
                    String literal = pattern.path("String").asText();
                    yield s -> s.replace(literal, content);
                }
                Pattern regex = compile(pattern.path("Regex").asText(), field + ".pattern");
                yield s -> RegexMatches.replaceAll(regex, s, content);
            }
            case "Sequence" -> {
                List<UnaryOperator<String>> steps = new ArrayList<>();
                int i = 0;
                for (JsonNode step : node.path("normalizers")) {
                    steps.add(normalizer(step, field + ".normalizers[" + i++ + "]"));
                }
                yield s -> {
                    for (UnaryOperator<String> step : steps) {
                        s = step.apply(s);
                    }
                    return s;
                };
            }
            default -> throw error(field + ".type", "unsupported normalizer '" + type
                    + "' (supported: NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Sequence)");
        };
    }

    private void noteSpaceMark(String s) {
        if (s.indexOf(METASPACE) >= 0) {
            spaceMark = METASPACE;
        }
    }

    private PreTokenizer preTokenizer(JsonNode node, String field) {
        if (node.isNull() || node.isMissingNode()) {
            return PreTokenizer.none();
        }
        String type = node.path("type").asText("");
        return switch (type) {
            case "ByteLevel" -> {
                byteLevel = true;
                yield PreTokenizer.byteLevel(node.path("add_prefix_space").asBoolean(false), node.path("use_regex").asBoolean(true));
            }
            case "Split" -> {
                if (node.path("invert").asBoolean(false)) {
                    throw error(field + ".invert", "inverted splits are not supported");
                }
                String behavior = node.path("behavior").asText("Isolated");
                if (!behavior.equals("Isolated")) {
                    throw error(field + ".behavior", "unsupported split behavior '" + behavior + "' (supported: Isolated)");
                }
                JsonNode pattern = node.path("pattern");
                String regex = pattern.has("Regex") ? pattern.path("Regex").asText() : Pattern.quote(pattern.path("String").asText());
                yield PreTokenizer.regex(compile(regex, field + ".pattern"));
            }
            case "Metaspace" -> {
                String replacement = node.path("replacement").asText(String.valueOf(METASPACE));
                if (replacement.length() != 1) {
                    throw error(field + ".replacement", "expected one character, found '" + replacement + "'");
                }
                // Older files say add_prefix_space, newer ones prepend_scheme.
                String scheme = node.has("prepend_scheme") ? node.path("prepend_scheme").asText()
                        : node.path("add_prefix_space").asBoolean(true) ? "always" : "never";
                spaceMark = replacement.charAt(0);
                prependsSpace |= !scheme.equals("never");
                yield PreTokenizer.metaspace(replacement.charAt(0), scheme.equals("always"), scheme.equals("first"),
                        node.path("split").asBoolean(true));
            }
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                int i = 0;
                for (JsonNode step : node.path("pretokenizers")) {
                    steps.add(preTokenizer(step, field + ".pretokenizers[" + i++ + "]"));
                }
                yield PreTokenizer.sequence(steps);
            }
            default -> throw error(field + ".type", "unsupported pre-tokenizer '" + type
                    + "' (supported: ByteLevel, Split, Metaspace, Sequence)");
        };
    }

    private Pattern compile(String regex, String field) {
        try {
            return SplitPatterns.compile(regex);
        } catch (PatternSyntaxException e) {
            throw error(field, "regex not supported by java.util.regex: " + e.getDescription());
        }
    }

    private BaseTokenizer.Specials specials(JsonNode root, String[] texts, TokenType[] types, Map<String, Integer> vocab,
                                            Map<String, Integer> addedIds, String architectureHint) {
        Path dir = file.toAbsolutePath().getParent();
        JsonNode tokConfig = sibling(dir, "tokenizer_config.json");
        JsonNode config = sibling(dir, "config.json");
        JsonNode genConfig = sibling(dir, "generation_config.json");
        Map<String, Integer> ids = new HashMap<>(vocab);
        ids.putAll(addedIds);

        // BOS: the special token the post-processor puts first, else tokenizer_config's when it asks for one.
        int bos = leadingSpecialToken(root.path("post_processor"), ids);
        String bosText = tokenName(tokConfig.path("bos_token"));
        if (bos < 0 && tokConfig.path("add_bos_token").asBoolean(false) && bosText != null) {
            bos = ids.getOrDefault(bosText, -1);
        }
        if (bosText == null && bos >= 0) {
            bosText = texts[bos];
        }

        Set<Integer> stops = new LinkedHashSet<>();
        int eos = -1;
        String eosText = tokenName(tokConfig.path("eos_token"));
        if (eosText != null) {
            eos = ids.getOrDefault(eosText, -1);
        }
        List<Integer> configEos = new ArrayList<>();
        configEos.addAll(intList(config.path("eos_token_id"), texts.length));
        configEos.addAll(intList(genConfig.path("eos_token_id"), texts.length));
        if (eos < 0 && !configEos.isEmpty()) {
            eos = configEos.getFirst();
        }
        if (eos < 0) {
            for (String name : List.of("<|end_of_text|>", "</s>", "<|endoftext|>")) {
                Integer id = addedIds.get(name);
                if (id != null && types[id] == TokenType.CONTROL) {
                    eos = id;
                    break;
                }
            }
        }
        if (eos >= 0) {
            stops.add(eos);
        }
        stops.addAll(configEos);
        stops.addAll(GgufTokenizers.namedControlTokens(texts, types));

        Set<String> markers = new HashSet<>();
        for (int i = 0; i < texts.length; i++) {
            if (types[i] == TokenType.CONTROL || types[i] == TokenType.USER_DEFINED) {
                markers.add(texts[i]);
            }
        }
        String architecture = config.path("model_type").isTextual() ? config.path("model_type").asText() : architectureHint;
        ChatTemplate chat = ChatTemplates.select(chatTemplateSource(tokConfig.path("chat_template")), architecture,
                markers::contains, bosText == null ? "" : bosText);
        return new BaseTokenizer.Specials(bos, eos, stops, chat);
    }

    private static JsonNode sibling(Path dir, String name) {
        Path p = dir == null ? null : dir.resolve(name);
        return p != null && Files.isRegularFile(p) ? read(p, name) : JSON.missingNode();
    }

    /** A token written as {@code "<s>"} or as {@code {"content": "<s>", ...}}; {@code null} if absent. */
    private static String tokenName(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        return node.path("content").isTextual() ? node.path("content").asText() : null;
    }

    private List<Integer> intList(JsonNode node, int size) {
        List<Integer> out = new ArrayList<>();
        if (node.canConvertToInt()) {
            out.add(node.asInt());
        } else if (node.isArray()) {
            node.forEach(n -> out.add(n.asInt(-1)));
        }
        out.removeIf(id -> id < 0 || id >= size);
        return out;
    }

    /** The id of the special token a TemplateProcessing post-processor writes before a single sequence, or -1. */
    private static int leadingSpecialToken(JsonNode node, Map<String, Integer> ids) {
        if (node.path("type").asText("").equals("Sequence")) {
            for (JsonNode p : node.path("processors")) {
                int id = leadingSpecialToken(p, ids);
                if (id >= 0) {
                    return id;
                }
            }
            return -1;
        }
        if (!node.path("type").asText("").equals("TemplateProcessing")) {
            return -1;
        }
        JsonNode first = node.path("single").path(0).path("SpecialToken");
        if (!first.isObject()) {
            return -1;
        }
        String name = first.path("id").asText();
        JsonNode special = node.path("special_tokens").path(name).path("ids");
        if (special.isArray() && special.size() == 1) {
            return special.get(0).asInt(-1);
        }
        return ids.getOrDefault(name, -1);
    }

    private static String chatTemplateSource(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            for (JsonNode t : node) {
                if (t.path("name").asText("").equals("default")) {
                    return t.path("template").asText(null);
                }
            }
        }
        return null;
    }
}
