"""Kinetica conformance checks: wire, procs, runs, kills, jobs, Avro, state machine, gpudb client."""
