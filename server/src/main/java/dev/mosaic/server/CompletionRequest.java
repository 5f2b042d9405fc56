package dev.mosaic.server;

import static dev.mosaic.server.RequestFields.bool;
import static dev.mosaic.server.RequestFields.integer;
import static dev.mosaic.server.RequestFields.kind;
import static dev.mosaic.server.RequestFields.longInteger;
import static dev.mosaic.server.RequestFields.number;
import static dev.mosaic.server.RequestFields.present;
import static dev.mosaic.server.RequestFields.requiredString;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mosaic.inference.engine.SamplingParams;
import dev.mosaic.inference.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A validated {@code /v1/completions} or {@code /v1/chat/completions} request body.
 *
 * @param model the served model name
 * @param chat whether it came as chat messages (then {@code messages} is set, else one of the prompts)
 * @param messages the conversation, for chat
 * @param promptText the prompt as text, for completions
 * @param promptIds the prompt as token ids, for completions
 * @param maxTokens most tokens to generate, or {@code null} for "as many as fit"
 * @param sampling temperature, top-p, top-k, seed
 * @param stop stop strings
 * @param stream answer as server-sent events
 * @param includeUsage send a last chunk with usage only ({@code stream_options.include_usage})
 * @param logprobs return the chosen tokens' log-probabilities
 * @param topLogprobs alternatives per token to return (0 = none)
 * @param ignoreEos keep generating past the model's end-of-sequence tokens (vLLM's {@code ignore_eos}; for benchmarks)
 */
