/**
 * The inference engine: model loaders (GGUF, safetensors), tokenizers, backends, paged KV cache,
 * engine and token buffers. Calls libmosaic through {@code dev.mosaic.bindings}; needs
 * {@code --enable-native-access=dev.mosaic.bindings,dev.mosaic.inference}.
 */
module dev.mosaic.inference {
    requires transitive dev.mosaic.bindings;
    requires transitive com.fasterxml.jackson.databind;
    requires jdk.management;

    exports dev.mosaic.inference.backend;
    exports dev.mosaic.inference.backend.cpu;
    exports dev.mosaic.inference.backend.cuda;
    exports dev.mosaic.inference.buffer;
    exports dev.mosaic.inference.engine;
    exports dev.mosaic.inference.kv;
    exports dev.mosaic.inference.model;
    exports dev.mosaic.inference.model.gguf;
    exports dev.mosaic.inference.model.safetensors;
    exports dev.mosaic.inference.tensor;
    exports dev.mosaic.inference.tokenizer;

    uses dev.mosaic.inference.backend.BackendProvider;
    provides dev.mosaic.inference.backend.BackendProvider with
            dev.mosaic.inference.backend.cpu.CpuBackendProvider, dev.mosaic.inference.backend.cuda.CudaBackendProvider;

    // Jackson reads config.json / tokenizer.json into these packages' types.
    opens dev.mosaic.inference.model to com.fasterxml.jackson.databind;
    opens dev.mosaic.inference.model.safetensors to com.fasterxml.jackson.databind;
    opens dev.mosaic.inference.tokenizer to com.fasterxml.jackson.databind;
}
