package dev.mosaic.inference.model;

import dev.mosaic.inference.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A loaded model: its configuration and its weights, memory-mapped from the file(s) it came
 * from. Closing the model unmaps the files once no {@link Lease} holds it any more; tensors
 * must not be used afterwards. An engine takes a lease for its lifetime ({@link #retain()}), so
 * several engines can share one mapping of the weights and the model may be closed before them.
 *
 * <p>Implementations are thread-safe: tensors are immutable views, and {@link #retain()} and
 * {@link #close()} may be called from any thread ({@link ModelReferences} does the counting).
 *
 * <p>Tensors are named with GGUF's canonical names whatever the file format:
 * {@code token_embd.weight}, {@code output_norm.weight}, {@code output.weight} (absent when the
 * embeddings are tied), and per block {@code i}: {@code blk.i.attn_norm.weight},
 * {@code blk.i.attn_q.weight}, {@code blk.i.attn_k.weight}, {@code blk.i.attn_v.weight} (plus
 * {@code .bias} for qwen2), {@code blk.i.attn_output.weight}, {@code blk.i.ffn_norm.weight},
 * {@code blk.i.ffn_gate.weight}, {@code blk.i.ffn_up.weight}, {@code blk.i.ffn_down.weight}.
 */
public interface Model extends AutoCloseable {

    /** Hyper-parameters. */
    ModelConfig config();

    /** The tensor with this canonical name, if the file has it. */
    Optional<Tensor> find(String name);

    /** The tensor with this canonical name, or an exception naming the file and the tensor. */
    default Tensor tensor(String name) {
        return find(name).orElseThrow(() -> new ModelFormatException(source(), name, "tensor is missing"));
    }

    /** All tensors by canonical name. */
    Map<String, Tensor> tensors();

    /**
     * Raw metadata: GGUF key/values (strings, {@code Long} for every integer type,
     * {@code Double} for floats, {@code Boolean}, {@code java.util.List} for arrays), or the
     * parsed {@code config.json} for safetensors models.
     */
    Map<String, Object> metadata();

    /** The file (GGUF) or directory (safetensors) the model was loaded from. */
    Path source();

    /**
     * Fails, naming the file, if a mapped file of this model was changed in place since it was
     * opened (see {@link MappedFileGuard}); a no-op for weights read into memory. Cheap: one stat
     * per file. Engines call it before each step.
     *
     * @throws ModelFormatException naming the changed file
     */
    default void checkUnchanged() {
    }

    /** Whether {@link #close()} has not been called (leases may keep the memory mapped a while longer). */
    boolean isOpen();

    /**
     * Takes a reference that keeps the weights mapped until it is closed, even when the model
     * is closed first.
     *
     * @throws IllegalStateException naming the model's source if the model is closed
     */
    Lease retain();

    /** Marks the model closed and unmaps its files as soon as no lease holds them. Idempotent. */
    @Override
    void close();

    /** A reference to an open model, from {@link #retain()}; closing it more than once is harmless. */
    interface Lease extends AutoCloseable {
        @Override
        void close();
    }
}
