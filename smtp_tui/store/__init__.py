"""Where the data lives: configuration, the database and its schema, the models, the secrets' key."""
