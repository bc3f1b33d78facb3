"""Request and response models of the REST API, kept apart from the table models."""
