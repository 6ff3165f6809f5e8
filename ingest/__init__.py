"""Clinical-trial registry warehouse: fetch, snapshot, load, transform, validate, publish."""
