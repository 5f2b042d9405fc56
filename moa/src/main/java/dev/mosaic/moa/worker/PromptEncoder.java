package dev.mosaic.moa.worker;

import dev.mosaic.inference.tokenizer.ChatMessage;
import dev.mosaic.inference.tokenizer.ChatTemplate;
import dev.mosaic.inference.tokenizer.Tokenizer;
import java.util.Optional;

/**
 * Turns a {@link JobRequest}'s conversation into a model's prompt token ids: through the model's
 * chat template where it has one (Llama 3, ChatML; the rendered text spells its own BOS and
 * control tokens), else the turns joined by blank lines after BOS. The profiler and the local
 * endpoint use the same encoder, so profiled and executed prompt lengths agree. Immutable and
 * thread-safe when the tokenizer is.
 */
public final class PromptEncoder {
    private final Tokenizer tokenizer;
    private final Optional<ChatTemplate> template;

    public PromptEncoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.template = tokenizer.chatTemplate();
    }

    /** The prompt token ids of {@code request}. */
    public int[] encode(JobRequest request) {
        if (template.isPresent()) {
            return tokenizer.encode(template.get().render(request.messages(), true), true);
        }
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : request.messages()) {
            if (!sb.isEmpty()) {
                sb.append("\n\n");
            }
            sb.append(m.content());
        }
        int[] body = tokenizer.encode(sb.toString(), false);
        if (tokenizer.bosId() < 0) {
            return body;
        }
        int[] ids = new int[body.length + 1];
        ids[0] = tokenizer.bosId();
        System.arraycopy(body, 0, ids, 1, body.length);
        return ids;
    }
}
