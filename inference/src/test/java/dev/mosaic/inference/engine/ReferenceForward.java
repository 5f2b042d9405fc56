package dev.mosaic.inference.engine;

import dev.mosaic.inference.model.Model;
import dev.mosaic.inference.model.ModelConfig;
import dev.mosaic.inference.model.RopeConfig;
import dev.mosaic.inference.tensor.Quantization;
import dev.mosaic.inference.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The independent reference: a plain float64 forward pass of a llama/mistral/qwen2/qwen3 model, written from
 * the architecture's definition, reading the model's tensors through {@link Quantization} (so it
 * sees exactly the stored weights) and sharing no code with the engine or its kernels.
 */
public final class ReferenceForward {
    private final ModelConfig c;
    private final Model model;
    private final Map<String, double[][]> cache = new HashMap<>();

    public ReferenceForward(Model model) {
        this.model = model;
        this.c = model.config();
    }

    /** Logits after every position of {@code tokens} (a fresh sequence starting at position 0). */
    public double[][] logits(int[] tokens) {
        int n = tokens.length;
        int hd = c.headDim();
        int group = c.nHeads() / c.nKvHeads();
        double[][] x = new double[n][];
        for (int t = 0; t < n; t++) {
            x[t] = matrix("token_embd.weight")[tokens[t]].clone();
        }
        for (int l = 0; l < c.nLayers(); l++) {
            String p = "blk." + l + ".";
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] xn = rmsNorm(x[t], vector(p + "attn_norm.weight"));
                q[t] = matVec(matrix(p + "attn_q.weight"), xn);
                k[t] = matVec(matrix(p + "attn_k.weight"), xn);
                v[t] = matVec(matrix(p + "attn_v.weight"), xn);
                if (c.qkvBias()) {
                    addInPlace(q[t], vector(p + "attn_q.bias"));
                    addInPlace(k[t], vector(p + "attn_k.bias"));
                    addInPlace(v[t], vector(p + "attn_v.bias"));
                }
                if (c.qkNorm()) {
                    headNorm(q[t], c.nHeads(), vector(p + "attn_q_norm.weight"));
                    headNorm(k[t], c.nKvHeads(), vector(p + "attn_k_norm.weight"));
                }
                rope(q[t], c.nHeads(), t);
                rope(k[t], c.nKvHeads(), t);
            }
            for (int t = 0; t < n; t++) {
                double[] att = new double[c.nHeads() * hd];
                for (int h = 0; h < c.nHeads(); h++) {
                    int kvh = h / group;
                    double[] scores = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += q[t][h * hd + d] * k[s][kvh * hd + d];
                        }
                        scores[s] = dot / Math.sqrt(hd);
                        max = Math.max(max, scores[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) {
                        scores[s] = Math.exp(scores[s] - max);
                        sum += scores[s];
                    }
                    for (int s = 0; s <= t; s++) {
                        for (int d = 0; d < hd; d++) {
                            att[h * hd + d] += scores[s] / sum * v[s][kvh * hd + d];
                        }
                    }
                }
                addInPlace(x[t], matVec(matrix(p + "attn_output.weight"), att));
                double[] xn = rmsNorm(x[t], vector(p + "ffn_norm.weight"));
                double[] gate = matVec(matrix(p + "ffn_gate.weight"), xn);
                double[] up = matVec(matrix(p + "ffn_up.weight"), xn);
                for (int i = 0; i < gate.length; i++) {
                    gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                }
                addInPlace(x[t], matVec(matrix(p + "ffn_down.weight"), gate));
            }
        }
        double[][] out = new double[n][];
        String outName = model.find("output.weight").isPresent() ? "output.weight" : "token_embd.weight";
        for (int t = 0; t < n; t++) {
            out[t] = matVec(matrix(outName), rmsNorm(x[t], vector("output_norm.weight")));
        }
        return out;
    }

    /** Greedy continuation of {@code prompt} by {@code count} tokens (lowest id on ties). */
    int[] greedy(int[] prompt, int count) {
        List<Integer> seq = new ArrayList<>();
        for (int t : prompt) {
            seq.add(t);
        }
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            double[][] all = logits(seq.stream().mapToInt(Integer::intValue).toArray());
            out[i] = argmax(all[all.length - 1]);
            seq.add(out[i]);
        }
        return out;
    }

    public static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** ||a - b|| / ||b|| over a row of logits. */
    public static double relativeError(float[] a, int offset, double[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < b.length; i++) {
            double d = a[offset + i] - b[i];
            diff += d * d;
            norm += b[i] * b[i];
        }
        return Math.sqrt(diff / norm);
    }

    private void rope(double[] x, int heads, int pos) {
        int hd = c.headDim();
        RopeConfig rope = c.rope();
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                double angle = pos * rope.inverseFrequency(i, hd);
                int a = h * hd + (rope.layout() == RopeConfig.Layout.INTERLEAVED ? 2 * i : i);
                int b = h * hd + (rope.layout() == RopeConfig.Layout.INTERLEAVED ? 2 * i + 1 : i + hd / 2);
                double x0 = x[a];
                double x1 = x[b];
                x[a] = x0 * Math.cos(angle) - x1 * Math.sin(angle);
                x[b] = x0 * Math.sin(angle) + x1 * Math.cos(angle);
            }
        }
    }

    /** qwen3's q/k norm: RMSNorm of each head's headDim values on its own, with one shared gain. */
    private void headNorm(double[] x, int heads, double[] g) {
        int hd = c.headDim();
        for (int h = 0; h < heads; h++) {
            double[] head = java.util.Arrays.copyOfRange(x, h * hd, (h + 1) * hd);
            System.arraycopy(rmsNorm(head, g), 0, x, h * hd, hd);
        }
    }

    private double[] rmsNorm(double[] x, double[] g) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double inv = 1 / Math.sqrt(ss / x.length + c.rmsNormEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inv * g[i];
        }
        return out;
    }

    private static double[] matVec(double[][] w, double[] x) {
        double[] out = new double[w.length];
        for (int r = 0; r < w.length; r++) {
            double s = 0;
            for (int i = 0; i < x.length; i++) {
                s += w[r][i] * x[i];
            }
            out[r] = s;
        }
        return out;
    }

    private static void addInPlace(double[] acc, double[] x) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += x[i];
        }
    }

    private double[] vector(String name) {
        return matrix(name)[0];
    }

    private double[][] matrix(String name) {
        return cache.computeIfAbsent(name, n -> {
            Tensor t = model.tensor(n);
            double[][] rows = new double[Math.toIntExact(t.rows())][];
            for (int r = 0; r < rows.length; r++) {
                rows[r] = Quantization.dequantizeRowToDouble(t, r);
            }
            return rows;
        });
    }
}
