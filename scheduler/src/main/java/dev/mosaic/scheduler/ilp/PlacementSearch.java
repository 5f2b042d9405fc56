package dev.mosaic.scheduler.ilp;

import java.util.Arrays;

/**
 * Local search over placements in the divisible-work relaxation, where a placement's makespan
 * is exact and cheap: the smallest T for which a max-flow (experts' work -> workers that hold
 * them -> workers' time left after replica loads) carries all work, found by bisection. Moves are
 * targeted at the bottleneck: with S the experts on the source side of a minimum cut just below
 * the optimum, only a new replica of an expert in S on a worker outside the cut can help. It is
 * added into free memory, or swapped in for another replica on that worker; if that replica was
 * its expert's last, the expert moves to a worker with free memory.
 * Replicas that carry no flow are dropped. The result is packed into jobs like a MIP solution.
 */
final class PlacementSearch {

    /** Placement, flow shares (speed-1 seconds) and divisible makespan. */
    record Result(boolean[][] placed, double[][] shares, double makespan, int moves) {}

    private final Instance in;
    private final int nw;
    private final int ne;
    // Flow network: 0 source, 1..ne experts, ne+1..ne+nw workers, ne+nw+1 sink.
    private final int nodes;
    private final int sink;
    private final double totalWork;
    private int[] head;
    private int[] next;
    private int[] to;
    private double[] cap;
    private int edges;
    private int[] level;
    private int[] iter;
    private int[] queue;

    PlacementSearch(Instance in) {
        this.in = in;
        nw = in.nw;
        ne = in.ne;
        nodes = ne + nw + 2;
        sink = nodes - 1;
        double t = 0;
        for (int e = 0; e < ne; e++) {
            t += in.work[e];
        }
        totalWork = t;
        level = new int[nodes];
        iter = new int[nodes];
        queue = new int[nodes];
    }

    /**
     * Improves {@code start} (a placement holding every expert that has jobs) until the deadline
     * or until its makespan is at most {@code goal}.
     * Each round aims at a target {@code theta} a little below the current makespan and applies
     * the move that most reduces the work that cannot be carried at theta (the max-flow deficit)
     * without raising the makespan; that measure sees progress on one of several equally tight
     * bottlenecks, where the makespan itself would not move. Once the deficit reaches zero the
     * makespan is at most theta; when no move reduces it, theta moves closer.
     */
    Result improve(boolean[][] start, double goal, long deadlineNanos) {
        boolean[][] placed = copy(start);
        double[] memUsed = new double[nw];
        for (int w = 0; w < nw; w++) {
            for (int e = 0; e < ne; e++) {
                if (placed[w][e]) {
                    memUsed[w] += in.expertMemory[e];
                }
            }
        }
        double best = makespan(placed);
        double eps = 1e-9 * Math.max(1, totalWork);
        double step = 0.01;
        int moves = 0;
        dropUnused(placed, memUsed, best);
        while (Double.isFinite(best) && best > goal && step >= 1e-4 && System.nanoTime() < deadlineNanos) {
            double theta = best * (1 - step);
            double deficit = totalWork - maxFlow(placed, theta);
            if (deficit <= eps) {
                best = makespan(placed);
                // Only after progress: flows are not unique, so dropping earlier could undo a move.
                dropUnused(placed, memUsed, best);
                continue;
            }
            // Source side of a minimum cut at theta: the bottleneck experts and their workers.
            boolean[] reach = reachable();
            Move move = null;
            double bestDeficit = deficit - eps;
            // Cheapest move kinds first: adds, then swaps, then relocations of an expert's last replica.
            for (int phase = 0; phase < 3 && move == null; phase++)
            for (int e = 0; e < ne && System.nanoTime() < deadlineNanos; e++) {
                if (!reach[1 + e] || in.jobCount[e] == 0) {
                    continue;
                }
                for (int w = 0; w < nw; w++) {
                    if (placed[w][e] || reach[1 + ne + w] || in.expertMemory[e] > in.memory[w] || !in.allowed[w][e]) {
                        continue;
                    }
                    if (memUsed[w] + in.expertMemory[e] <= in.memory[w] * (1 + 1e-9)) {
                        if (phase != 0) {
                            continue;
                        }
                        Move m = new Move(w, e, -1, -1);
                        double d = evaluate(placed, m, theta, best, bestDeficit);
                        if (d < bestDeficit) {
                            bestDeficit = d;
                            move = m;
                        }
                        continue;
                    }
                    for (int o = 0; o < ne && phase > 0; o++) {
                        if (!placed[w][o] || in.pinned[w][o] || memUsed[w] - in.expertMemory[o] + in.expertMemory[e] > in.memory[w] * (1 + 1e-9)) {
                            continue;
                        }
                        if (replicas(placed, o) >= 2) {
                            if (phase != 1) {
                                continue;
                            }
                            Move m = new Move(w, e, o, -1);
                            double d = evaluate(placed, m, theta, best, bestDeficit);
                            if (d < bestDeficit) {
                                bestDeficit = d;
                                move = m;
                            }
                            continue;
                        }
                        // o's only replica makes room for e and moves to another worker with space.
                        for (int w2 = 0; w2 < nw && phase == 2; w2++) {
                            if (w2 == w || placed[w2][o] || !in.allowed[w2][o] || memUsed[w2] + in.expertMemory[o] > in.memory[w2] * (1 + 1e-9)) {
                                continue;
                            }
                            Move m = new Move(w, e, o, w2);
                            double d = evaluate(placed, m, theta, best, bestDeficit);
                            if (d < bestDeficit) {
                                bestDeficit = d;
                                move = m;
                            }
                        }
                    }
                }
            }
            if (move == null) {
                step /= 2;
                continue;
            }
            move.apply(placed, memUsed, in, true);
            moves++;
            if (bestDeficit <= eps) {
                best = makespan(placed);
                dropUnused(placed, memUsed, best);
            }
        }
        dropUnused(placed, memUsed, best);
        double t = makespan(placed);
        double[][] shares = shares(placed, t);
        return new Result(placed, shares, t, moves);
    }

