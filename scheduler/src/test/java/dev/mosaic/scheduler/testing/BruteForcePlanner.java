package dev.mosaic.scheduler.testing;

import dev.mosaic.scheduler.plan.Assignment;
import dev.mosaic.scheduler.plan.Plan;
import dev.mosaic.scheduler.plan.Planner;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exact reference planner for tiny instances (test code only). It enumerates every assignment of
 * jobs to workers; the placement is then the one each assignment needs: a worker holds exactly
 * the experts of its jobs. That covers every placement that can be optimal: a replica without jobs
 * only adds load time, so removing it never raises the makespan; the memory check rejects
 * assignments whose replicas do not fit, and assignments that put an expert on a worker where
 * {@code placement.forbidden} forbids it. Pinned replicas ({@code placement.pinned}) are added to
 * every worker's set (they must be there; any further replica only adds load time), and a replica
 * that {@code placement.loaded} names costs no load time.
 *
 * <p>Deliberately independent of the production code: it reads the problem records directly and
 * recomputes costs from the documented formulas, without JobTable, LowerBounds or the planners.
 */
public final class BruteForcePlanner implements Planner {

    /** Refuses instances with more than this many assignments to enumerate. */
    public static final long MAX_ASSIGNMENTS = 2_000_000;

    @Override
    public String name() {
        return "brute-force";
    }

    @Override
    public Plan plan(Problem problem) {
        List<Worker> ws = problem.workers();
        List<String> jobPrompt = new ArrayList<>();
        List<Expert> jobExpert = new ArrayList<>();
        List<Double> jobCost = new ArrayList<>();
        List<Double> jobFloor = new ArrayList<>();
        Map<String, Expert> experts = new LinkedHashMap<>();
        problem.experts().forEach(e -> experts.put(e.id(), e));
        for (Prompt p : problem.prompts()) {
            for (Map.Entry<String, Double> r : p.route().entrySet()) {
                Expert e = experts.get(r.getKey());
                jobPrompt.add(p.id());
                jobExpert.add(e);
                jobCost.add(p.promptTokens() * e.prefillSecondsPerToken() + r.getValue() * e.decodeSecondsPerToken());
                jobFloor.add(p.promptTokens() * e.prefillSecondsPerToken() + r.getValue() * e.decodeLatencySecondsPerToken());
            }
        }
        int n = jobPrompt.size();
        int nw = ws.size();
        if (Math.pow(nw, n) > MAX_ASSIGNMENTS) {
            throw new IllegalArgumentException("too large for brute force: " + nw + "^" + n);
        }
        java.util.Set<String> forbidden = new java.util.HashSet<>();
        java.util.Set<String> loaded = new java.util.HashSet<>();
        Map<String, List<Expert>> pinned = new LinkedHashMap<>();
        if (problem.placement() != null) {
            problem.placement().forbidden().forEach(f -> forbidden.add(f.worker() + "/" + f.expert()));
            problem.placement().loaded().forEach(f -> loaded.add(f.worker() + "/" + f.expert()));
            problem.placement().pinned().forEach(f -> pinned.computeIfAbsent(f.worker(), k -> new ArrayList<>()).add(experts.get(f.expert())));
        }
        int[] choice = new int[n];
        int[] best = null;
        double bestMakespan = Double.POSITIVE_INFINITY;
        long total = (long) Math.pow(nw, n);
        for (long code = 0; code < total; code++) {
            long c = code;
            for (int j = 0; j < n; j++) {
                choice[j] = (int) (c % nw);
                c /= nw;
            }
            double makespan = 0;
            boolean fits = true;
            for (int w = 0; w < nw && fits; w++) {
                Map<String, Expert> held = new LinkedHashMap<>();
                pinned.getOrDefault(ws.get(w).id(), List.of()).forEach(e -> held.put(e.id(), e));
                double work = 0;
                for (int j = 0; j < n; j++) {
                    if (choice[j] == w) {
                        held.put(jobExpert.get(j).id(), jobExpert.get(j));
                        work += jobCost.get(j);
                        makespan = Math.max(makespan, jobFloor.get(j) / ws.get(w).speed());
                    }
                }
                double memory = 0;
                for (Expert e : held.values()) {
                    fits &= !forbidden.contains(ws.get(w).id() + "/" + e.id());
                    memory += e.memoryGiB();
                    work += loaded.contains(ws.get(w).id() + "/" + e.id()) ? 0 : e.loadSeconds();
                }
                fits &= memory <= ws.get(w).memoryGiB() * (1 + 1e-9);
                makespan = Math.max(makespan, work / ws.get(w).speed());
            }
            if (fits && makespan < bestMakespan) {
                bestMakespan = makespan;
                best = choice.clone();
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("no feasible assignment");
        }
        Map<String, List<String>> placement = new LinkedHashMap<>();
        ws.forEach(w -> placement.put(w.id(), new ArrayList<>(pinned.getOrDefault(w.id(), List.of()).stream().map(Expert::id).toList())));
        List<Assignment> assignment = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            String w = ws.get(best[j]).id();
            String e = jobExpert.get(j).id();
            if (!placement.get(w).contains(e)) {
                placement.get(w).add(e);
            }
            assignment.add(new Assignment(jobPrompt.get(j), e, w));
        }
        return new Plan(placement, assignment, bestMakespan, bestMakespan, 0.0, Map.of("method", name()));
    }
}
