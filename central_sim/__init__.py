"""central_sim."""
