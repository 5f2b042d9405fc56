package dev.mosaic.moa.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.tokenizer.Tokenizers;
import dev.mosaic.moa.config.MoaConfig;
import dev.mosaic.moa.worker.ComputeWorker;
import dev.mosaic.moa.worker.CpuWorker;
import dev.mosaic.moa.worker.ExpertEndpoint;
import dev.mosaic.moa.worker.PromptEncoder;
import dev.mosaic.moa.worker.SharedModels;
import dev.mosaic.moa.worker.WorkerLostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A worker that is an OpenAI-compatible server (vLLM, SGLang, llama.cpp server, mosaic serve).
 * Experts in {@code serves} are already loaded there under their server names; with
 * {@code manage} the worker loads other experts itself ({@code POST /models/load} with the
 * model's path, {@code POST /models/unload} when the replica closes: the llama.cpp router-mode
 * shape mosaic serve implements). Prompt lengths for planning come from each model's local
 * tokenizer (the model file named in moa.json). Memory is accounted like a CPU worker's (weights
 * plus KV budget per replica). Thread-safe.
 */
public final class OpenAiWorker implements ComputeWorker {
    private final MoaConfig.WorkerSpec spec;
    private final MoaConfig.Remote remote;
    private final SharedModels models;
    private final OpenAiClient client;
    private final List<OpenAiEndpoint> replicas = new ArrayList<>();
    private double usedGiB;
    private boolean closed;
    private volatile boolean lost;

    public OpenAiWorker(MoaConfig.WorkerSpec spec, SharedModels models) {
        if (!spec.kind().equals("openai") || spec.remote() == null) {
            throw new IllegalArgumentException("worker " + spec.id() + " is of kind " + spec.kind() + ", not openai");
        }
        this.spec = spec;
        this.remote = spec.remote();
        this.models = models;
        this.client = new OpenAiClient(remote.baseUrl(), remote.apiKey(), OpenAiClient.Policy.of(remote.timeoutSeconds(), remote.retries()));
    }

    @Override
    public String id() {
        return spec.id();
    }

    @Override
    public String kind() {
        return "openai";
    }

    @Override
    public String profileKey() {
        return "openai:" + remote.baseUrl() + ":concurrency=" + remote.concurrency();
    }

    @Override
    public double memoryGiB() {
        return spec.memoryGiB();
    }

    public MoaConfig.Remote remote() {
        return remote;
    }

    /** The client this worker's requests go through. */
    public OpenAiClient client() {
        return client;
    }

    /** Whether this worker may hold a replica of {@code expertId}: it serves it, or it is managed. */
    public boolean canHost(String expertId) {
        return remote.manage() || remote.serves().containsKey(expertId);
    }

    /** Whether {@code expertId} is already loaded there (a fixed {@code serves} entry: no load cost). */
    public boolean serves(String expertId) {
        return remote.serves().containsKey(expertId);
    }

    @Override
    public double replicaGiB(MoaConfig.ModelSpec model) {
        Model m = models.acquire(model.model());
        try {
            return CpuWorker.replicaGiB(SharedModels.weightBytes(m), spec.kvBudgetBytes());
        } finally {
            models.release(model.model());
        }
    }

    @Override
    public ExpertEndpoint open(MoaConfig.ModelSpec model) {
        String served = remote.serves().get(model.id());
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("worker " + spec.id() + " is closed");
            }
            if (lost) {
                // lost in an earlier stage of this run (an overlapped stage may still try it): no retries again
                throw new WorkerLostException(spec.id(), "lost earlier in this run", null);
            }
            if (served == null && !remote.manage()) {
                throw new IllegalStateException("worker " + spec.id() + " serves only " + remote.serves().keySet()
                        + " and is not managed (\"manage\": true), so it cannot hold " + model.id());
            }
        }
        double need = replicaGiB(model);
        synchronized (this) {
            if (usedGiB + need > spec.memoryGiB() + 1e-9) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s (%.3f GiB) does not fit worker %s: %.3f of %.3f GiB already used", model.id(), need, spec.id(), usedGiB,
                        spec.memoryGiB()));
            }
            usedGiB += need;
        }
        Model m = models.acquire(model.model());
        boolean loaded = false;
        try {
            PromptEncoder encoder = new PromptEncoder(Tokenizers.forModel(m));
            String name;
            try {
                if (served != null) {
                    name = served;
                    Set<String> there = servedNames();
                    if (!there.contains(name)) {
                        throw new IllegalStateException("worker " + spec.id() + " (" + remote.baseUrl() + ") does not serve model \""
                                + name + "\" for " + model.id() + "; it serves " + there);
                    }
                } else {
                    name = model.id();
                    var body = JsonNodeFactory.instance.objectNode().put("model", name).put("path", model.model().toString());
                    client.post("//models/load", body);
                    loaded = true;
                }
            } catch (RemoteException e) {
                throw e.unavailable() ? new WorkerLostException(spec.id(), e.getMessage(), e) : e;
            }
            boolean unloadOnClose = loaded;
            OpenAiEndpoint ep = new OpenAiEndpoint(spec.id(), model.id(), name, client, remote.concurrency(),
                    r -> encoder.encode(r).length, () -> released(model, need, unloadOnClose ? name : null));
            synchronized (this) {
                replicas.add(ep);
            }
            return ep;
        } catch (RuntimeException e) {
            models.release(model.model());
            synchronized (this) {
                usedGiB -= need;
            }
            throw e;
        }
    }

    /** The model names the server lists at {@code GET /v1/models}. */
    public Set<String> servedNames() {
        JsonNode list = client.get("/models");
        Set<String> out = new TreeSet<>();
        for (JsonNode d : list.path("data")) {
            out.add(d.path("id").asText());
        }
        return out;
    }

    private void released(MoaConfig.ModelSpec model, double gib, String unload) {
        try {
            if (unload != null && !lost) {
                try {
                    client.post("//models/unload", JsonNodeFactory.instance.objectNode().put("model", unload));
                } catch (RemoteException e) {
                    // a lost server has nothing to unload; a refused unload leaves the model there, which is harmless
                }
            }
        } finally {
            models.release(model.model());
            synchronized (this) {
                usedGiB -= gib;
            }
        }
    }

    /** A lost server is not asked to unload anything (each request would wait out its retries). */
    @Override
    public boolean canBeLost() {
        return true;
    }

    @Override
    public void markLost() {
        lost = true;
    }

    @Override
    public void close() {
        List<OpenAiEndpoint> open;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            open = new ArrayList<>(replicas);
            replicas.clear();
        }
        try {
            for (OpenAiEndpoint ep : open) {
                ep.close();
            }
        } finally {
            client.close();
        }
    }
}
