/**
 * GGUF (llama.cpp's model format), versions 2 and 3: {@link dev.mosaic.inference.model.gguf.GgufReader}
 * parses and memory-maps a file into a {@link dev.mosaic.inference.model.gguf.GgufFile} (metadata,
 * tensor infos, one mapping of which every tensor is a slice), {@link dev.mosaic.inference.model.gguf.GgufModel}
 * turns it into a validated {@link dev.mosaic.inference.model.Model}, and
 * {@link dev.mosaic.inference.model.gguf.GgufWriter} writes files llama.cpp reads.
 */
package dev.mosaic.inference.model.gguf;
