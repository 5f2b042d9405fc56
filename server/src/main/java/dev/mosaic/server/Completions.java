package dev.mosaic.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.FinishReason;
import dev.mosaic.inference.engine.GenerationHandle;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.engine.GenerationResult;
import dev.mosaic.inference.engine.Sampler;
import dev.mosaic.inference.engine.TokenListener;
import dev.mosaic.inference.engine.TopLogprobsListener;
import dev.mosaic.inference.tokenizer.ChatTemplate;
import dev.mosaic.inference.tokenizer.Tokenizer;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs one completion or chat completion on a served model and writes the OpenAI response:
 * one JSON document, or server-sent events in the OpenAI chunk format ending with
 * {@code data: [DONE]}. A streaming client that goes away cancels its generation, which frees
 * its KV blocks at the engine's next step. Stateless apart from its collaborators; thread-safe.
 */
final class Completions {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final Object END = new Object();

    private final ObjectMapper json;
    private final ServerMetrics metrics;
    private final int maxQueue;

    Completions(ObjectMapper json, ServerMetrics metrics, int maxQueue) {
        this.json = json;
        this.metrics = metrics;
        this.maxQueue = maxQueue;
    }

    /** One generated token as the listener saw it. */
    private record TokenEvent(int token, float logprob, String text, Sampler.TopLogprobs top, long nanos) {}

    /**
     * Receives tokens on the engine thread: records latency metrics and hands each token to the
     * HTTP thread (streaming) or keeps its alternatives (non-streaming). Never blocks.
     */
    private static class Listener implements TokenListener {
        final ServerMetrics metrics;
        final String model;
        final long submitted;
        final BlockingQueue<Object> events;
        final List<Sampler.TopLogprobs> tops;
        long last;

        Listener(ServerMetrics metrics, String model, BlockingQueue<Object> events, List<Sampler.TopLogprobs> tops) {
            this.metrics = metrics;
            this.model = model;
            this.submitted = System.nanoTime();
            this.events = events;
            this.tops = tops;
        }

        @Override
        public void onToken(int token, float logprob, String text) {
            token(token, logprob, text, null);
        }

        final void token(int token, float logprob, String text, Sampler.TopLogprobs top) {
            long now = System.nanoTime();
            if (last == 0) {
                metrics.timeToFirstToken.labelValues(model).observe((now - submitted) / 1e9);
            } else {
                metrics.interTokenLatency.labelValues(model).observe((now - last) / 1e9);
            }
            last = now;
            if (events != null) {
                events.add(new TokenEvent(token, logprob, text, top, now));
            } else if (tops != null) {
                tops.add(top);
            }
        }
    }

    private static final class TopListener extends Listener implements TopLogprobsListener {
        final int k;

        TopListener(ServerMetrics metrics, String model, BlockingQueue<Object> events, List<Sampler.TopLogprobs> tops, int k) {
            super(metrics, model, events, tops);
            this.k = k;
        }

        @Override
        public int topLogprobs() {
            return k;
        }

        @Override
        public void onToken(int token, float logprob, String text) {
            token(token, logprob, text, null);
        }

        @Override
        public void onToken(int token, float logprob, String text, Sampler.TopLogprobs top) {
            token(token, logprob, text, top);
        }
    }

    /** The request encoded for the model: prompt ids and the engine request without a listener. */
    private record Prepared(int[] prompt, GenerationRequest request) {}

