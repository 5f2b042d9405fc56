package dev.mosaic.scheduler.problem;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict checks of a {@link Problem} before any planner sees it. Every message names the field
 * path ({@code prompts[17].route}) and the reason. Besides field checks it rejects instances no
 * plan can satisfy: an expert larger than every worker, or one replica of each expert not fitting
 * in the total memory of the workers large enough to hold them.
 *
 * <p>Stateless and thread-safe.
 */
public final class ProblemValidator {

    private ProblemValidator() {}

    /** Throws {@link ProblemValidationException} listing every problem found; returns the problem otherwise. */
    public static Problem validate(Problem problem) {
        List<String> errors = check(problem);
        if (!errors.isEmpty()) {
            throw new ProblemValidationException(errors);
        }
        return problem;
    }

    /** Every problem found, in field order; empty for a valid problem. */
    public static List<String> check(Problem problem) {
        List<String> errors = new ArrayList<>();
        if (problem == null) {
            errors.add("problem: missing");
            return errors;
        }
        int workerErrors = errors.size();
        if (problem.workers().isEmpty()) {
            errors.add("workers: must not be empty");
        }
        Map<String, Integer> workerIds = new HashMap<>();
        for (int i = 0; i < problem.workers().size(); i++) {
            Worker w = problem.workers().get(i);
            String path = "workers[" + i + "]";
            if (w == null) {
                errors.add(path + ": missing");
                continue;
            }
            checkId(errors, path, w.id(), workerIds, "workers", i);
            inRange(errors, path + ".memoryGiB", w.memoryGiB(), 0, ProblemLimits.MAX_MEMORY_GIB);
            inRange(errors, path + ".speed", w.speed(), ProblemLimits.MIN_SPEED, ProblemLimits.MAX_SPEED);
        }
        boolean workersOk = errors.size() == workerErrors;

        int expertErrors = errors.size();
        if (problem.experts().isEmpty()) {
            errors.add("experts: must not be empty");
        }
        Map<String, Integer> expertIds = new HashMap<>();
        for (int i = 0; i < problem.experts().size(); i++) {
            Expert e = problem.experts().get(i);
            String path = "experts[" + i + "]";
            if (e == null) {
                errors.add(path + ": missing");
                continue;
            }
            checkId(errors, path, e.id(), expertIds, "experts", i);
            checkProfile(errors, path, e);
        }
        if (problem.aggregator() != null) {
            Expert a = problem.aggregator();
            if (a.id() == null || a.id().isBlank()) {
                errors.add("aggregator.id: must be a non-empty string");
            }
            checkProfile(errors, "aggregator", a);
        }
        boolean expertsOk = errors.size() == expertErrors;

        Map<String, Integer> promptIds = new HashMap<>();
        Set<String> known = expertIds.keySet();
        for (int i = 0; i < problem.prompts().size(); i++) {
            Prompt p = problem.prompts().get(i);
            if (p != null && p.id() != null && !p.id().isBlank() && promptIds.putIfAbsent(p.id(), i) == null
                    && p.promptTokens() >= 0 && p.promptTokens() <= ProblemLimits.MAX_TOKENS && promptIsValid(p, known)) {
                continue;   // the common case, without building any path strings (50k+ prompts per plan)
            }
            String path = "prompts[" + i + "]";
            if (p == null) {
                errors.add(path + ": missing");
                continue;
            }
            if (p.id() == null || p.id().isBlank() || promptIds.get(p.id()) != i) {
                checkId(errors, path, p.id(), promptIds, "prompts", i);
            }
            if (p.promptTokens() < 0) {
                errors.add(path + ".promptTokens: must be an integer >= 0, got " + p.promptTokens());
            } else if (p.promptTokens() > ProblemLimits.MAX_TOKENS) {
                errors.add(path + ".promptTokens: must be at most " + (long) ProblemLimits.MAX_TOKENS + " (the problem format's limit), got "
                        + p.promptTokens());
            }
            if (p.route() == null) {
                errors.add(path + ".route: missing");
            } else if (p.route().isEmpty()) {
                errors.add(path + ".route: must route the prompt to at least one expert");
            } else {
                for (Map.Entry<String, Double> r : p.route().entrySet()) {
                    if (!known.contains(r.getKey())) {
                        errors.add(path + ".route: unknown expert '" + r.getKey() + "'");
                    } else if (r.getValue() == null || !Double.isFinite(r.getValue()) || r.getValue() < 0 || r.getValue() > ProblemLimits.MAX_TOKENS) {
                        errors.add(path + ".route." + r.getKey() + (r.getValue() != null && r.getValue() > ProblemLimits.MAX_TOKENS
                                ? ": output tokens must be at most " + ProblemLimits.MAX_TOKENS + " (the problem format's limit), got "
                                : ": output tokens must be a finite number >= 0, got ") + r.getValue());
                    }
                }
            }
            if (p.answer() != null && p.answer().isBlank()) {
                errors.add(path + ".answer: must be a non-empty string when present");
            }
            if (p.category() != null && p.category().isBlank()) {
                errors.add(path + ".category: must be a non-empty string when present");
            }
        }

        if (problem.placement() != null) {
            checkPlacement(errors, problem, workerIds, expertIds);
        }
        if (workersOk && expertsOk && !problem.workers().isEmpty()) {
            checkFeasible(errors, problem);
        }
        if (errors.isEmpty()) {
            checkTotal(errors, problem);
        }
        return errors;
    }

