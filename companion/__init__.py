"""Command-line interface of contrastive-companion."""
