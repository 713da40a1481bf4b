"""central_api_client."""
