package dev.mosaic.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code mosaic serve} child process on a free 127.0.0.1 port (test code); closing it kills it. */
final class ServeProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    /** Starts {@code mosaic serve --model NAME=PATH ... --port 0} and waits for its listening line. */
    ServeProcess(List<String> models, int kvBudgetMiB) throws IOException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.mosaic.cli.Mosaic", "serve", "--port", "0", "--threads", "1", "--kv-budget", String.valueOf(kvBudgetMiB)));
        for (String m : models) {
            cmd.add("--model");
            cmd.add(m);
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        int p = -1;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/v1");
            StringBuilder seen = new StringBuilder();
            for (String line; p < 0 && (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    p = Integer.parseInt(m.group(1));
                }
            }
            if (p < 0) {
                throw new IOException("mosaic serve did not start: " + seen);
            }
            // keep draining its output so the child never blocks on a full pipe
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    out.transferTo(java.io.Writer.nullWriter());
                } catch (IOException ignored) {
                    // the process ended
                }
            });
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
        port = p;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    int port() {
        return port;
    }

    /** SIGKILL: the server vanishes mid-request, as a crashed node does. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