    /** Whether the prompt's route and optional fields are valid (the checks below, without messages). */
    private static boolean promptIsValid(Prompt p, Set<String> known) {
        if (p.route() == null || p.route().isEmpty()) {
            return false;
        }
        for (Map.Entry<String, Double> r : p.route().entrySet()) {
            Double v = r.getValue();
            if (!known.contains(r.getKey()) || v == null || !Double.isFinite(v) || v < 0 || v > ProblemLimits.MAX_TOKENS) {
                return false;
            }
        }
        return (p.answer() == null || !p.answer().isBlank()) && (p.category() == null || !p.category().isBlank());
    }

    private static void checkFeasible(List<String> errors, Problem problem) {
        double largest = 0;
        double total = 0;
        for (Worker w : problem.workers()) {
            largest = Math.max(largest, w.memoryGiB());
            total += w.memoryGiB();
        }
        double needed = 0;
        boolean each = true;
        for (Expert e : problem.experts()) {
            needed += e.memoryGiB();
            if (e.memoryGiB() > largest) {
                errors.add("infeasible: expert " + e.id() + " needs " + e.memoryGiB() + " GiB, largest worker has " + largest + " GiB");
                each = false;
            }
        }
        Expert a = problem.aggregator();
        if (a != null && a.memoryGiB() > largest) {
            errors.add("infeasible: aggregator " + a.id() + " needs " + a.memoryGiB() + " GiB, largest worker has " + largest + " GiB");
        }
        if (each && needed > total * (1 + 1e-9)) {
            errors.add("infeasible: one replica of every expert needs " + needed + " GiB in total, workers have " + total + " GiB");
        } else if (each) {
            // Experts of at least t GiB only fit on workers of at least t GiB: check every threshold.
            for (Expert t : problem.experts()) {
                double need = 0;
                int count = 0;
                for (Expert e : problem.experts()) {
                    if (e.memoryGiB() >= t.memoryGiB()) {
                        need += e.memoryGiB();
                        count++;
                    }
                }
                double have = 0;
                for (Worker w : problem.workers()) {
                    have += w.memoryGiB() >= t.memoryGiB() ? w.memoryGiB() : 0;
                }
                if (need > have * (1 + 1e-9)) {
                    errors.add("infeasible: the " + count + " experts of >= " + t.memoryGiB() + " GiB need " + need
                            + " GiB together, the workers that can hold them have " + have + " GiB");
                    break;
                }
            }
        }
    }

