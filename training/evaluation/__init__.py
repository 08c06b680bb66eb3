"""Musical evaluation: headless takes measured beside held-out human melodies."""