    void run(ServedModel model, CompletionRequest r, ServerResponse res) {
        Prepared p = prepare(model, r);
        String id = (r.chat() ? "chatcmpl-" : "cmpl-") + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        long created = System.currentTimeMillis() / 1000;
        boolean wantTop = r.topLogprobs() > 0;
        if (r.stream()) {
            stream(model, r, p, res, id, created, wantTop);
        } else {
            List<Sampler.TopLogprobs> tops = wantTop ? Collections.synchronizedList(new ArrayList<>()) : null;
            Listener l = wantTop ? new TopListener(metrics, model.name(), null, tops, r.topLogprobs())
                    : new Listener(metrics, model.name(), null, null);
            GenerationHandle h = submit(model, p, l);
            try (GenerationResult result = await(h)) {
                ObjectNode doc = json.createObjectNode();
                doc.put("id", id);
                doc.put("object", r.chat() ? "chat.completion" : "text_completion");
                doc.put("created", created);
                doc.put("model", model.name());
                ObjectNode choice = doc.putArray("choices").addObject();
                choice.put("index", 0);
                Tokenizer tok = model.engine().tokenizer();
                int[] ids = result.tokenIds();
                float[] lps = result.logprobs();
                int shown = shownTokens(tok, ids, result.finishReason());
                if (r.chat()) {
                    ObjectNode msg = choice.putObject("message");
                    msg.put("role", "assistant");
                    msg.put("content", result.text());
                    msg.putNull("refusal");
                    if (r.logprobs()) {
                        ArrayNode content = choice.putObject("logprobs").putArray("content");
                        for (int i = 0; i < shown; i++) {
                            content.add(chatLogprob(tok, ids[i], lps[i], tops != null ? tops.get(i) : null));
                        }
                        ((ObjectNode) choice.get("logprobs")).putNull("refusal");
                    } else {
                        choice.putNull("logprobs");
                    }
                } else {
                    choice.put("text", result.text());
                    if (r.logprobs()) {
                        choice.set("logprobs", legacyLogprobs(tok, ids, lps, tops, shown));
                    } else {
                        choice.putNull("logprobs");
                    }
                }
                choice.put("finish_reason", finishReason(result.finishReason()));
                doc.set("usage", usage(result.promptTokens(), result.generatedTokens()));
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.send(bytes(doc));
            }
        }
    }

    private Prepared prepare(ServedModel model, CompletionRequest r) {
        Engine engine = model.engine();
        Tokenizer tok = engine.tokenizer();
        int[] prompt;
        String field;
        if (r.chat()) {
            field = "messages";
            ChatTemplate template = tok.chatTemplate().orElseThrow(() -> ApiException.badRequest("model", "no_chat_template",
                    "Model '" + model.name() + "' has no chat template this server knows (Llama 3 or ChatML): use /v1/completions"));
            String rendered = template.render(r.messages(), true);
            prompt = tok.encode(rendered, true);
        } else if (r.promptIds() != null) {
            field = "prompt";
            prompt = r.promptIds();
            int vocab = engine.model().config().vocabSize();
            for (int t : prompt) {
                if (t >= vocab) {
                    throw ApiException.badField("prompt", "Token id " + t + " is outside the vocabulary of " + vocab);
                }
            }
        } else {
            field = "prompt";
            int[] body = tok.encode(r.promptText(), false);
            int bos = tok.bosId();
            prompt = body;
            if (bos >= 0) {
                prompt = new int[body.length + 1];
                prompt[0] = bos;
                System.arraycopy(body, 0, prompt, 1, body.length);
            }
        }
        if (prompt.length == 0) {
            throw ApiException.badField(field, "The prompt encodes to no tokens");
        }
        int context = engine.model().config().contextLength();
        if (prompt.length >= context) {
            throw ApiException.badRequest(field, "context_length_exceeded", "This model's maximum context length is " + context
                    + " tokens, but the prompt has " + prompt.length + " tokens (no room to generate)");
        }
        long kvTokens = engine.kvCapacityTokens();
        int room = (int) Math.min(context - prompt.length, kvTokens - prompt.length + 1);
        if (room < 1) {
            throw ApiException.badRequest(field, "context_length_exceeded", "The prompt of " + prompt.length
                    + " tokens does not fit this server's KV cache of " + kvTokens + " tokens");
        }
        int maxTokens;
        if (r.maxTokens() == null) {
            maxTokens = room;
        } else if (r.maxTokens() > room) {
            throw ApiException.badRequest(r.chat() ? "max_tokens" : "max_tokens", "context_length_exceeded", "max_tokens of "
                    + r.maxTokens() + " plus the prompt of " + prompt.length + " tokens exceed the " + Math.min(context,
                    kvTokens + 1) + " tokens this model can hold (context " + context + ", KV cache " + kvTokens + ")");
        } else {
            maxTokens = r.maxTokens();
        }
        GenerationRequest g = GenerationRequest.ofTokens(prompt).withMaxTokens(maxTokens).withSampling(r.sampling())
                .withStopStrings(r.stop()).withStopAtEos(!r.ignoreEos());
        return new Prepared(prompt, g);
    }

