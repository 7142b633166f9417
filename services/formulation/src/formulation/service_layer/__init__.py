"""Use cases of the formulation service: commands in, aggregates changed, events collected."""
