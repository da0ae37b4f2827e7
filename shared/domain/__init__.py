"""Domain values that the services and data access both use: plain and immutable, no storage, no HTTP."""
