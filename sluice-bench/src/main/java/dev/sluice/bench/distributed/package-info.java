/**
 * A deterministic discrete-event simulation of a fleet of eventually consistent instances ({@link
 * dev.sluice.eventual.EventualBackend}, the real code) sharing one global store across a simulated
 * network: how far over the limit the fleet goes, against the sync interval. Run by {@link
 * dev.sluice.bench.distributed.FleetSimulationMain}; results in {@code docs/distributed.md}.
 */
package dev.sluice.bench.distributed;
