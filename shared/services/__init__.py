"""Business logic: knows the rules, not Lambda events or HTTP."""
