package dev.mosaic.inference.engine;

import dev.mosaic.inference.backend.AttentionBatch;
import dev.mosaic.inference.backend.Backend;
import dev.mosaic.inference.backend.BackendWeight;
import dev.mosaic.inference.backend.DType;
import dev.mosaic.inference.backend.DeviceBuffer;
import dev.mosaic.inference.backend.KvStorage;
import dev.mosaic.inference.backend.PreparedStep;
import dev.mosaic.inference.backend.StepMetadata;
import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.ModelFormatException;
import dev.mosaic.inference.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One transformer forward pass over a {@link Backend}, for a mixed batch of rows (prefill chunks
 * and decode tokens of many sequences): embedding, then per layer RMSNorm, q/k/v projections
 * (+ biases; + per-head q/k RMSNorm for qwen3), RoPE, KV store, paged attention, output projection and residual, RMSNorm, SwiGLU
 * feed-forward and residual; then the final norm and the output projection, only for the rows
 * whose logits are wanted.
 *
 * <p>A step's metadata goes to the backend once ({@link Backend#prepareStep}); the rows that need
 * logits are gathered on the backend, and the step ends in one read of the logits, so a GPU
 * backend syncs with the host once per step.
 *
 * <p>Owns the activation buffers (sized for {@code maxRows} rows) and a host staging area for
 * the logits; the weights belong to the backend. Not thread-safe.
 */
public final class ForwardPass implements AutoCloseable {
    private final ModelConfig config;
    private final Backend backend;
    private final int maxRows;
    private final int maxLogitRows;
    private final BackendWeight tokenEmbedding;
    private final BackendWeight outputNorm;
    private final BackendWeight output;
    private final List<Layer> layers = new ArrayList<>();
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private final DeviceBuffer x;
    private final DeviceBuffer xn;
    private final DeviceBuffer q;
    private final DeviceBuffer k;
    private final DeviceBuffer v;
    private final DeviceBuffer att;
    private final DeviceBuffer proj;
    private final DeviceBuffer gate;
    private final DeviceBuffer up;
    private final DeviceBuffer hidden;
    private final DeviceBuffer gathered;
    private final DeviceBuffer logits;
    // Shared: the engine builds the pass on the caller's thread and runs it on its own.
    private final Arena hostArena = Arena.ofShared();
    private final MemorySegment hostLogits;
    private final float scale;
    private boolean closed;

    private record Layer(BackendWeight attnNorm, BackendWeight wq, BackendWeight wk, BackendWeight wv,
                         BackendWeight bq, BackendWeight bk, BackendWeight bv, BackendWeight wo,
                         BackendWeight ffnNorm, BackendWeight gate, BackendWeight up, BackendWeight down,
                         BackendWeight qNorm, BackendWeight kNorm) {}

    /**
     * Rows of one step and which of them need logits. Not thread-safe by itself: the arrays are shared, not copied;
     * confine a step to one thread.
     */
    public record Step(int[] tokens, int[] positions, int[] slots, AttentionBatch attention, int[] logitRows) {
        public Step {
            int n = tokens.length;
            if (positions.length != n || slots.length != n || attention.rows() != n) {
                throw new IllegalArgumentException("step arrays disagree: " + n + " tokens, " + positions.length
                        + " positions, " + slots.length + " slots, " + attention.rows() + " attention rows");
            }
        }
    }

