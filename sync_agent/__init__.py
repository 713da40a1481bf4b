"""sync_agent."""