    /** Add expert {@code e} on worker {@code w}, first removing {@code out} there (-1: none) and re-adding it on {@code to} (-1: none). */
    private record Move(int w, int e, int out, int to) {
        void apply(boolean[][] placed, double[] memUsed, Instance in, boolean forward) {
            if (forward) {
                if (out >= 0) {
                    placed[w][out] = false;
                    memUsed[w] -= in.expertMemory[out];
                    if (to >= 0) {
                        placed[to][out] = true;
                        memUsed[to] += in.expertMemory[out];
                    }
                }
                placed[w][e] = true;
                memUsed[w] += in.expertMemory[e];
            } else {
                placed[w][e] = false;
                memUsed[w] -= in.expertMemory[e];
                if (out >= 0) {
                    placed[w][out] = true;
                    memUsed[w] += in.expertMemory[out];
                    if (to >= 0) {
                        placed[to][out] = false;
                        memUsed[to] -= in.expertMemory[out];
                    }
                }
            }
        }
    }

    /** Deficit at theta after the move, or infinity if it is not below {@code cutoff} or the move raises the makespan above {@code best}. */
    private double evaluate(boolean[][] placed, Move m, double theta, double best, double cutoff) {
        double[] scratch = new double[nw];
        m.apply(placed, scratch, in, true);
        try {
            double d = totalWork - maxFlow(placed, theta);
            if (d >= cutoff || !feasible(placed, best)) {
                return Double.POSITIVE_INFINITY;
            }
            return d;
        } finally {
            m.apply(placed, scratch, in, false);
        }
    }

    private int replicas(boolean[][] placed, int e) {
        int n = 0;
        for (int w = 0; w < nw; w++) {
            if (placed[w][e]) {
                n++;
            }
        }
        return n;
    }

    /** Removes replicas that carry no flow at makespan {@code t} (never an expert's last one, never a pinned one). */
    private void dropUnused(boolean[][] placed, double[] memUsed, double t) {
        if (!Double.isFinite(t)) {
            return;
        }
        double[][] s = shares(placed, t * (1 + 1e-9));
        for (int w = 0; w < nw; w++) {
            for (int e = 0; e < ne; e++) {
                if (placed[w][e] && !in.pinned[w][e] && s[w][e] <= 0 && replicas(placed, e) > 1) {
                    placed[w][e] = false;
                    memUsed[w] -= in.expertMemory[e];
                }
            }
        }
    }

    /** Divisible makespan of a placement (infinite if an expert with jobs has no replica). */
    double makespan(boolean[][] placed) {
        return makespan(placed, Double.POSITIVE_INFINITY);
    }

