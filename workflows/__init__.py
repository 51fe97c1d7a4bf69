"""Channel-agnostic advocacy workflow core: commands in, state changes and effects out."""
