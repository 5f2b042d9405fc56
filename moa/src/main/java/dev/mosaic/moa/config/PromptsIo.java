package dev.mosaic.moa.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code prompts.jsonl}: one JSON object per line, {@code id} and {@code text} required,
 * {@code category}, {@code answer}, {@code experts} and {@code maxTokens} optional, other fields
 * ignored; blank lines are skipped. Errors name the file, the line and the field. Stateless and
 * thread-safe.
 */
public final class PromptsIo {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PromptsIo() {}

    /**
     * Reads every prompt of {@code file}, checking expert ids against {@code config} when it is not null.
     */
    public static List<RunPrompt> read(Path file, MoaConfig config) {
        List<RunPrompt> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<String> expertIds = new HashSet<>();
        if (config != null) {
            config.experts().forEach(e -> expertIds.add(e.id()));
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                RunPrompt p = parse(file, no, line, config == null ? null : expertIds);
                if (!seen.add(p.id())) {
                    throw new MoaInputException(file, no, "id", "duplicate prompt id \"" + p.id() + "\"");
                }
                out.add(p);
            }
        } catch (NoSuchFileException e) {
            throw new MoaInputException(file, 0, null, "no such file");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new MoaInputException(file, 0, null, "not valid UTF-8");
        } catch (IOException e) {
            throw new MoaInputException(file, 0, null, "cannot read: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw new MoaInputException(file, 0, null, "holds no prompts");
        }
        return out;
    }

    static RunPrompt parse(Path file, int no, String line, Set<String> expertIds) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new MoaInputException(file, no, null, "not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new MoaInputException(file, no, null, "each line must be a JSON object with \"id\" and \"text\"");
        }
        String id = text(file, no, n, "id", true);
        String text = text(file, no, n, "text", true);
        String category = text(file, no, n, "category", false);
        String answer = text(file, no, n, "answer", false);
        List<String> experts = null;
        JsonNode ex = n.get("experts");
        if (ex != null && !ex.isNull()) {
            if (!ex.isArray() || ex.isEmpty()) {
                throw new MoaInputException(file, no, "experts", "must be a non-empty array of expert ids");
            }
            experts = new ArrayList<>();
            for (int i = 0; i < ex.size(); i++) {
                JsonNode v = ex.get(i);
                String at = "experts[" + i + "]";
                if (!v.isTextual()) {
                    throw new MoaInputException(file, no, at, "must be an expert id (string)");
                }
                if (expertIds != null && !expertIds.contains(v.asText())) {
                    throw new MoaInputException(file, no, at, "unknown expert \"" + v.asText() + "\" (experts: " + expertIds + ")");
                }
                if (experts.contains(v.asText())) {
                    throw new MoaInputException(file, no, at, "expert \"" + v.asText() + "\" listed twice");
                }
                experts.add(v.asText());
            }
        }
        Map<String, Integer> caps = new LinkedHashMap<>();
        JsonNode mt = n.get("maxTokens");
        if (mt != null && !mt.isNull()) {
            if (!mt.isObject()) {
                throw new MoaInputException(file, no, "maxTokens", "must be an object mapping expert ids to token caps");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = mt.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String at = "maxTokens." + e.getKey();
                if (expertIds != null && !expertIds.contains(e.getKey())) {
                    throw new MoaInputException(file, no, at, "unknown expert \"" + e.getKey() + "\"");
                }
                JsonNode v = e.getValue();
                if (!v.isIntegralNumber() || v.asLong() < 1 || v.asLong() > (1 << 20)) {
                    throw new MoaInputException(file, no, at, "must be an integer in 1.." + (1 << 20) + ", got " + v);
                }
                caps.put(e.getKey(), v.asInt());
            }
        }
        return new RunPrompt(id, text, category, answer, experts, caps);
    }

    private static String text(Path file, int no, JsonNode n, String name, boolean required) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                throw new MoaInputException(file, no, name, "is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new MoaInputException(file, no, name, "must be a string, got " + v.getNodeType().name().toLowerCase());
        }
        if (required && v.asText().isEmpty()) {
            throw new MoaInputException(file, no, name, "must not be empty");
        }
        return v.asText();
    }
}