    private double makespan(boolean[][] placed, double knownFeasible) {
        double lo = 0;
        double totalSpeed = 0;
        for (int w = 0; w < nw; w++) {
            double load = 0;
            for (int e = 0; e < ne; e++) {
                if (placed[w][e]) {
                    load += in.loadSeconds[w][e];
                }
            }
            lo = Math.max(lo, load / in.speed[w]);
            totalSpeed += in.speed[w];
        }
        for (int e = 0; e < ne; e++) {
            if (in.jobCount[e] > 0 && replicas(placed, e) == 0) {
                return Double.POSITIVE_INFINITY;
            }
        }
        lo = Math.max(lo, totalWork / totalSpeed);
        double hi = Double.isFinite(knownFeasible) ? knownFeasible : Math.max(lo, 1e-9) * 2 + totalWork / totalSpeed * 2;
        while (!feasible(placed, hi)) {
            hi *= 2;
            if (hi > 1e300) {
                return Double.POSITIVE_INFINITY;
            }
        }
        for (int it = 0; it < 60 && hi - lo > 1e-7 * hi; it++) {
            double mid = 0.5 * (lo + hi);
            if (feasible(placed, mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    private boolean feasible(boolean[][] placed, double t) {
        return maxFlow(placed, t) >= totalWork * (1 - 1e-9);
    }

    /** Flow on each (worker, expert) edge at makespan {@code t} (which must be feasible). */
    double[][] shares(boolean[][] placed, double t) {
        maxFlow(placed, t);
        double[][] s = new double[nw][ne];
        for (int e = 0; e < ne; e++) {
            for (int k = head[1 + e]; k >= 0; k = next[k]) {
                int v = to[k];
                if (v > ne && v < sink && (k & 1) == 0) {
                    // forward edge e -> w; its reverse edge holds the flow
                    s[v - ne - 1][e] += cap[k ^ 1];
                }
            }
        }
        return s;
    }

    private void build(boolean[][] placed, double t) {
        int maxEdges = 2 * (ne + nw + nw * ne);
        if (head == null || cap.length < maxEdges) {
            head = new int[nodes];
            next = new int[maxEdges];
            to = new int[maxEdges];
            cap = new double[maxEdges];
        }
        Arrays.fill(head, -1);
        edges = 0;
        for (int e = 0; e < ne; e++) {
            if (in.work[e] > 0) {
                addEdge(0, 1 + e, in.work[e]);
            }
        }
        for (int w = 0; w < nw; w++) {
            double load = 0;
            for (int e = 0; e < ne; e++) {
                if (placed[w][e]) {
                    load += in.loadSeconds[w][e];
                    addEdge(1 + e, 1 + ne + w, in.work[e]);
                }
            }
            addEdge(1 + ne + w, sink, Math.max(0, in.speed[w] * t - load));
        }
    }

    private void addEdge(int u, int v, double c) {
        to[edges] = v;
        cap[edges] = c;
        next[edges] = head[u];
        head[u] = edges++;
        to[edges] = u;
        cap[edges] = 0;
        next[edges] = head[v];
        head[v] = edges++;
    }

    /** Dinic's max-flow on the network for makespan {@code t}; leaves residual capacities in place. */
    private double maxFlow(boolean[][] placed, double t) {
        build(placed, t);
        double flow = 0;
        double eps = 1e-12 * Math.max(1, totalWork);
        while (bfs(eps)) {
            System.arraycopy(head, 0, iter, 0, nodes);
            double f;
            while ((f = dfs(0, Double.POSITIVE_INFINITY, eps)) > eps) {
                flow += f;
            }
        }
        return flow;
    }

    private boolean bfs(double eps) {
        Arrays.fill(level, -1);
        int qh = 0;
        int qt = 0;
        queue[qt++] = 0;
        level[0] = 0;
        while (qh < qt) {
            int u = queue[qh++];
            for (int k = head[u]; k >= 0; k = next[k]) {
                if (cap[k] > eps && level[to[k]] < 0) {
                    level[to[k]] = level[u] + 1;
                    queue[qt++] = to[k];
                }
            }
        }
        return level[sink] >= 0;
    }

    private double dfs(int u, double f, double eps) {
        if (u == sink) {
            return f;
        }
        for (; iter[u] >= 0; iter[u] = next[iter[u]]) {
            int k = iter[u];
            int v = to[k];
            if (cap[k] > eps && level[v] == level[u] + 1) {
                double d = dfs(v, Math.min(f, cap[k]), eps);
                if (d > eps) {
                    cap[k] -= d;
                    cap[k ^ 1] += d;
                    return d;
                }
            }
        }
        return 0;
    }

    /** Nodes reachable from the source in the residual network of the last max-flow. */
    private boolean[] reachable() {
        double eps = 1e-12 * Math.max(1, totalWork);
        boolean[] seen = new boolean[nodes];
        int qh = 0;
        int qt = 0;
        queue[qt++] = 0;
        seen[0] = true;
        while (qh < qt) {
            int u = queue[qh++];
            for (int k = head[u]; k >= 0; k = next[k]) {
                if (cap[k] > eps && !seen[to[k]]) {
                    seen[to[k]] = true;
                    queue[qt++] = to[k];
                }
            }
        }
        return seen;
    }

    private static boolean[][] copy(boolean[][] a) {
        boolean[][] c = new boolean[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
