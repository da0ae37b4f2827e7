"""The kotoba CDK app: data, storage and API stacks built from the names in `shared/`."""
