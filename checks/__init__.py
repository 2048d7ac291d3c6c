"""Post-deploy checks: what a receiving mail server sees of a deployed mail stack."""
