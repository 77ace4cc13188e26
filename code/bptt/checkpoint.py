"""BPTT within a memory budget: checkpointing schedules (issue 14; being written)."""
