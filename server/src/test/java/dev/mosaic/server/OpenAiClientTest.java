package dev.mosaic.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import dev.mosaic.inference.engine.Engine;
import dev.mosaic.inference.engine.EngineConfig;
import dev.mosaic.inference.engine.GenerationRequest;
import dev.mosaic.inference.engine.GenerationResult;
import dev.mosaic.inference.model.ModelLoader;
import dev.mosaic.inference.tokenizer.ChatMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The official OpenAI Java client against a real server on 127.0.0.1 with two tiny generated models. */
@Timeout(120)
class OpenAiClientTest {
    @TempDir
    static Path dir;
    static Path modelA;
    static MosaicServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        modelA = TestServers.writeTiny(dir, "tiny-a", 11);
        Path modelB = TestServers.writeTiny(dir, "tiny-b", 12);
        Map<String, Path> models = new LinkedHashMap<>();
        models.put("a", modelA);
        models.put(ModelRegistry.defaultName(modelB), modelB);
        server = MosaicServer.start(ServerConfig.defaults().withPort(0).withKvBudgetBytes(16L << 20), models);
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey("unused")
                .maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** What the engine itself generates greedily for these prompt ids: the reference the server must reproduce. */
    private static GenerationResult direct(GenerationRequest request) {
        try (var model = ModelLoader.open(modelA); Engine engine = Engine.create(model, EngineConfig.cpu(1))) {
            return engine.submit(request).join();
        }
    }