record CompletionRequest(String model, boolean chat, List<ChatMessage> messages, String promptText, int[] promptIds,
                         Integer maxTokens, SamplingParams sampling, List<String> stop, boolean stream, boolean includeUsage,
                         boolean logprobs, int topLogprobs, boolean ignoreEos) {

    /** OpenAI's own limit for top_logprobs. */
    static final int MAX_TOP_LOGPROBS = 20;

    static CompletionRequest parse(JsonNode body, boolean chat) {
        if (!body.isObject()) {
            throw ApiException.badField(null, "The request body must be a JSON object, got " + kind(body));
        }
        String model = requiredString(body, "model");
        List<ChatMessage> messages = null;
        String promptText = null;
        int[] promptIds = null;
        if (chat) {
            messages = messages(body);
        } else {
            JsonNode p = body.get("prompt");
            if (p == null || p.isNull()) {
                throw ApiException.badField("prompt", "'prompt' is required");
            }
            if (p.isTextual()) {
                promptText = p.textValue();
            } else if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
                promptText = p.get(0).textValue();
            } else if (p.isArray() && !p.isEmpty() && p.get(0).isNumber()) {
                promptIds = tokenIds(p, "prompt");
            } else if (p.isArray() && p.size() == 1 && p.get(0).isArray()) {
                promptIds = tokenIds(p.get(0), "prompt[0]");
            } else if (p.isArray() && p.size() > 1) {
                throw ApiException.badField("prompt", "'prompt' holds " + p.size() + " prompts; this server answers one prompt per request");
            } else {
                throw ApiException.badField("prompt", "'prompt' must be a string or an array of token ids, got " + kind(p));
            }
            if (promptText != null && promptText.isEmpty()) {
                throw ApiException.badField("prompt", "'prompt' must not be empty");
            }
        }
        Integer maxTokens = integer(body, "max_tokens", 1, Integer.MAX_VALUE);
        if (chat && present(body, "max_completion_tokens")) {
            maxTokens = integer(body, "max_completion_tokens", 1, Integer.MAX_VALUE);
        }
        if (!chat && maxTokens == null) {
            maxTokens = 16; // OpenAI's default for the legacy completions endpoint
        }
        Integer n = integer(body, "n", 1, 128);
        if (n != null && n != 1) {
            throw ApiException.badField("n", "'n' must be 1 on this server (one choice per request), got " + n);
        }
        if (bool(body, "echo", false)) {
            throw ApiException.badField("echo", "'echo' is not supported by this server");
        }
        Integer bestOf = integer(body, "best_of", 1, 128);
        if (bestOf != null && bestOf != 1) {
            throw ApiException.badField("best_of", "'best_of' must be 1 on this server, got " + bestOf);
        }
        for (String f : new String[] {"frequency_penalty", "presence_penalty"}) {
            Double v = number(body, f, -2, false, 2);
            if (v != null && v != 0) {
                throw ApiException.badField(f, "'" + f + "' is not supported by this server (only 0)");
            }
        }
        if (present(body, "logit_bias") && !(body.get("logit_bias").isObject() && body.get("logit_bias").isEmpty())) {
            throw ApiException.badField("logit_bias", "'logit_bias' is not supported by this server");
        }
        Double temperature = number(body, "temperature", 0, false, 2);
        Double topP = number(body, "top_p", 0, true, 1);
        Integer topK = integer(body, "top_k", -1, Integer.MAX_VALUE);
        Long seed = longInteger(body, "seed");
        double t = temperature != null ? temperature : 1.0;
        SamplingParams sampling = t == 0 ? SamplingParams.greedyDecoding()
                : new SamplingParams(false, (float) t, topK == null || topK < 0 ? 0 : topK, topP == null ? 1f : topP.floatValue(),
                seed != null ? seed : ThreadLocalRandom.current().nextLong());
        List<String> stop = stop(body);
        boolean stream = bool(body, "stream", false);
        boolean includeUsage = false;
        if (present(body, "stream_options")) {
            JsonNode so = body.get("stream_options");
            if (!so.isObject()) {
                throw ApiException.badField("stream_options", "'stream_options' must be an object, got " + kind(so));
            }
            try {
                includeUsage = bool(so, "include_usage", false);
            } catch (ApiException e) {
                throw ApiException.badField("stream_options.include_usage", "'stream_options.include_usage' must be a boolean");
            }
        }
        boolean logprobs;
        int top;
        if (chat) {
            logprobs = bool(body, "logprobs", false);
            Integer tl = integer(body, "top_logprobs", 0, MAX_TOP_LOGPROBS);
            if (tl != null && tl > 0 && !logprobs) {
                throw ApiException.badField("top_logprobs", "'top_logprobs' needs 'logprobs': true");
            }
            top = tl == null ? 0 : tl;
        } else {
            // The legacy endpoint's logprobs is the number of alternatives (0 = the chosen token's only).
            Integer lp = integer(body, "logprobs", 0, MAX_TOP_LOGPROBS);
            logprobs = lp != null;
            top = lp == null ? 0 : lp;
        }
        return new CompletionRequest(model, chat, messages, promptText, promptIds, maxTokens, sampling, stop, stream, includeUsage,
                logprobs, top, bool(body, "ignore_eos", false));
    }

    private static List<ChatMessage> messages(JsonNode body) {
        JsonNode ms = body.get("messages");
        if (ms == null || ms.isNull()) {
            throw ApiException.badField("messages", "'messages' is required");
        }
        if (!ms.isArray() || ms.isEmpty()) {
            throw ApiException.badField("messages", "'messages' must be a non-empty array, got " + (ms.isArray() ? "an empty array" : kind(ms)));
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            JsonNode m = ms.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiException.badField(where, "'" + where + "' must be an object, got " + kind(m));
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || role.textValue().isBlank()) {
                throw ApiException.badField(where + ".role", "'" + where + ".role' must be a non-empty string");
            }
            JsonNode content = m.get("content");
            String text;
            if (content == null || content.isNull()) {
                text = "";
            } else if (content.isTextual()) {
                text = content.textValue();
            } else if (content.isArray()) {
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j < content.size(); j++) {
                    JsonNode part = content.get(j);
                    String pw = where + ".content[" + j + "]";
                    if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                        throw ApiException.badField(pw, "'" + pw + "' must be a text part {\"type\": \"text\", \"text\": ...}"
                                + " (this server takes text only)");
                    }
                    sb.append(part.get("text").textValue());
                }
                text = sb.toString();
            } else {
                throw ApiException.badField(where + ".content", "'" + where + ".content' must be a string or an array of text parts, got "
                        + kind(content));
            }
            String r = role.textValue();
            out.add(new ChatMessage("developer".equals(r) ? "system" : r, text));
        }
        return out;
    }

    private static int[] tokenIds(JsonNode arr, String field) {
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode v = arr.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
                throw ApiException.badField(field, "'" + field + "[" + i + "]' must be a non-negative token id, got " + v);
            }
            ids[i] = v.intValue();
        }
        return ids;
    }

    private static List<String> stop(JsonNode body) {
        JsonNode s = body.get("stop");
        if (s == null || s.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (s.isTextual()) {
            out.add(s.textValue());
        } else if (s.isArray()) {
            for (int i = 0; i < s.size(); i++) {
                if (!s.get(i).isTextual()) {
                    throw ApiException.badField("stop", "'stop[" + i + "]' must be a string, got " + kind(s.get(i)));
                }
                out.add(s.get(i).textValue());
            }
        } else {
            throw ApiException.badField("stop", "'stop' must be a string or an array of strings, got " + kind(s));
        }
        if (out.size() > 16) {
            throw ApiException.badField("stop", "'stop' may hold at most 16 strings, got " + out.size());
        }
        for (String x : out) {
            if (x.isEmpty()) {
                throw ApiException.badField("stop", "'stop' strings must not be empty");
            }
        }
        return List.copyOf(out);
    }
}
