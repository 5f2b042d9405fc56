/**
 * The Mixture-of-Agents runtime: where the planner ({@code scheduler}) meets the engines
 * ({@code inference}). A plan is executed on real workers, each expert's answer is extracted from
 * its off-heap token buffer, agreement is scored per prompt as soon as its last expert finishes,
 * and the aggregator runs only where the experts do not agree.
 */
package dev.mosaic.moa;
