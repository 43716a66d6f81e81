"""Where digitpad's files live and how they are written safely: asset and user-data paths, atomic writes."""