    private GenerationHandle submit(ServedModel model, Prepared p, Listener listener) {
        GenerationHandle h = model.submit(p.request().withListener(listener), p.prompt().length, maxQueue);
        h.result().whenComplete((result, error) -> {
            if (result != null) {
                String m = model.name();
                metrics.requests.labelValues(m, finishReason(result.finishReason())).inc();
                metrics.promptTokens.labelValues(m).inc(result.promptTokens());
                metrics.generationTokens.labelValues(m).inc(result.generatedTokens());
                metrics.requestLatency.labelValues(m).observe((result.finishedNanos() - result.submittedNanos()) / 1e9);
            }
        });
        // The engine validates synchronously: a request it refused is already complete.
        if (h.result().isCompletedExceptionally()) {
            try {
                h.result().get();
            } catch (ExecutionException e) {
                throw engineError(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return h;
    }

    private static GenerationResult await(GenerationHandle h) {
        try {
            return h.result().join();
        } catch (CompletionException e) {
            throw engineError(e.getCause());
        }
    }

    private static RuntimeException engineError(Throwable cause) {
        if (cause instanceof IllegalArgumentException) {
            return ApiException.badField("prompt", cause.getMessage());
        }
        if (cause instanceof java.util.concurrent.CancellationException || cause instanceof IllegalStateException) {
            return ApiException.unavailable("The request was cancelled: " + cause.getMessage(), 1);
        }
        return new IllegalStateException("generation failed: " + cause, cause);
    }

    private void stream(ServedModel model, CompletionRequest r, Prepared p, ServerResponse res, String id, long created,
                        boolean wantTop) {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        Listener l = wantTop ? new TopListener(metrics, model.name(), events, null, r.topLogprobs())
                : new Listener(metrics, model.name(), events, null);
        GenerationHandle h = submit(model, p, l);
        h.result().whenComplete((x, e) -> events.add(END));
        Tokenizer tok = model.engine().tokenizer();
        Set<Integer> stopIds = tok.stopIds();
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        boolean finished = false;
        try (OutputStream out = res.outputStream()) {
            if (r.chat()) {
                ObjectNode first = chunk(r, id, created, model.name());
                ObjectNode delta = ((ObjectNode) first.get("choices").get(0)).putObject("delta");
                delta.put("role", "assistant");
                delta.put("content", "");
                write(out, first);
                out.flush();
            }
            List<Object> batch = new ArrayList<>();
            while (!finished) {
                batch.add(events.take());
                events.drainTo(batch);
                for (Object ev : batch) {
                    if (ev == END) {
                        finished = true;
                        break;
                    }
                    TokenEvent t = (TokenEvent) ev;
                    boolean stopToken = stopIds.contains(t.token());
                    if (t.text().isEmpty() && (!r.logprobs() || stopToken)) {
                        continue; // nothing to show: half a UTF-8 character, text held back for a stop string, or EOS
                    }
                    ObjectNode c = chunk(r, id, created, model.name());
                    ObjectNode choice = (ObjectNode) c.get("choices").get(0);
                    if (r.chat()) {
                        choice.putObject("delta").put("content", t.text());
                    } else {
                        choice.put("text", t.text());
                    }
                    if (r.logprobs() && !stopToken) {
                        if (r.chat()) {
                            ObjectNode lp = choice.putObject("logprobs");
                            lp.putArray("content").add(chatLogprob(tok, t.token(), t.logprob(), t.top()));
                            lp.putNull("refusal");
                        } else {
                            choice.set("logprobs", legacyLogprobs(tok, new int[] {t.token()}, new float[] {t.logprob()},
                                    t.top() == null ? null : List.of(t.top()), 1));
                        }
                    } else {
                        choice.putNull("logprobs");
                    }
                    choice.putNull("finish_reason");
                    write(out, c);
                }
                batch.clear();
                out.flush();
            }
            try (GenerationResult result = await(h)) {
                ObjectNode c = chunk(r, id, created, model.name());
                ObjectNode choice = (ObjectNode) c.get("choices").get(0);
                if (r.chat()) {
                    choice.putObject("delta");
                } else {
                    choice.put("text", "");
                }
                choice.putNull("logprobs");
                choice.put("finish_reason", finishReason(result.finishReason()));
                c.set("usage", usage(result.promptTokens(), result.generatedTokens()));
                write(out, c);
                if (r.includeUsage()) {
                    ObjectNode u = chunk(r, id, created, model.name());
                    u.putArray("choices");
                    u.set("usage", usage(result.promptTokens(), result.generatedTokens()));
                    write(out, u);
                }
            } catch (ApiException e) {
                ObjectNode err = json.createObjectNode();
                MosaicServer.errorBody(err.putObject("error"), e);
                write(out, err);
            }
            out.write(DONE);
            out.flush();
        } catch (IOException | UncheckedIOException e) {
            // The client went away: stop generating, so its KV blocks return at the next step.
            h.cancel();
        } catch (InterruptedException e) {
            h.cancel();
            Thread.currentThread().interrupt();
        } finally {
            if (!finished) {
                h.cancel();
            }
            h.result().thenAccept(GenerationResult::close);
        }
    }

    private ObjectNode chunk(CompletionRequest r, String id, long created, String model) {
        ObjectNode c = json.createObjectNode();
        c.put("id", id);
        c.put("object", r.chat() ? "chat.completion.chunk" : "text_completion");
        c.put("created", created);
        c.put("model", model);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        return c;
    }

    private void write(OutputStream out, ObjectNode doc) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.US_ASCII));
        out.write(bytes(doc));
        out.write('\n');
        out.write('\n');
    }

