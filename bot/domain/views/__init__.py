"""Block Kit for the surfaces people steer Baton with: help, preferences, brief editing,
the Home tab and digest, and forget-me. Pure functions of domain data."""