    /** Each field is bounded; their sum over all jobs is bounded too (see {@link ProblemLimits#MAX_TOTAL_SECONDS}). */
    private static void checkTotal(List<String> errors, Problem problem) {
        List<Expert> experts = problem.experts();
        Map<String, Integer> index = problem.expertIndex();
        double total = 0;
        for (Expert e : experts) {
            total += e.loadSeconds();
        }
        if (problem.aggregator() != null) {
            total += problem.aggregator().loadSeconds();
        }
        int largest = -1;
        double largestTime = -1;
        for (int i = 0; i < problem.prompts().size(); i++) {
            Prompt p = problem.prompts().get(i);
            double time = 0;
            for (Map.Entry<String, Double> r : p.route().entrySet()) {
                Expert e = experts.get(index.get(r.getKey()));
                time += Math.max(e.jobCost(p.promptTokens(), r.getValue()), e.jobFloor(p.promptTokens(), r.getValue()));
            }
            if (problem.aggregator() != null) {
                Expert a = problem.aggregator();
                // the aggregator reads every expert answer: bound its prompt by the routed output
                double in = p.promptTokens();
                for (double out : p.route().values()) {
                    in += out;
                }
                time += Math.max(a.jobCost(in, 0), a.jobFloor(in, 0));
                if (in > ProblemLimits.MAX_TOKENS) {
                    errors.add("prompts[" + i + "]: promptTokens plus the routed output tokens (what the aggregator reads) is " + in
                            + ", more than the maximum " + ProblemLimits.MAX_TOKENS);
                }
            }
            total += time;
            if (time > largestTime) {
                largestTime = time;
                largest = i;
            }
        }
        if (!(total <= ProblemLimits.MAX_TOTAL_SECONDS)) {
            errors.add("prompts: the profiled time of all jobs and loads at speed 1 is " + total + " s, more than the maximum "
                    + ProblemLimits.MAX_TOTAL_SECONDS + " s (the largest is prompts[" + largest + "] with " + largestTime + " s)");
        }
    }

    /**
     * Known ids in every pair, no duplicate within a list, no pair both pinned and forbidden,
     * pinned and loaded replicas that fit their worker's memory together, and every expert left a
     * worker large enough for it.
     */
    private static void checkPlacement(List<String> errors, Problem problem, Map<String, Integer> workerIds,
                                       Map<String, Integer> expertIds) {
        PlacementRules rules = problem.placement();
        checkPairs(errors, "placement.forbidden", rules.forbidden(), workerIds, expertIds);
        checkPairs(errors, "placement.pinned", rules.pinned(), workerIds, expertIds);
        checkPairs(errors, "placement.loaded", rules.loaded(), workerIds, expertIds);
        Set<PlacementRules.Pair> forbidden = new java.util.HashSet<>(rules.forbidden());
        for (int i = 0; i < rules.pinned().size(); i++) {
            PlacementRules.Pair p = rules.pinned().get(i);
            if (p != null && forbidden.contains(p)) {
                errors.add("placement.pinned[" + i + "]: (" + p.worker() + ", " + p.expert() + ") is also in placement.forbidden");
            }
        }
        // Pinned replicas must be placed and loaded ones are resident now: each worker must hold them all.
        Map<String, Double> held = new java.util.HashMap<>();
        Set<PlacementRules.Pair> counted = new java.util.HashSet<>();
        Set<String> over = new java.util.HashSet<>();
        String[] lists = {"pinned", "loaded"};
        for (String list : lists) {
            List<PlacementRules.Pair> pairs = list.equals("pinned") ? rules.pinned() : rules.loaded();
            for (int i = 0; i < pairs.size(); i++) {
                PlacementRules.Pair p = pairs.get(i);
                Integer w = p == null ? null : workerIds.get(p.worker());
                Integer e = p == null ? null : expertIds.get(p.expert());
                if (w == null || e == null || !counted.add(p)) {
                    continue;
                }
                Worker wk = problem.workers().get(w);
                Expert ex = problem.experts().get(e);
                if (wk == null || ex == null) {
                    continue;
                }
                double total = held.merge(p.worker(), ex.memoryGiB(), Double::sum);
                if (total > wk.memoryGiB() * (1 + 1e-9) && over.add(p.worker())) {
                    errors.add("placement." + list + "[" + i + "]: the pinned and loaded replicas on worker " + p.worker()
                            + " need " + total + " GiB together, more than its memoryGiB " + wk.memoryGiB());
                }
            }
        }
        boolean[][] allowed = problem.allowed();
        for (int e = 0; e < problem.experts().size(); e++) {
            Expert ex = problem.experts().get(e);
            if (ex == null) {
                continue;
            }
            boolean any = false;
            for (int w = 0; w < problem.workers().size() && !any; w++) {
                Worker wk = problem.workers().get(w);
                any = allowed[w][e] && wk != null && wk.memoryGiB() >= ex.memoryGiB();
            }
            if (!any) {
                errors.add("placement.forbidden: leaves expert " + ex.id() + " no worker with room for it ("
                        + ex.memoryGiB() + " GiB)");
            }
        }
    }

