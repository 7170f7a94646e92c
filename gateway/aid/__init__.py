"""Aid: pickup codes, the welfare registry extract, and the aid programs file (pure, no database)."""
