package dev.mosaic.inference.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static float[] randomLogits(long seed, int n) {
        Random r = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) (r.nextGaussian() * 2);
        }
        return l;
    }

    /** log softmax in float64, the reference for every log-probability. */
    private static double[] logSoftmax(float[] l, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : l) {
            max = Math.max(max, v / temperature);
        }
        double sum = 0;
        for (float v : l) {
            sum += Math.exp(v / temperature - max);
        }
        double[] out = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = l[i] / temperature - max - Math.log(sum);
        }
        return out;
    }

    @Test
    void greedyPicksTheArgmaxWithLowestIdOnTiesAndReportsItsLogprob() {
        float[] logits = randomLogits(1, 1000);
        int argmax = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[argmax]) {
                argmax = i;
            }
        }
        Sampler s = new Sampler(SamplingParams.greedyDecoding());
        Sampler.Choice c = s.sample(logits, 0, logits.length);
        assertEquals(argmax, c.token());
        assertEquals(logSoftmax(logits, 1)[argmax], c.logprob(), 1e-5);

        float[] tied = {1f, 3f, 3f, 2f};
        assertEquals(1, s.sample(tied, 0, 4).token());
        float[] padded = {9f, 9f, 0f, 1f, 5f, 9f};
        assertEquals(2, s.sample(padded, 2, 3).token()); // offset honoured, index relative to it
    }

    @Test
    void temperatureSamplingFollowsTheSoftmaxAndLogprobIgnoresTemperature() {
        float[] logits = {0.5f, -1f, 2f, 0f, 1.2f};
        double t = 0.7;
        double[] expected = logSoftmax(logits, t);
        double[] raw = logSoftmax(logits, 1);
        Sampler s = new Sampler(SamplingParams.temperature((float) t, 99));
        int draws = 200_000;
        int[] counts = new int[logits.length];
        for (int i = 0; i < draws; i++) {
            Sampler.Choice c = s.sample(logits, 0, logits.length);
            counts[c.token()]++;
            assertEquals(raw[c.token()], c.logprob(), 1e-5);
        }
        for (int i = 0; i < logits.length; i++) {
            double p = Math.exp(expected[i]);
            double sd = Math.sqrt(p * (1 - p) / draws);
            assertEquals(p, counts[i] / (double) draws, 5 * sd, "token " + i);
        }
    }

    @Test
    void topKNeverLeavesTheKMostLikelyAndRenormalises() {
        float[] logits = {3f, 1f, 2.5f, -1f, 2.9f, 0f};
        Sampler s = new Sampler(new SamplingParams(false, 1f, 3, 1f, 5));
        int draws = 100_000;
        int[] counts = new int[logits.length];
        for (int i = 0; i < draws; i++) {
            counts[s.sample(logits, 0, logits.length).token()]++;
        }
        assertEquals(0, counts[1] + counts[3] + counts[5]);
        double z = Math.exp(3) + Math.exp(2.5) + Math.exp(2.9);
        assertEquals(Math.exp(2.5) / z, counts[2] / (double) draws, 0.01);
        assertEquals(Math.exp(3) / z, counts[0] / (double) draws, 0.01);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // probabilities 0.5, 0.3, 0.15, 0.05: top-p 0.75 and 0.79 keep {0, 1}; 0.85 adds 2, never 3
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        for (float p : new float[] {0.75f, 0.79f}) {
            Sampler s = new Sampler(new SamplingParams(false, 1f, 0, p, 7));
            int[] counts = new int[4];
            for (int i = 0; i < 50_000; i++) {
                counts[s.sample(logits, 0, 4).token()]++;
            }
            assertEquals(0, counts[2] + counts[3], "top-p " + p);
            assertEquals(0.5 / 0.8, counts[0] / 50_000.0, 0.01);
        }
        Sampler s = new Sampler(new SamplingParams(false, 1f, 0, 0.85f, 7));
        boolean sawThird = false;
        for (int i = 0; i < 20_000; i++) {
            int tok = s.sample(logits, 0, 4).token();
            assertTrue(tok != 3);
            sawThird |= tok == 2;
        }
        assertTrue(sawThird);
    }

    @Test
    void sameSeedSameTokensDifferentSeedDifferentTokens() {
        float[] logits = randomLogits(3, 500);
        SamplingParams p = new SamplingParams(false, 1.3f, 50, 0.9f, 1234);
        int[] a = draw(new Sampler(p), logits, 200);
        int[] b = draw(new Sampler(p), logits, 200);
        int[] c = draw(new Sampler(p.withSeed(4321)), logits, 200);
        assertArrayEquals(a, b);
        assertTrue(!java.util.Arrays.equals(a, c));
    }

    @Test
    void rejectsBadParametersAndLogits() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(false, 0f, 0, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(false, 1f, -1, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(false, 1f, 0, 0f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(false, 1f, 0, 1.5f, 0));
        Sampler s = new Sampler(SamplingParams.greedyDecoding());
        assertThrows(IllegalStateException.class, () -> s.sample(new float[] {Float.NaN, Float.NaN}, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> s.sample(new float[3], 1, 3));
    }

    @Test
    void topLogprobsAreTheKMostLikelyTokensInOrderWithFloat64LogSoftmax() {
        for (long seed = 1; seed <= 5; seed++) {
            float[] row = randomLogits(seed, 300);
            row[17] = row[230]; // a tie: the lower id comes first
            float[] padded = new float[row.length + 50];
            System.arraycopy(row, 0, padded, 25, row.length);
            Sampler.TopLogprobs top = Sampler.topLogprobs(padded, 25, row.length, 7);
            double[] ref = logSoftmax(row, 1.0);
            Integer[] order = new Integer[row.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> row[a] != row[b] ? Float.compare(row[b], row[a]) : Integer.compare(a, b));
            assertEquals(7, top.ids().length);
            for (int j = 0; j < 7; j++) {
                assertEquals(order[j], top.ids()[j], "rank " + j + " seed " + seed);
                assertEquals(ref[order[j]], top.logprobs()[j], 1e-5, "rank " + j);
            }
        }
        Sampler.TopLogprobs all = Sampler.topLogprobs(new float[] {0.5f, 2f, -1f}, 0, 3, 20);
        assertArrayEquals(new int[] {1, 0, 2}, all.ids());
        assertThrows(IllegalArgumentException.class, () -> Sampler.topLogprobs(new float[3], 0, 3, 0));
    }

    private static int[] draw(Sampler s, float[] logits, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.sample(logits, 0, logits.length).token();
        }
        return out;
    }
}
