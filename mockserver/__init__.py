"""A stateful mock of the Kinetica proc/job and PraisonAI async-run APIs, and its schema generator."""
