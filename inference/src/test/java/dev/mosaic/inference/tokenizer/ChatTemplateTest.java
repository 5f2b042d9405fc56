package dev.mosaic.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {

    /** Meta's Llama 3 Instruct template, as shipped in tokenizer_config.json and GGUF files. */
    static final String LLAMA3_JINJA = "{% set loop_messages = messages %}{% for message in loop_messages %}"
            + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}"
            + "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

    /** Qwen2 Instruct's ChatML template with its default system message. */
    static final String QWEN2_JINJA = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
            + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** The parts of Meta's Llama 3.1 Instruct template that shape a conversation without tools. */
    static final String LLAMA31_JINJA = "{{- bos_token }}\n{%- if not date_string is defined %}\n    {%- set date_string = \"26 Jul 2024\" %}\n{%- endif %}"
            + "\n{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content']|trim %}"
            + "\n    {%- set messages = messages[1:] %}\n{%- else %}\n    {%- set system_message = \"\" %}\n{%- endif %}"
            + "\n{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}"
            + "\n{{- \"Cutting Knowledge Date: December 2023\\n\" }}\n{{- \"Today Date: \" + date_string + \"\\n\\n\" }}"
            + "\n{{- system_message }}\n{{- \"<|eot_id|>\" }}\n{%- for message in messages %}"
            + "\n        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}"
            + "\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}";

    private static final List<ChatMessage> CONVERSATION = List.of(
            new ChatMessage("system", "Be brief."),
            new ChatMessage("user", "  What is 2+2?\n"),
            new ChatMessage("assistant", "4"),
            new ChatMessage("user", "And 3+3?"));

    @Test
    void llama3RendersExactly() {
        String expected = "<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n";
        ChatTemplate t = new Llama3ChatTemplate("<|begin_of_text|>");
        assertEquals(expected, t.render(CONVERSATION, true));
        assertEquals(expected.substring(0, expected.length() - "<|start_header_id|>assistant<|end_header_id|>\n\n".length()),
                t.render(CONVERSATION, false));
    }

    @Test
    void llama31AddsItsSystemPreamble() {
        Tokenizer t = Tokenizers.fromGguf(llama3Vocab().put("tokenizer.chat_template", LLAMA31_JINJA).gguf("gpt2"));
        ChatTemplate template = t.chatTemplate().orElseThrow();
        String preamble = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n";
        assertEquals(new Llama3ChatTemplate("<|begin_of_text|>", preamble), template);
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" + preamble + "Be brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", template.render(CONVERSATION, true));
        // Without a system message the system turn still comes, holding just the preamble.
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" + preamble + "<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>", template.render(List.of(new ChatMessage("user", "hi")), false));
    }

    @Test
    void chatMlRendersExactly() {
        String body = "<|im_start|>user\nhi there<|im_end|>\n";
        assertEquals(body + "<|im_start|>assistant\n",
                new ChatMlTemplate(null).render(List.of(new ChatMessage("user", "hi there")), true));
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" + body,
                new ChatMlTemplate("You are a helpful assistant.").render(List.of(new ChatMessage("user", "hi there")), false));
        // A system message of the caller's replaces the default; contents are not trimmed.
        assertEquals("<|im_start|>system\n S <|im_end|>\n" + body,
                new ChatMlTemplate("default").render(List.of(new ChatMessage("system", " S "), new ChatMessage("user", "hi there")), false));
    }

    private static TestVocabs.Builder llama3Vocab() {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        long bos = b.add("<|begin_of_text|>", 0, TokenType.CONTROL);
        b.add("<|end_of_text|>", 0, TokenType.CONTROL);
        b.add("<|start_header_id|>", 0, TokenType.CONTROL);
        b.add("<|end_header_id|>", 0, TokenType.CONTROL);
        b.add("<|eot_id|>", 0, TokenType.CONTROL);
        return b.put("tokenizer.ggml.bos_token_id", bos).put("tokenizer.ggml.eos_token_id", bos + 1)
                .put("tokenizer.ggml.pre", "llama-bpe");
    }

    private static TestVocabs.Builder qwenVocab() {
        TestVocabs.Builder b = TestVocabs.byteLevel();
        long eot = b.add("<|endoftext|>", 0, TokenType.CONTROL);
        b.add("<|im_start|>", 0, TokenType.CONTROL);
        b.add("<|im_end|>", 0, TokenType.CONTROL);
        return b.put("tokenizer.ggml.eos_token_id", eot).put("tokenizer.ggml.pre", "qwen2");
    }

    @Test
    void selectedFromTemplateMarkers() {
        Tokenizer llama = Tokenizers.fromGguf(llama3Vocab().put("tokenizer.chat_template", LLAMA3_JINJA).gguf("gpt2"));
        assertEquals(new Llama3ChatTemplate("<|begin_of_text|>"), llama.chatTemplate().orElseThrow());
        Tokenizer qwen = Tokenizers.fromGguf(qwenVocab().put("tokenizer.chat_template", QWEN2_JINJA).gguf("gpt2"));
        assertEquals(new ChatMlTemplate("You are a helpful assistant."), qwen.chatTemplate().orElseThrow());
    }

    @Test
    void qwen25DefaultSystemPromptIsFoundPastTheToolBranch() {
        // The shape of Qwen2.5's template: a tools branch that opens a system turn without a literal message,
        // a branch that uses the caller's system message, then the literal default.
        String qwen25 = "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}"
                + "\n        {{- messages[0]['content'] }}\n    {%- else %}"
                + "\n        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}\n    {%- endif %}"
                + "\n{%- else %}\n    {%- if messages[0]['role'] == 'system' %}"
                + "\n        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}"
                + "\n        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}"
                + "\n    {%- endif %}\n{%- endif %}";
        Tokenizer qwen = Tokenizers.fromGguf(qwenVocab().put("tokenizer.chat_template", qwen25).gguf("gpt2"));
        assertEquals(new ChatMlTemplate("You are Qwen, created by Alibaba Cloud. You are a helpful assistant."),
                qwen.chatTemplate().orElseThrow());
    }

    @Test
    void selectedFromArchitectureWithoutTemplate() {
        Tokenizer qwen = Tokenizers.fromGguf(qwenVocab().put("general.architecture", "qwen2").gguf("gpt2"));
        assertEquals(new ChatMlTemplate(null), qwen.chatTemplate().orElseThrow());
        Tokenizer llama = Tokenizers.fromGguf(llama3Vocab().put("general.architecture", "llama").gguf("gpt2"));
        assertInstanceOf(Llama3ChatTemplate.class, llama.chatTemplate().orElseThrow());
    }

    @Test
    void noTemplateForUnknownFormatsOrMissingMarkers() {
        // Llama 2's [INST] format is not one we render.
        String llama2 = "{% for message in messages %}{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}{% endfor %}";
        assertTrue(Tokenizers.fromGguf(llama3Vocab().put("tokenizer.chat_template", llama2).gguf("gpt2")).chatTemplate().isEmpty());
        // A ChatML template on a vocabulary without <|im_start|> would render text the model cannot see as markers.
        assertTrue(Tokenizers.fromGguf(llama3Vocab().put("tokenizer.chat_template", QWEN2_JINJA).gguf("gpt2")).chatTemplate().isEmpty());
        assertTrue(Tokenizers.fromGguf(TestVocabs.byteLevel().gguf("gpt2")).chatTemplate().isEmpty());
    }

    @Test
    void renderedPromptEncodesWithOneBosAndControlTokens() {
        TestVocabs.Builder b = llama3Vocab().put("tokenizer.chat_template", LLAMA3_JINJA);
        Tokenizer t = Tokenizers.fromGguf(b.gguf("gpt2"));
        String prompt = t.chatTemplate().orElseThrow().render(List.of(new ChatMessage("user", "hi")), true);
        int[] ids = t.encode(prompt, true);
        int bos = b.id("<|begin_of_text|>");
        int start = b.id("<|start_header_id|>");
        int end = b.id("<|end_header_id|>");
        int eot = b.id("<|eot_id|>");
        int nl = '\n';
        int[] expected = {bos, start, 'u', 's', 'e', 'r', end, nl, nl, 'h', 'i', eot, start, 'a', 's', 's', 'i', 's', 't', 'a', 'n', 't', end, nl, nl};
        // The two newlines are one pre-token (\s*[\r\n]+) with no merge rule, so they stay two byte tokens.
        assertArrayEquals(expected, ids);
        assertEquals(1, IntStream.of(ids).filter(id -> id == bos).count());
        assertTrue(t.stopIds().containsAll(List.of(eot, b.id("<|end_of_text|>"))));
    }
}
