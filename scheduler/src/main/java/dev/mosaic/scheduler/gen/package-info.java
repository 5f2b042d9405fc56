/**
 * Seeded synthetic problems: {@link dev.mosaic.scheduler.gen.InstanceSpec} (presets and size
 * knobs) and {@link dev.mosaic.scheduler.gen.InstanceGenerator} (realistic H100 expert profiles,
 * skewed skill-based routing, lognormal output lengths).
 */
package dev.mosaic.scheduler.gen;
