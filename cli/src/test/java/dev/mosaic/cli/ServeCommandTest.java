package dev.mosaic.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.inference.model.SyntheticModel;
import dev.mosaic.inference.tensor.GgmlType;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code mosaic serve} as a real process on 127.0.0.1: answers, then drains and exits on SIGTERM. */
@Timeout(120)
class ServeCommandTest {
    @TempDir
    Path dir;

    @Test
    void servesOnLoopbackAndDrainsOnSigterm() throws Exception {
        Path model = SyntheticModel.writeGguf(SyntheticModel.tiny("llama", false), GgmlType.F32, 3, dir.resolve("tiny.gguf"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.mosaic.cli.Mosaic", "serve", "--model", "m=" + model, "--port", "0", "--kv-budget", "16")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/v1");
            int port = -1;
            StringBuilder seen = new StringBuilder();
            for (String line; port < 0 && (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertTrue(port > 0, "no listening line in: " + seen);
            CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.lines().reduce("", (a, b) -> a + b + "\n");
                } catch (java.io.UncheckedIOException e) {
                    return ""; // the JDK closes a dead process's pipe under a concurrent read ("Stream closed")
                }
            });
            String models = http("GET", port, "/v1/models", null);
            assertTrue(models.startsWith("200 ") && models.contains("\"m\""), models);
            String completion = http("POST", port, "/v1/completions", "{\"model\": \"m\", \"prompt\": \"hello\", \"max_tokens\": 5}");
            assertTrue(completion.startsWith("200 "), completion);
            assertTrue(completion.replace(" ", "").contains("\"completion_tokens\":5"), completion);
            p.destroy(); // SIGTERM: drain, then exit
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "mosaic serve did not exit on SIGTERM");
            rest.get(10, TimeUnit.SECONDS);
        } finally {
            p.destroyForcibly();
        }
    }

    /** "STATUS BODY" of one request to 127.0.0.1 (java.base's client: the cli module reads no other). */
    static String http(String method, int port, String path, String body) throws java.io.IOException {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(5000);
        c.setReadTimeout(20000);
        if (body != null) {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            c.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        }
        int status = c.getResponseCode();
        java.io.InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        c.disconnect();
        return status + " " + text;
    }

    @Test
    void aMissingModelIsBadInput() {
        CliRun r = CliRun.run("serve", "--model", dir.resolve("nope.gguf").toString(), "--port", "0");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no such file"), r.err());
    }

}
