"""Report files: writers turn insight results into xlsx/pptx (no Django inside writers)."""
