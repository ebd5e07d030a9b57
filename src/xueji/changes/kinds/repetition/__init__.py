"""A repeat year (留级, R14.1): only on the guardian's application, approved by the district."""
