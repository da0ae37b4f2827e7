"""Data access: the only package that talks to DynamoDB (through PynamoDB) or to other AWS services."""
