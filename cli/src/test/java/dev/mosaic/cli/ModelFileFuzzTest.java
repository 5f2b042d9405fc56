package dev.mosaic.cli;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.model.gguf.GgufFile;
import dev.mosaic.inference.model.gguf.GgufReader;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of model files (issue 12): a valid GGUF and a valid Hugging Face directory
 * (safetensors, {@code config.json}, {@code tokenizer.json}) mutated the way a hostile or
 * unlucky user would (bytes of the GGUF header overwritten, hostile integers over its fields,
 * files cut short; safetensors dtypes, shapes and offsets changed or made to overlap; config
 * values zero, negative, huge, of the wrong type or gone; tokenizer ids, merges and split
 * regexes broken), then run through {@code model-info} and {@code generate} in-process. Every run
 * must succeed or exit 2 with one line that names the mutated file or its directory, within a
 * time bound; never another exit code, a stack trace or a crash (a native crash would take this
 * JVM and fail the run; no {@code hs_err} file may appear). The corpus is generated here, never
 * stored; a failure names the seed, case and mutation ({@code -Dmosaic.fuzz.seed=N} explores
 * another corpus).
 */
class ModelFileFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final long SEED = Long.getLong("mosaic.fuzz.seed", 7);
    private static final int GGUF_CASES = 160;
    private static final int HF_CASES = 160;

    private static final long[] HOSTILE_INTS = {0, 1, -1, 2, 3, 7, 255, 512, 513, 65_535, Integer.MAX_VALUE,
        1L << 31, 1L << 32, (1L << 32) - 1, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 62};

    private static final List<JsonNode> HOSTILE_JSON = List.of(NODES.numberNode(0), NODES.numberNode(-1),
            NODES.numberNode(1), NODES.numberNode(3), NODES.numberNode(513), NODES.numberNode(Integer.MAX_VALUE),
            NODES.numberNode(2147483648L), NODES.numberNode(Long.MAX_VALUE), NODES.numberNode(1e30), NODES.numberNode(1e-30),
            NODES.numberNode(0.5), NODES.textNode("x"), NODES.textNode(""), NODES.nullNode(), NODES.booleanNode(true),
            NODES.arrayNode(), NODES.objectNode());

    private static final List<String> HOSTILE_REGEX = List.of("(a|b)*", "(", "[", "\\p{Zzz}", "", "(?<=a+)b", "(a*)*$",
            "\\", "a{99999999}", "((((((((((x))))))))))");

    @TempDir
    Path dir;

    /**
     * Exit 0, or exit 2 with one line naming {@code named} (a file or directory name); model-info
     * lists what cannot run one reason per line after a first line naming the file.
     */
    private static void check(List<String> failures, String label, Path named, CliRun r) {
        String err = r.err().strip();
        String first = err.lines().findFirst().orElse("");
        if (r.exit() != 0 && r.exit() != 2) {
            failures.add(label + ": exit " + r.exit() + ": " + err);
        } else if (err.contains("\n\tat ") || err.contains("Exception in thread")) {
            failures.add(label + ": stack trace: " + err);
        } else if (r.exit() == 2 && err.lines().count() != 1 && !first.endsWith("cannot run this model:")) {
            failures.add(label + ": more than one line: " + err);
        } else if (r.exit() == 2 && (!first.contains(named.getFileName().toString()) || err.contains("internal error"))) {
            failures.add(label + ": does not name " + named.getFileName() + ": " + err);
        }
    }

    private static void assertNone(List<String> failures, int cases) {
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases + " cases failed:\n" + String.join("\n", failures));
    }

    private static CliRun generate(Path model) {
        return CliRun.run("generate", "--model", model.toString(), "--prompt", "hello world ab 12", "--greedy", "--max-tokens",
                "3", "--threads", "1", "--kv-mib", "16");
    }

    @Test
    void mutatedGgufFilesEndCleanly() throws Exception {
        Path base = SyntheticModel.writeGguf(SyntheticModel.tiny("llama", true), GgmlType.Q8_0, 3, dir.resolve("base.gguf"));
        byte[] bytes = Files.readAllBytes(base);
        long header;
        try (GgufFile f = GgufReader.open(base)) {
            header = f.dataOffset();
        }
        Random rnd = new Random(SEED);
        List<String> failures = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < GGUF_CASES; i++) {
            byte[] b = bytes.clone();
            String what;
            int kind = rnd.nextInt(10);
            if (kind < 4) {
                int n = 1 + rnd.nextInt(8);
                int at = rnd.nextInt((int) header - n);
                for (int k = 0; k < n; k++) {
                    b[at + k] = (byte) rnd.nextInt(256);
                }
                what = n + " random bytes at " + at;
            } else if (kind < 8) {
                boolean wide = rnd.nextBoolean();
                long v = HOSTILE_INTS[rnd.nextInt(HOSTILE_INTS.length)];
                int at = rnd.nextInt((int) header - 8);
                ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                if (wide) {
                    w.putLong(at, v);
                } else {
                    w.putInt(at, (int) v);
                }
                what = (wide ? "u64 " : "u32 ") + v + " at " + at;
            } else {
                int len = kind == 8 ? rnd.nextInt((int) header) : (int) header + rnd.nextInt(b.length - (int) header);
                b = java.util.Arrays.copyOf(b, len);
                what = "cut to " + len + " bytes";
            }
            Path f = dir.resolve("m" + i + ".gguf");
            Files.write(f, b);
            String label = "seed " + SEED + " gguf case " + i + " (" + what + ")";
            CliRun info = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> CliRun.run("model-info", "--model", f.toString()),
                    label);
            check(failures, label + " model-info", f, info);
            CliRun gen = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> generate(f), label);
            check(failures, label + " generate", f, gen);
            refused += gen.exit() == 2 ? 1 : 0;
            Files.delete(f);
        }
        assertNone(failures, GGUF_CASES);
        // not vacuous: most header mutations must be caught, and some must still load
        assertTrue(refused > GGUF_CASES / 4 && refused < GGUF_CASES, refused + " of " + GGUF_CASES + " refused");
        assertNoCrashReport();
    }

    @Test
    void mutatedHuggingFaceDirectoriesEndCleanly() throws Exception {
        Path base = SyntheticModel.writeSafetensors(SyntheticModel.tiny("llama", true), GgmlType.F16, 4, dir.resolve("base"));
        Random rnd = new Random(SEED + 1);
        List<String> failures = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < HF_CASES; i++) {
            Path d = dir.resolve("hf" + i);
            copy(base, d);
            int kind = rnd.nextInt(4);
            String what;
            Path named;
            if (kind == 0) {
                named = d.resolve("model.safetensors");
                what = mutateSafetensors(named, rnd);
            } else if (kind == 1) {
                named = d.resolve("config.json");
                what = mutateConfig(named, rnd);
            } else {
                named = d.resolve("tokenizer.json");
                what = mutateTokenizer(named, rnd);
            }
            String label = "seed " + SEED + " hf case " + i + " (" + named.getFileName() + ": " + what + ")";
            CliRun info = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> CliRun.run("model-info", "--model", d.toString()),
                    label);
            check(failures, label + " model-info", d, info);
            CliRun gen = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> generate(d), label);
            // the message names the directory, or the file in it (both contain the directory's name)
            check(failures, label + " generate", d, gen);
            refused += gen.exit() == 2 ? 1 : 0;
            deleteTree(d);
        }
        assertNone(failures, HF_CASES);
        assertTrue(refused > HF_CASES / 4 && refused < HF_CASES, refused + " of " + HF_CASES + " refused");
        assertNoCrashReport();
    }

    /** Changes one tensor's dtype, shape or offsets in the JSON header, the header length, or cuts the file. */
    private static String mutateSafetensors(Path file, Random rnd) throws IOException {
        byte[] b = Files.readAllBytes(file);
        long hlen = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int kind = rnd.nextInt(6);
        if (kind == 0) {
            long v = HOSTILE_INTS[rnd.nextInt(HOSTILE_INTS.length)];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
            Files.write(file, b);
            return "header length " + v;
        }
        if (kind == 1) {
            int len = rnd.nextInt(b.length);
            Files.write(file, java.util.Arrays.copyOf(b, len));
            return "cut to " + len;
        }
        ObjectNode h = (ObjectNode) JSON.readTree(new String(b, 8, (int) hlen, StandardCharsets.UTF_8));
        List<String> names = new ArrayList<>();
        h.fieldNames().forEachRemaining(n -> {
            if (!n.equals("__metadata__")) {
                names.add(n);
            }
        });
        String name = names.get(rnd.nextInt(names.size()));
        ObjectNode t = (ObjectNode) h.get(name);
        String what;
        if (kind == 2) {
            String dt = List.of("F32", "F16", "BF16", "I8", "U8", "F64", "I64", "BOOL", "XX", "").get(rnd.nextInt(10));
            t.put("dtype", dt);
            what = name + " dtype " + dt;
        } else if (kind == 3) {
            ArrayNode shape = (ArrayNode) t.get("shape");
            if (shape.isEmpty() || rnd.nextInt(4) == 0) {
                shape.add(HOSTILE_INTS[rnd.nextInt(HOSTILE_INTS.length)]);
            } else {
                shape.set(rnd.nextInt(shape.size()), NODES.numberNode(HOSTILE_INTS[rnd.nextInt(HOSTILE_INTS.length)]));
            }
            what = name + " shape " + shape;
        } else if (kind == 4) {
            ArrayNode off = (ArrayNode) t.get("data_offsets");
            off.set(rnd.nextInt(2), NODES.numberNode(HOSTILE_INTS[rnd.nextInt(HOSTILE_INTS.length)]));
            what = name + " data_offsets " + off;
        } else {
            // overlap: the tensor's range moved onto another's, same length
            String other = names.get(rnd.nextInt(names.size()));
            ArrayNode off = (ArrayNode) t.get("data_offsets");
            long len = off.get(1).asLong() - off.get(0).asLong();
            long start = h.get(other).get("data_offsets").get(0).asLong() + (rnd.nextBoolean() ? 0 : 2);
            off.set(0, NODES.numberNode(start));
            off.set(1, NODES.numberNode(start + len));
            what = name + " moved onto " + other + " " + off;
        }
        byte[] json = JSON.writeValueAsBytes(h);
        byte[] pad = new byte[(8 - json.length % 8) % 8];
        java.util.Arrays.fill(pad, (byte) ' ');
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + pad.length + (b.length - 8 - (int) hlen)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length + pad.length).put(json).put(pad).put(b, 8 + (int) hlen, b.length - 8 - (int) hlen);
        Files.write(file, out.array());
        return what;
    }

    private static final List<String> CONFIG_FIELDS = List.of("hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_key_value_heads", "vocab_size", "max_position_embeddings", "rms_norm_eps", "rope_theta",
            "head_dim", "tie_word_embeddings", "architectures", "rope_scaling", "sliding_window", "bos_token_id", "eos_token_id");

    private static String mutateConfig(Path file, Random rnd) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(file.toFile());
        String field = CONFIG_FIELDS.get(rnd.nextInt(CONFIG_FIELDS.size()));
        String what;
        if (rnd.nextInt(5) == 0) {
            c.remove(field);
            what = field + " removed";
        } else {
            JsonNode v = HOSTILE_JSON.get(rnd.nextInt(HOSTILE_JSON.size()));
            c.set(field, v);
            what = field + " = " + v;
        }
        Files.write(file, JSON.writeValueAsBytes(c));
        return what;
    }

    private static String mutateTokenizer(Path file, Random rnd) throws IOException {
        ObjectNode t = (ObjectNode) JSON.readTree(file.toFile());
        ObjectNode model = (ObjectNode) t.get("model");
        int kind = rnd.nextInt(6);
        String what;
        if (kind == 0) {
            ObjectNode vocab = (ObjectNode) model.get("vocab");
            List<String> keys = new ArrayList<>();
            vocab.fieldNames().forEachRemaining(keys::add);
            String k = keys.get(rnd.nextInt(keys.size()));
            JsonNode v = rnd.nextBoolean() ? NODES.numberNode(HOSTILE_INTS[rnd.nextInt(HOSTILE_INTS.length)])
                    : HOSTILE_JSON.get(rnd.nextInt(HOSTILE_JSON.size()));
            vocab.set(k, v);
            what = "vocab[" + k + "] = " + v;
        } else if (kind == 1) {
            ArrayNode merges = model.has("merges") && model.get("merges").isArray() ? (ArrayNode) model.get("merges") : null;
            if (merges != null && !merges.isEmpty()) {
                int at = rnd.nextInt(merges.size());
                JsonNode v = List.of(NODES.textNode("zz qq"), NODES.textNode("a"), NODES.textNode(""), NODES.numberNode(5),
                        NODES.arrayNode().add("a"), NODES.nullNode()).get(rnd.nextInt(6));
                merges.set(at, v);
                what = "merges[" + at + "] = " + v;
            } else {
                model.remove("merges");
                what = "merges removed";
            }
        } else if (kind == 2) {
            String re = HOSTILE_REGEX.get(rnd.nextInt(HOSTILE_REGEX.size()));
            boolean replaced = replaceRegex(t, re);
            what = replaced ? "split regex " + re : "no split regex (unchanged)";
        } else if (kind == 3) {
            ArrayNode added = t.has("added_tokens") && t.get("added_tokens").isArray() ? (ArrayNode) t.get("added_tokens") : null;
            if (added != null && !added.isEmpty()) {
                ObjectNode a = (ObjectNode) added.get(rnd.nextInt(added.size()));
                JsonNode v = NODES.numberNode(HOSTILE_INTS[rnd.nextInt(HOSTILE_INTS.length)]);
                a.set("id", v);
                what = "added_tokens id " + v;
            } else {
                t.set("added_tokens", NODES.arrayNode().add(NODES.objectNode().put("id", Integer.MAX_VALUE).put("content", "<x>")));
                what = "added token with id 2^31-1";
            }
        } else if (kind == 4) {
            JsonNode v = HOSTILE_JSON.get(rnd.nextInt(HOSTILE_JSON.size()));
            model.set("type", v);
            what = "model.type = " + v;
        } else {
            String[] top = {"model", "pre_tokenizer", "decoder", "normalizer", "added_tokens"};
            String k = top[rnd.nextInt(top.length)];
            JsonNode v = HOSTILE_JSON.get(rnd.nextInt(HOSTILE_JSON.size()));
            t.set(k, v);
            what = k + " = " + v;
        }
        Files.write(file, JSON.writeValueAsBytes(t));
        return what;
    }

    /** Replaces the first Split pre-tokenizer regex found anywhere in the tree. */
    private static boolean replaceRegex(JsonNode node, String re) {
        if (node instanceof ObjectNode o) {
            JsonNode pattern = o.get("pattern");
            if (pattern instanceof ObjectNode p && p.has("Regex")) {
                p.put("Regex", re);
                return true;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                if (replaceRegex(it.next().getValue(), re)) {
                    return true;
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (JsonNode x : a) {
                if (replaceRegex(x, re)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()));
            }
        }
    }

    private static void deleteTree(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private void assertNoCrashReport() throws IOException {
        try (Stream<Path> files = Stream.concat(Files.list(dir), Files.list(Path.of(".")))) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("hs_err")), "the JVM wrote a crash report");
        }
    }
}