    private byte[] bytes(ObjectNode doc) {
        try {
            return json.writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Tokens to report logprobs for: all, but not a final stop token (it has no text, as OpenAI's APIs show it). */
    private static int shownTokens(Tokenizer tok, int[] ids, FinishReason reason) {
        if (reason == FinishReason.STOP_TOKEN && ids.length > 0 && tok.stopIds().contains(ids[ids.length - 1])) {
            return ids.length - 1;
        }
        return ids.length;
    }

    private static String tokenText(Tokenizer tok, int id) {
        return id < tok.vocabSize() ? new String(tok.tokenBytes(id), StandardCharsets.UTF_8) : "";
    }

    private ObjectNode chatLogprob(Tokenizer tok, int id, float logprob, Sampler.TopLogprobs top) {
        ObjectNode o = json.createObjectNode();
        tokenEntry(o, tok, id, logprob);
        ArrayNode alts = o.putArray("top_logprobs");
        if (top != null) {
            for (int j = 0; j < top.ids().length; j++) {
                tokenEntry(alts.addObject(), tok, top.ids()[j], top.logprobs()[j]);
            }
        }
        return o;
    }

    private static void tokenEntry(ObjectNode o, Tokenizer tok, int id, float logprob) {
        o.put("token", tokenText(tok, id));
        o.put("logprob", logprob);
        ArrayNode b = o.putArray("bytes");
        if (id < tok.vocabSize()) {
            for (byte x : tok.tokenBytes(id)) {
                b.add(x & 0xff);
            }
        }
    }

    private ObjectNode legacyLogprobs(Tokenizer tok, int[] ids, float[] lps, List<Sampler.TopLogprobs> tops, int shown) {
        ObjectNode o = json.createObjectNode();
        ArrayNode tokens = o.putArray("tokens");
        ArrayNode tokenLogprobs = o.putArray("token_logprobs");
        ArrayNode top = o.putArray("top_logprobs");
        ArrayNode offsets = o.putArray("text_offset");
        int offset = 0;
        for (int i = 0; i < shown; i++) {
            String t = tokenText(tok, ids[i]);
            tokens.add(t);
            tokenLogprobs.add(lps[i]);
            offsets.add(offset);
            offset += t.length();
            ObjectNode alts = top.addObject();
            if (tops != null && tops.get(i) != null) {
                Sampler.TopLogprobs tl = tops.get(i);
                for (int j = 0; j < tl.ids().length; j++) {
                    alts.put(tokenText(tok, tl.ids()[j]), tl.logprobs()[j]);
                }
            }
        }
        return o;
    }

    private ObjectNode usage(int prompt, int generated) {
        ObjectNode u = json.createObjectNode();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", generated);
        u.put("total_tokens", prompt + generated);
        return u;
    }

    static String finishReason(FinishReason r) {
        return switch (r) {
            case STOP_TOKEN, STOP_STRING -> "stop";
            case MAX_TOKENS -> "length";
            case CANCELLED -> "cancelled";
        };
    }
}