    /**
     * Prepares the model's weights on {@code backend} and allocates activations for up to
     * {@code maxRows} rows per step, {@code maxLogitRows} of them with logits.
     *
     * @throws ModelFormatException if a tensor is missing or its shape does not match the config
     */
    public ForwardPass(Model model, Backend backend, int maxRows, int maxLogitRows) {
        if (maxRows < 1 || maxLogitRows < 1 || maxLogitRows > maxRows) {
            throw new IllegalArgumentException("need 1 <= maxLogitRows <= maxRows, got " + maxLogitRows + ", " + maxRows);
        }
        this.config = model.config();
        this.backend = backend;
        this.maxRows = maxRows;
        this.maxLogitRows = maxLogitRows;
        ModelConfig c = config;
        int qDim = c.nHeads() * c.headDim();
        int kvDim = c.kvDim();
        if (c.nHeads() % c.nKvHeads() != 0) {
            throw new ModelFormatException(model.source(), "n_kv_heads", c.nKvHeads() + " does not divide n_heads " + c.nHeads());
        }
        tokenEmbedding = weight(model, "token_embd.weight", c.dim(), c.vocabSize());
        outputNorm = weight(model, "output_norm.weight", c.dim(), 1);
        // Like llama.cpp: a file without output.weight reuses the embeddings, tied or not.
        output = model.find("output.weight").isEmpty()
                ? tokenEmbedding : weight(model, "output.weight", c.dim(), c.vocabSize());
        for (int i = 0; i < c.nLayers(); i++) {
            String p = "blk." + i + ".";
            boolean bias = c.qkvBias();
            layers.add(new Layer(
                    weight(model, p + "attn_norm.weight", c.dim(), 1),
                    weight(model, p + "attn_q.weight", c.dim(), qDim),
                    weight(model, p + "attn_k.weight", c.dim(), kvDim),
                    weight(model, p + "attn_v.weight", c.dim(), kvDim),
                    bias ? weight(model, p + "attn_q.bias", qDim, 1) : null,
                    bias ? weight(model, p + "attn_k.bias", kvDim, 1) : null,
                    bias ? weight(model, p + "attn_v.bias", kvDim, 1) : null,
                    weight(model, p + "attn_output.weight", qDim, c.dim()),
                    weight(model, p + "ffn_norm.weight", c.dim(), 1),
                    weight(model, p + "ffn_gate.weight", c.dim(), c.ffnDim()),
                    weight(model, p + "ffn_up.weight", c.dim(), c.ffnDim()),
                    weight(model, p + "ffn_down.weight", c.ffnDim(), c.dim()),
                    c.qkNorm() ? weight(model, p + "attn_q_norm.weight", c.headDim(), 1) : null,
                    c.qkNorm() ? weight(model, p + "attn_k_norm.weight", c.headDim(), 1) : null));
        }
        // Ready the matmul operands now (CPU: the int8 repack), so the first request is as fast as later ones
        // and the load cost shows up as loading, where schedulers and profiles account for it.
        for (Layer l : layers) {
            for (BackendWeight w : new BackendWeight[] {l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()}) {
                backend.prepareMatmul(w);
            }
        }
        backend.prepareMatmul(output);
        try {
            x = buffer((long) maxRows * c.dim());
            xn = buffer((long) maxRows * c.dim());
            q = buffer((long) maxRows * qDim);
            k = buffer((long) maxRows * kvDim);
            v = buffer((long) maxRows * kvDim);
            att = buffer((long) maxRows * qDim);
            proj = buffer((long) maxRows * c.dim());
            gate = buffer((long) maxRows * c.ffnDim());
            up = buffer((long) maxRows * c.ffnDim());
            hidden = buffer((long) maxRows * c.ffnDim());
            gathered = buffer((long) maxLogitRows * c.dim());
            // Logits stay float32 whatever the activations are: sampling compares them closely.
            logits = backend.allocate((long) maxLogitRows * c.vocabSize(), DType.F32);
            buffers.add(logits);
            hostLogits = hostArena.allocate((long) maxLogitRows * c.vocabSize() * Float.BYTES, 64);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
        scale = (float) (1.0 / Math.sqrt(c.headDim()));
    }

    public ModelConfig config() {
        return config;
    }

    /** Most rows one step may have. */
    public int maxRows() {
        return maxRows;
    }

    /** Most rows of one step that may ask for logits. */
    public int maxLogitRows() {
        return maxLogitRows;
    }

    /** Bytes of weights one token's forward pass reads (every matrix once, embeddings row excluded). */
    public long weightBytesPerToken() {
        long bytes = output.tensor().data().byteSize() + outputNorm.tensor().data().byteSize();
        for (Layer l : layers) {
            for (BackendWeight w : new BackendWeight[] {l.attnNorm, l.wq, l.wk, l.wv, l.bq, l.bk, l.bv, l.wo,
                    l.ffnNorm, l.gate, l.up, l.down, l.qNorm, l.kNorm}) {
                if (w != null) {
                    bytes += w.tensor().data().byteSize();
                }
            }
        }
        return bytes;
    }

    /**
     * Runs {@code step}, storing its K/V rows in {@code kv}, and writes the logits of
     * {@code step.logitRows()[i]} to {@code out[i * vocab ..]}.
     */
    public void run(Step step, KvStorage kv, float[] out) {
        if (closed) {
            throw new IllegalStateException("forward pass is closed");
        }
        ModelConfig c = config;
        int rows = step.tokens().length;
        int nLogits = step.logitRows().length;
        if (rows < 1 || rows > maxRows) {
            throw new IllegalArgumentException("step has " + rows + " rows, capacity is " + maxRows);
        }
        if (nLogits > maxLogitRows) {
            throw new IllegalArgumentException("step asks for " + nLogits + " logit rows, capacity is " + maxLogitRows);
        }
        if (out.length < (long) nLogits * c.vocabSize()) {
            throw new IllegalArgumentException("logits array of " + out.length + " floats is too small for " + nLogits + " rows");
        }
        for (int t : step.tokens()) {
            if (t < 0 || t >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + t + " outside vocabulary of " + c.vocabSize());
            }
        }
        for (int r : step.logitRows()) {
            if (r < 0 || r >= rows) {
                throw new IllegalArgumentException("logit row " + r + " outside the step's " + rows + " rows");
            }
        }
        PreparedStep prepared = backend.prepareStep(new StepMetadata(step.tokens(), step.positions(), step.slots(),
                step.attention(), step.logitRows()));
        backend.embedding(x, tokenEmbedding, prepared);
        for (int li = 0; li < layers.size(); li++) {
            Layer l = layers.get(li);
            backend.rmsNorm(xn, x, l.attnNorm, rows, c.rmsNormEps());
            backend.matmul(q, l.wq, xn, rows);
            backend.matmul(k, l.wk, xn, rows);
            backend.matmul(v, l.wv, xn, rows);
            if (l.bq != null) {
                backend.addBias(q, l.bq, rows);
                backend.addBias(k, l.bk, rows);
                backend.addBias(v, l.bv, rows);
            }
            if (l.qNorm != null) {
                // qwen3: every head of q and k normalised on its own (rows of headDim), before RoPE
                backend.rmsNorm(q, q, l.qNorm, rows * c.nHeads(), c.rmsNormEps());
                backend.rmsNorm(k, k, l.kNorm, rows * c.nKvHeads(), c.rmsNormEps());
            }
            backend.rope(q, c.nHeads(), c.headDim(), prepared, c.rope());
            backend.rope(k, c.nKvHeads(), c.headDim(), prepared, c.rope());
            backend.kvStore(kv, li, k, v, prepared);
            backend.attention(att, q, kv, li, prepared, c.nHeads(), scale);
            backend.matmul(proj, l.wo, att, rows);
            backend.add(x, proj, (long) rows * c.dim());
            backend.rmsNorm(xn, x, l.ffnNorm, rows, c.rmsNormEps());
            backend.matmul(gate, l.gate, xn, rows);
            backend.matmul(up, l.up, xn, rows);
            backend.swiglu(hidden, gate, up, (long) rows * c.ffnDim());
            backend.matmul(proj, l.down, hidden, rows);
            backend.add(x, proj, (long) rows * c.dim());
        }
        if (nLogits == 0) {
            return;
        }
        DeviceBuffer finalRows = x;
        if (!isPrefix(step.logitRows())) {
            // Gather the rows that need logits so the vocab-sized projection runs only on them.
            backend.gatherRows(gathered, x, c.dim(), prepared);
            finalRows = gathered;
        }
        backend.rmsNorm(xn, finalRows, outputNorm, nLogits, c.rmsNormEps());
        backend.matmul(logits, output, xn, nLogits);
        long floats = (long) nLogits * c.vocabSize();
        backend.read(logits, 0, hostLogits, floats);
        MemorySegment.copy(hostLogits, ValueLayout.JAVA_FLOAT, 0, out, 0, Math.toIntExact(floats));
    }

    private static boolean isPrefix(int[] rows) {
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** Frees the activation buffers (weights stay with the backend). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (DeviceBuffer b : buffers) {
                b.close();
            }
            hostArena.close();
        }
    }

    private DeviceBuffer buffer(long floats) {
        DeviceBuffer b = backend.allocate(floats);
        buffers.add(b);
        return b;
    }

    private BackendWeight weight(Model model, String name, long cols, long rows) {
        Tensor t = model.tensor(name);
        if (t.cols() != cols || t.rows() != rows) {
            throw new ModelFormatException(model.source(), name, "shape " + Arrays.toString(t.shape()) + " does not match the config: expected "
                    + cols + " x " + rows + " (cols x rows)");
        }
        return backend.prepare(t);
    }
}
