"""The Kinetica half of the mock: procs, runs, data segments and jobs, over JSON and Avro."""
