"""The typed stack configuration: one model, validated at program start."""
