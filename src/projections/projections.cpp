// Placeholder translation unit until the projections land (issue 3).