    @Test
    void listsTheLoadedModels() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertEquals(List.of("a", "tiny-b"), ids);
    }

    @Test
    void greedyCompletionEqualsTheEnginesOwnGreedyOutput() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model("a").prompt("Once upon a time")
                .maxTokens(24).temperature(0).build());
        String expected;
        int promptTokens;
        try (var model = ModelLoader.open(modelA); Engine engine = Engine.create(model, EngineConfig.cpu(1));
             GenerationResult r = engine.submit(GenerationRequest.ofText("Once upon a time").withMaxTokens(24)).join()) {
            expected = r.text();
            promptTokens = r.promptTokens();
        }
        assertEquals(expected, c.choices().get(0).text());
        var usage = c.usage().orElseThrow();
        assertEquals(promptTokens, usage.promptTokens());
        assertTrue(usage.completionTokens() >= 1 && usage.completionTokens() <= 24);
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
    }

    @Test
    void chatUsesTheChatTemplateAndReportsUsage() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model("a")
                .addSystemMessage("Be brief.").addUserMessage("Hi there").maxCompletionTokens(16).temperature(0).seed(3).build());
        String rendered;
        String expected;
        try (var model = ModelLoader.open(modelA); Engine engine = Engine.create(model, EngineConfig.cpu(1))) {
            rendered = engine.tokenizer().chatTemplate().orElseThrow()
                    .render(List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi there")), true);
            try (GenerationResult r = engine.submit(GenerationRequest.ofText(rendered).withAddBos(false).withParseSpecial(true)
                    .withMaxTokens(16)).join()) {
                expected = r.text();
                assertEquals(r.promptTokens(), c.usage().orElseThrow().promptTokens());
            }
        }
        assertEquals(expected, c.choices().get(0).message().content().orElseThrow());
        assertEquals("assistant", c.choices().get(0).message()._role().asString().orElseThrow());
    }

    @Test
    void streamingWithLogprobsMatchesTheNonStreamedAnswer() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("tiny-b").addUserMessage("Count: 1 2 3")
                .maxCompletionTokens(20).temperature(0).logprobs(true).topLogprobs(3).build();
        ChatCompletion whole = client.chat().completions().create(params);
        StringBuilder text = new StringBuilder();
        List<ChatCompletionTokenLogprob> streamed = new ArrayList<>();
        String finish = null;
        long completionTokens = -1;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
                for (ChatCompletionChunk.Choice ch : chunk.choices()) {
                    ch.delta().content().ifPresent(text::append);
                    ch.logprobs().flatMap(ChatCompletionChunk.Choice.Logprobs::content).ifPresent(streamed::addAll);
                    if (ch.finishReason().isPresent()) {
                        finish = ch.finishReason().get().asString();
                    }
                }
                if (chunk.usage().isPresent()) {
                    completionTokens = chunk.usage().get().completionTokens();
                }
            }
        }
        assertEquals(whole.choices().get(0).message().content().orElseThrow(), text.toString());
        assertEquals(whole.choices().get(0).finishReason().asString(), finish);
        assertEquals(whole.usage().orElseThrow().completionTokens(), completionTokens);
        List<ChatCompletionTokenLogprob> expected = whole.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
        assertFalse(expected.isEmpty());
        assertEquals(expected.size(), streamed.size());
        for (int i = 0; i < expected.size(); i++) {
            ChatCompletionTokenLogprob e = expected.get(i);
            ChatCompletionTokenLogprob g = streamed.get(i);
            assertEquals(e.token(), g.token());
            assertEquals(e.logprob(), g.logprob(), 1e-6);
            assertEquals(3, g.topLogprobs().size());
            // Greedy: the chosen token is the most likely one, and alternatives come most likely first.
            assertEquals(g.token(), g.topLogprobs().get(0).token());
            assertEquals(g.logprob(), g.topLogprobs().get(0).logprob(), 1e-6);
            assertTrue(g.topLogprobs().get(0).logprob() >= g.topLogprobs().get(1).logprob());
            assertTrue(g.topLogprobs().get(1).logprob() >= g.topLogprobs().get(2).logprob());
            assertTrue(g.logprob() <= 0);
        }
    }

    @Test
    void streamedCompletionLogprobsEqualTheEngineLogprobs() {
        int[] prompt = {1, 45, 300, 17};
        CompletionCreateParams params = CompletionCreateParams.builder().model("a").prompt(CompletionCreateParams.Prompt.ofArrayOfTokens(
                List.of(1L, 45L, 300L, 17L))).maxTokens(12).temperature(0).logprobs(2).build();
        List<Double> got = new ArrayList<>();
        try (StreamResponse<Completion> s = client.completions().createStreaming(params)) {
            s.stream().forEach(c -> c.choices().forEach(ch -> ch.logprobs().ifPresent(lp ->
                    lp.tokenLogprobs().ifPresent(got::addAll))));
        }
        try (GenerationResult r = direct(GenerationRequest.ofTokens(prompt).withMaxTokens(12))) {
            float[] lps = r.logprobs();
            int shown = r.finishReason() == dev.mosaic.inference.engine.FinishReason.STOP_TOKEN ? lps.length - 1 : lps.length;
            assertEquals(shown, got.size());
            for (int i = 0; i < shown; i++) {
                assertEquals(lps[i], got.get(i), 1e-6, "token " + i);
            }
        }
    }

    @Test
    void errorsAreOpenAiErrorObjects() {
        NotFoundException nf = assertThrows(NotFoundException.class, () -> client.completions().create(
                CompletionCreateParams.builder().model("nope").prompt("x").maxTokens(2).build()));
        assertEquals(404, nf.statusCode());
        assertEquals("model_not_found", nf.code().orElseThrow());
        assertEquals("model", nf.param().orElseThrow());
        BadRequestException bad = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("a").addUserMessage("x").maxCompletionTokens(-5).build()));
        assertEquals(400, bad.statusCode());
        assertEquals("max_completion_tokens", bad.param().orElseThrow());
        assertEquals("invalid_request_error", bad.type().orElseThrow());
        BadRequestException temp = assertThrows(BadRequestException.class, () -> client.completions().create(
                CompletionCreateParams.builder().model("a").prompt("x").temperature(7.0).build()));
        assertEquals("temperature", temp.param().orElseThrow());
    }
}
