package dev.mosaic.scheduler.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mosaic.scheduler.plan.PlanningException;
import dev.mosaic.scheduler.problem.Expert;
import dev.mosaic.scheduler.problem.JobTable;
import dev.mosaic.scheduler.problem.Problem;
import dev.mosaic.scheduler.problem.Prompt;
import dev.mosaic.scheduler.problem.Worker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LptAssignerTest {

    /** Two equal workers both holding expert "x"; jobs of 6, 5, 4, 3, 2 seconds (decode 1 s/token). */
    private static Problem twoReplicas() {
        List<Prompt> prompts = new ArrayList<>();
        int i = 0;
        for (double t : new double[] {6, 5, 4, 3, 2}) {
            prompts.add(new Prompt("p" + i++, 0, Map.of("x", t)));
        }
        return new Problem(List.of(new Worker("a", 10, 1), new Worker("b", 10, 1)),
                List.of(new Expert("x", 5, 0, 0, 1, 0)), prompts);
    }

    @Test
    void largestFirstEarliestFinish() {
        Problem p = twoReplicas();
        boolean[][] placed = {{true}, {true}};
        int[] jw = LptAssigner.assign(p, p.jobs(), placed);
        // LPT: 6->a, 5->b, 4->b (9), 3->a (9), 2->a (11); single-job moves cannot reach the 10/10 split
        double[] load = new double[2];
        JobTable jobs = p.jobs();
        for (int j = 0; j < jobs.size(); j++) {
            load[jw[j]] += jobs.cost()[j];
        }
        assertEquals(20, load[0] + load[1], 1e-12);
        assertTrue(Math.max(load[0], load[1]) <= 11 + 1e-12, java.util.Arrays.toString(load));
    }

    @Test
    void refinementRepairsAPoorSplit() {
        Problem p = twoReplicas();
        boolean[][] placed = {{true}, {true}};
        // shares asking for everything on "a": 20 / 0 before refinement; moving single jobs off "a" gets to 11 / 9 or better
        int[] jw = LptAssigner.assign(p, p.jobs(), placed, new double[][] {{20}, {0}});   // shares[worker][expert]
        double[] load = new double[2];
        for (int j = 0; j < jw.length; j++) {
            load[jw[j]] += p.jobs().cost()[j];
        }
        assertEquals(20, load[0] + load[1], 1e-12);
        assertTrue(Math.max(load[0], load[1]) <= 11 + 1e-12, java.util.Arrays.toString(load));
    }

    @Test
    void idleReplicasAreDropped() {
        Problem p = new Problem(List.of(new Worker("a", 10, 1), new Worker("b", 10, 1)),
                List.of(new Expert("x", 5, 3, 0, 1, 0)), List.of(new Prompt("p", 0, Map.of("x", 1.0))));
        boolean[][] placed = {{true}, {true}};
        int[] jw = LptAssigner.assign(p, p.jobs(), placed);
        assertEquals(1, placed[0][0] ^ placed[1][0] ? 1 : 0, "exactly one replica left");
        assertTrue(placed[jw[0]][0]);
    }

    @Test
    void expertWithoutReplicaIsAnError() {
        Problem p = twoReplicas();
        PlanningException e = assertThrows(PlanningException.class, () -> LptAssigner.assign(p, p.jobs(), new boolean[][] {{false}, {false}}));
        assertEquals("expert x has jobs but no replica", e.getMessage());
    }
}
