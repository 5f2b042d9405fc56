package dev.mosaic.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.model.gguf.GgufFile;
import dev.mosaic.inference.model.gguf.GgufReader;
import dev.mosaic.inference.tokenizer.ChatMessage;
import dev.mosaic.inference.tokenizer.ChatTemplate;
import dev.mosaic.inference.tokenizer.Tokenizer;
import dev.mosaic.inference.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mosaic tokenize}: encodes text with a model's tokenizer, or decodes ids.
 *
 * <p>Not thread-safe: picocli creates and fills one instance per command-line run.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Encode text with a model's tokenizer (a GGUF file, a tokenizer.json, or a safetensors model "
                + "directory), or decode token ids.")
public final class TokenizeCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M", description = "M.gguf, tokenizer.json, or a directory holding tokenizer.json")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", description = "text to encode (no BOS added)")
        String text;

        @Option(names = "--chat", paramLabel = "TEXT", description = "a user message: render it with the model's chat template and encode that")
        String chat;

        @Option(names = "--strings", paramLabel = "S.json", description = "a JSON array of strings: prints a JSON array of their id arrays")
        Path strings;

        @Option(names = "--decode", split = ",", paramLabel = "ID", description = "comma-separated ids to decode")
        int[] decode;
    }

    @Option(names = "--special", description = "treat control tokens written in the text (such as <|eot_id|>) as those tokens")
    boolean special;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Tokenizer tok = load(model);
        PrintWriter out = spec.commandLine().getOut();
        if (input.decode != null) {
            for (int id : input.decode) {
                if (id < 0 || id >= tok.vocabSize()) {
                    throw new BadInputException("--decode: id " + id + " is outside the vocabulary [0, " + tok.vocabSize() + ")");
                }
            }
            String text = tok.decode(input.decode);
            out.println(json ? JSON.createObjectNode().put("text", text).toString() : text);
        } else if (input.strings != null) {
            String[] texts = readStrings(input.strings);
            List<int[]> ids = new ArrayList<>();
            for (String s : texts) {
                ids.add(tok.encode(s, special));
            }
            out.println(JSON.writeValueAsString(ids));
        } else {
            String text = input.text;
            boolean parseSpecial = special;
            if (input.chat != null) {
                ChatTemplate template = tok.chatTemplate().orElseThrow(() ->
                        new BadInputException(model + ": the model has no chat template we support (Llama 3 or ChatML)"));
                text = template.render(List.of(new ChatMessage("user", input.chat)), true);
                parseSpecial = true;
            }
            int[] ids = tok.encode(text, parseSpecial);
            if (json) {
                ObjectNode o = JSON.createObjectNode();
                ids(o, ids);
                o.put("text", text);
                out.println(o);
            } else {
                out.println(tok);
                out.println(ids.length + " tokens");
                for (int id : ids) {
                    out.printf("%8d  %s%n", id, tok.isSpecial(id) ? "(control)" : show(tok.tokenBytes(id)));
                }
            }
        }
        out.flush();
        return 0;
    }

    private static void ids(ObjectNode o, int[] ids) {
        var arr = o.putArray("ids");
        for (int id : ids) {
            arr.add(id);
        }
    }

    private static String[] readStrings(Path file) {
        try {
            return JSON.readValue(file.toFile(), String[].class);
        } catch (IOException e) {
            throw new BadInputException(file + ": expected a JSON array of strings: " + e.getMessage(), e);
        }
    }

    /** Loads the tokenizer only (a GGUF file's metadata, not its tensors). */
    static Tokenizer load(Path path) {
        if (!Files.exists(path)) {
            throw new BadInputException(path + ": no such file or directory");
        }
        try {
            if (Files.isDirectory(path)) {
                return Tokenizers.fromTokenizerJson(path.resolve("tokenizer.json"));
            }
            if (path.getFileName().toString().endsWith(".json")) {
                return Tokenizers.fromTokenizerJson(path);
            }
            try (GgufFile f = GgufReader.open(path)) {
                return Tokenizers.fromGguf(f.metadata(), path);
            }
        } catch (ModelFormatException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    /** A token's bytes as a quoted string: escapes for control characters, <0xNN> for bytes that are not whole UTF-8. */
    static String show(byte[] bytes) {
        StringBuilder sb = new StringBuilder("'");
        var decoder = StandardCharsets.UTF_8.newDecoder();
        int i = 0;
        while (i < bytes.length) {
            int b = bytes[i] & 0xFF;
            int len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
            String ch = null;
            if (len > 0 && i + len <= bytes.length) {
                try {
                    ch = decoder.decode(java.nio.ByteBuffer.wrap(bytes, i, len)).toString();
                } catch (java.nio.charset.CharacterCodingException e) {
                    ch = null;
                }
            }
            if (ch == null) {
                sb.append(String.format("<0x%02X>", b));
                i++;
                continue;
            }
            switch (ch) {
                case "\n" -> sb.append("\\n");
                case "\r" -> sb.append("\\r");
                case "\t" -> sb.append("\\t");
                case "'" -> sb.append("\\'");
                case "\\" -> sb.append("\\\\");
                default -> {
                    if (ch.length() == 1 && Character.isISOControl(ch.charAt(0))) {
                        sb.append(String.format("\\u%04x", (int) ch.charAt(0)));
                    } else {
                        sb.append(ch);
                    }
                }
            }
            i += len;
        }
        return sb.append('\'').toString();
    }
}
