/**
 * Hugging Face safetensors models: {@link dev.mosaic.inference.model.safetensors.SafetensorsFile}
 * maps one file, {@link dev.mosaic.inference.model.safetensors.SafetensorsModel} combines
 * {@code config.json} with one file or the shards of {@code model.safetensors.index.json} under
 * GGUF's canonical tensor names ({@link dev.mosaic.inference.model.safetensors.HfNames}), and
 * {@link dev.mosaic.inference.model.safetensors.SafetensorsWriter} writes files and indexes.
 */
package dev.mosaic.inference.model.safetensors;
