"""One router per area of the API; each Lambda function serves some of them (see `shared.catalog`)."""