    /** Every pair present, with known ids, and no pair twice in the list. */
    private static void checkPairs(List<String> errors, String list, List<PlacementRules.Pair> pairs, Map<String, Integer> workerIds,
                                   Map<String, Integer> expertIds) {
        Map<PlacementRules.Pair, Integer> seen = new java.util.HashMap<>();
        for (int i = 0; i < pairs.size(); i++) {
            String path = list + "[" + i + "]";
            PlacementRules.Pair p = pairs.get(i);
            if (p == null) {
                errors.add(path + ": missing");
                continue;
            }
            if (p.worker() == null || !workerIds.containsKey(p.worker())) {
                errors.add(path + ".worker: unknown worker '" + p.worker() + "'");
            }
            if (p.expert() == null || !expertIds.containsKey(p.expert())) {
                errors.add(path + ".expert: unknown expert '" + p.expert() + "'");
            }
            Integer first = seen.putIfAbsent(p, i);
            if (first != null) {
                errors.add(path + ": duplicate pair (" + p.worker() + ", " + p.expert() + "), also " + list + "[" + first + "]");
            }
        }
    }

    private static void checkProfile(List<String> errors, String path, Expert e) {
        inRange(errors, path + ".memoryGiB", e.memoryGiB(), 0, ProblemLimits.MAX_MEMORY_GIB);
        inRange(errors, path + ".loadSeconds", e.loadSeconds(), 0, ProblemLimits.MAX_LOAD_SECONDS);
        inRange(errors, path + ".prefillSecondsPerToken", e.prefillSecondsPerToken(), 0, ProblemLimits.MAX_SECONDS_PER_TOKEN);
        inRange(errors, path + ".decodeSecondsPerToken", e.decodeSecondsPerToken(), 0, ProblemLimits.MAX_SECONDS_PER_TOKEN);
        inRange(errors, path + ".decodeLatencySecondsPerToken", e.decodeLatencySecondsPerToken(), 0, ProblemLimits.MAX_SECONDS_PER_TOKEN);
        inRange(errors, path + ".decodeSecondsPerContextToken", e.decodeSecondsPerContextToken(), 0, ProblemLimits.MAX_SECONDS_PER_TOKEN);
    }

    private static void checkId(List<String> errors, String path, String id, Map<String, Integer> seen, String list, int index) {
        if (id == null || id.isBlank()) {
            errors.add(path + ".id: must be a non-empty string");
            return;
        }
        Integer first = seen.putIfAbsent(id, index);
        if (first != null) {
            errors.add(path + ".id: duplicate id '" + id + "' (also " + list + "[" + first + "])");
        }
    }

    /**
     * {@code v} must be finite and in [min, max] ({@link ProblemLimits}); a minimum above 0 also
     * excludes 0, which the message states first.
     */
    private static void inRange(List<String> errors, String path, double v, double min, double max) {
        if (!Double.isFinite(v) || v < 0 || (min > 0 && v <= 0)) {
            errors.add(path + ": must be a finite number " + (min > 0 ? "> 0" : ">= 0") + ", got " + v);
        } else if (v < min) {
            errors.add(path + ": must be at least " + min + ", got " + v);
        } else if (v > max) {
            errors.add(path + ": must be at most " + max + " (the problem format's limit), got " + v);
        }
    }
}
