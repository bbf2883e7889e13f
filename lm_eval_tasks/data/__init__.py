"""Where the rows come from and how they are read: the hub schema, the data sources (the hub, OpenAI's
folder, the embedded sample), the prompts, the distinct posts, the `--metadata` keys and the shared load."""
