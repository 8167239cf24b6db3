"""Where the data lives: configuration, the database, its schema and models, the secrets' key."""
