"""The contract's schemas: generated from the doc pages (and Kinetica's client), loaded at run time."""
